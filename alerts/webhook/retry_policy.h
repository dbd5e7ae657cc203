// What to do after one delivery attempt: pure functions, no I/O, no clock reads.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace panguard::alerts::webhook {

enum class Outcome { kDelivered, kRetry, kPermanent };

// 2xx → delivered. 408, 425, 429 and every 5xx → retry. 1xx → retry (a final status was expected).
// Every other status (3xx: redirects are not followed; 4xx such as 400, 401, 403, 404, 410, 413,
// 422) → permanent: the same request would be refused again.
Outcome classify_status(unsigned status);

// Retry-After (RFC 9110 10.2.3): delay-seconds ("2") or an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), relative to `now`. A date in the past gives 0. The obsolete
// RFC 850 / asctime date forms and anything malformed give nullopt (the caller falls back to its
// own backoff). The result is capped at kMaxRetryAfter.
inline constexpr std::chrono::seconds kMaxRetryAfter{3600};
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

// "Full jitter" backoff before retry number `attempt` (1 = first retry):
// uniform in [0, min(max, min_delay * 2^(attempt-1))], scaled by `unit` in [0, 1).
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min_delay,
                                        std::chrono::milliseconds max_delay, double unit);

}  // namespace panguard::alerts::webhook
