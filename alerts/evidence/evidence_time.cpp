#include "alerts/evidence/evidence_time.h"

#include <charconv>

#include "rules/event_json.h"

namespace panguard::alerts::evidence {

std::optional<int64_t> parse_time_bound(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() ||
        seconds > INT64_MAX / 1'000'000'000) {
      return std::nullopt;
    }
    return seconds * 1'000'000'000;
  }
  int64_t ns = 0;
  if (!rules::parse_rfc3339_utc(text, ns)) return std::nullopt;
  return ns;
}

}  // namespace panguard::alerts::evidence
