// Typed field registry: name, type, description and the sources that carry each field.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rules/field_list.h"
#include "rules/source.h"

namespace panguard::rules {

enum class FieldType : uint8_t { kString, kInt, kBool };

std::string_view field_type_name(FieldType type);

enum class FieldId : uint16_t {
#define PANGUARD_FIELD_ENUM(id, name, type, sources, desc) id,
  PANGUARD_FIELDS(PANGUARD_FIELD_ENUM)
#undef PANGUARD_FIELD_ENUM
};

inline constexpr std::size_t kFieldCount = 0
#define PANGUARD_FIELD_COUNT(id, name, type, sources, desc) +1
    PANGUARD_FIELDS(PANGUARD_FIELD_COUNT)
#undef PANGUARD_FIELD_COUNT
    ;

struct FieldInfo {
  FieldId id;
  std::string_view name;
  FieldType type;
  SourceMask sources;
  std::string_view description;
};

std::span<const FieldInfo> all_fields();
const FieldInfo& field_info(FieldId id);
std::optional<FieldId> find_field(std::string_view name);

}  // namespace panguard::rules
