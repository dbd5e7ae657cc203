#include "rules/event.h"

#include <cassert>

#include "rules/output_template.h"

namespace panguard::rules {

void Event::set(FieldId id, std::string value) {
  assert(field_info(id).type == FieldType::kString);
  slot(id) = std::move(value);
}

void Event::set(FieldId id, int64_t value) {
  assert(field_info(id).type == FieldType::kInt);
  slot(id) = value;
}

void Event::set(FieldId id, bool value) {
  assert(field_info(id).type == FieldType::kBool);
  slot(id) = value;
}

std::string render_value(const FieldValue& value) {
  struct Render {
    std::string operator()(std::monostate) const { return "<NA>"; }
    std::string operator()(const std::string& s) const { return escape_value(s); }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
  };
  return std::visit(Render{}, value);
}

}  // namespace panguard::rules
