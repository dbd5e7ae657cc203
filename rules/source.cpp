#include "rules/source.h"

#include <array>

namespace panguard::rules {
namespace {
constexpr std::array<std::string_view, kSourceCount> kNames = {"vault",   "nats",  "process",
                                                               "network", "usage", "platform"};
}  // namespace

std::string_view source_name(Source s) { return kNames[static_cast<std::size_t>(s)]; }

std::optional<Source> parse_source(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Source>(i);
  }
  return std::nullopt;
}

}  // namespace panguard::rules
