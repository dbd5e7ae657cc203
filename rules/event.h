// The one normalized event every source produces and every rule evaluates.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "rules/field_registry.h"
#include "rules/source.h"

namespace panguard::rules {

using FieldMask = std::bitset<kFieldCount>;
constexpr std::size_t index_of(FieldId id) { return static_cast<std::size_t>(id); }

// Absent fields hold std::monostate. A field's alternative always matches its registered type.
using FieldValue = std::variant<std::monostate, std::string, int64_t, bool>;

class Event {
 public:
  explicit Event(Source source) : source_(source) {}

  Source source() const { return source_; }

  // Setters assert the registered type: a mismatch is a programming error, not input.
  void set(FieldId id, std::string value);
  void set(FieldId id, std::string_view value) { set(id, std::string(value)); }
  void set(FieldId id, const char* value) { set(id, std::string(value)); }
  void set(FieldId id, int64_t value);
  void set(FieldId id, bool value);
  void clear(FieldId id) {
    slot(id) = std::monostate{};
    present_.reset(index_of(id));
  }

  const FieldValue& get(FieldId id) const { return values_[static_cast<std::size_t>(id)]; }
  bool has(FieldId id) const { return present_.test(index_of(id)); }
  const FieldMask& present() const { return present_; }
  // nullptr / nullopt when absent.
  const std::string* get_string(FieldId id) const { return std::get_if<std::string>(&get(id)); }
  const int64_t* get_int(FieldId id) const { return std::get_if<int64_t>(&get(id)); }
  const bool* get_bool(FieldId id) const { return std::get_if<bool>(&get(id)); }

  bool operator==(const Event&) const = default;

 private:
  FieldValue& slot(FieldId id) {
    present_.set(index_of(id));
    return values_[index_of(id)];
  }

  Source source_;
  std::array<FieldValue, kFieldCount> values_{};
  FieldMask present_;  // mirrors which values_ are not monostate
};

// Renders a value for output templates and counter keys; absent renders as "<NA>".
std::string render_value(const FieldValue& value);

}  // namespace panguard::rules
