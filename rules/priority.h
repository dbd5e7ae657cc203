// Rule priorities, most severe first (syslog order, as in Falco).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace panguard::rules {

enum class Priority : uint8_t {
  kEmergency,
  kAlert,
  kCritical,
  kError,
  kWarning,
  kNotice,
  kInformational,
  kDebug,
};

std::string_view priority_name(Priority p);
// Accepts the lower-case names above plus "info"; anything else is nullopt.
std::optional<Priority> parse_priority(std::string_view name);

}  // namespace panguard::rules
