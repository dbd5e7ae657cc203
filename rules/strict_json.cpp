#include "rules/strict_json.h"

#include <set>
#include <vector>

namespace panguard::rules {

std::optional<nlohmann::json> parse_strict_json(std::string_view text, std::string& error,
                                                int max_depth) {
  using nlohmann::json;
  // nlohmann stops at a NUL byte and accepts what came before it; two parsers must never
  // disagree about where a document ends.
  if (text.find('\0') != std::string_view::npos) {
    error = "NUL byte in JSON text";
    return std::nullopt;
  }
  std::vector<std::set<std::string>> open_objects;
  std::string violation;
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (!violation.empty()) return false;
    if (depth > max_depth) {
      violation = "nesting deeper than " + std::to_string(max_depth);
      return false;
    }
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        auto& key = parsed.get_ref<const std::string&>();
        if (!open_objects.back().insert(key).second) {
          violation = "duplicate key \"" + key + "\"";
          return false;
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    json value = json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/true);
    if (!violation.empty()) {
      error = violation;
      return std::nullopt;
    }
    return value;
  } catch (const json::exception& e) {
    error = violation.empty() ? e.what() : violation;
    return std::nullopt;
  }
}

}  // namespace panguard::rules
