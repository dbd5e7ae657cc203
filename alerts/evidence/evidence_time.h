// The time bounds of an evidence export: RFC 3339 UTC ("2026-11-29T10:00:00Z", optional
// fraction) or unix seconds ("1795946400"), both to nanoseconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace panguard::alerts::evidence {

std::optional<int64_t> parse_time_bound(std::string_view text);

}  // namespace panguard::alerts::evidence
