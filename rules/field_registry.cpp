#include "rules/field_registry.h"

#include <algorithm>
#include <array>

namespace panguard::rules {
namespace {

constexpr std::array<FieldInfo, kFieldCount> kFields = {{
#define PANGUARD_FIELD_INFO(id, name, type, sources, desc) \
  {FieldId::id, name, FieldType::type, sources, desc},
    PANGUARD_FIELDS(PANGUARD_FIELD_INFO)
#undef PANGUARD_FIELD_INFO
}};

// Sorted by name once, for lookups at compile time of rules and event parsing.
const std::array<const FieldInfo*, kFieldCount>& by_name() {
  static const auto sorted = [] {
    std::array<const FieldInfo*, kFieldCount> out{};
    for (std::size_t i = 0; i < kFieldCount; ++i) out[i] = &kFields[i];
    std::sort(out.begin(), out.end(),
              [](const FieldInfo* a, const FieldInfo* b) { return a->name < b->name; });
    return out;
  }();
  return sorted;
}

}  // namespace

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kBool:
      return "bool";
  }
  return "?";
}

std::span<const FieldInfo> all_fields() { return kFields; }

const FieldInfo& field_info(FieldId id) { return kFields[static_cast<std::size_t>(id)]; }

std::optional<FieldId> find_field(std::string_view name) {
  const auto& sorted = by_name();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const FieldInfo* f, std::string_view n) { return f->name < n; });
  if (it == sorted.end() || (*it)->name != name) return std::nullopt;
  return (*it)->id;
}

}  // namespace panguard::rules
