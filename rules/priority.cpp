#include "rules/priority.h"

#include <array>

namespace panguard::rules {
namespace {
constexpr std::array<std::string_view, 8> kNames = {
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"};
}  // namespace

std::string_view priority_name(Priority p) { return kNames[static_cast<std::size_t>(p)]; }

std::optional<Priority> parse_priority(std::string_view name) {
  if (name == "info") return Priority::kInformational;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Priority>(i);
  }
  return std::nullopt;
}

}  // namespace panguard::rules
