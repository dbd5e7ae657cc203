#include "alerts/webhook/retry_policy.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace panguard::alerts::webhook {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" → unix seconds.
std::optional<int64_t> parse_imf_fixdate(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), s.substr(0, 3)) == kDays.end()) return std::nullopt;
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (month_it == kMonths.end()) return std::nullopt;
  const auto day_s = s.substr(5, 2), year_s = s.substr(12, 4), hh = s.substr(17, 2),
             mm = s.substr(20, 2), ss = s.substr(23, 2);
  if (!all_digits(day_s) || !all_digits(year_s) || !all_digits(hh) || !all_digits(mm) ||
      !all_digits(ss)) {
    return std::nullopt;
  }
  const int day = digits(day_s), hour = digits(hh), minute = digits(mm), second = digits(ss);
  const auto month = static_cast<unsigned>(month_it - kMonths.begin() + 1);
  static constexpr std::array<int, 12> kMonthDays = {31, 29, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  if (day < 1 || day > kMonthDays[month - 1] || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return days_from_civil(digits(year_s), month, static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

}  // namespace

Outcome classify_status(unsigned status) {
  if (status >= 200 && status < 300) return Outcome::kDelivered;
  if (status == 408 || status == 425 || status == 429) return Outcome::kRetry;
  if (status >= 500 && status < 600) return Outcome::kRetry;
  if (status < 200) return Outcome::kRetry;
  return Outcome::kPermanent;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (all_digits(value)) {
    if (value.size() > 9) return kMaxRetryAfter;  // absurdly large: capped, not overflowed
    return std::min(std::chrono::seconds(digits(value)), kMaxRetryAfter);
  }
  const auto when = parse_imf_fixdate(value);
  if (!when) return std::nullopt;
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t delta = *when - now_s;
  if (delta <= 0) return std::chrono::seconds(0);
  return std::min(std::chrono::seconds(delta), kMaxRetryAfter);
}

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min_delay,
                                        std::chrono::milliseconds max_delay, double unit) {
  const unsigned shift = std::min(attempt == 0 ? 0u : attempt - 1, 40u);
  const long double ceiling = std::min<long double>(
      static_cast<long double>(max_delay.count()),
      static_cast<long double>(min_delay.count()) * static_cast<long double>(1ull << shift));
  unit = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(ceiling * unit));
}

}  // namespace panguard::alerts::webhook
