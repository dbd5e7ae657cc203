#include "agent/store/redis/store_replies.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace panguard::agent::redis {
namespace {

bool is_array_of(const Reply& reply, std::size_t size) {
  return reply.type == Reply::Type::kArray && reply.elements.size() == size;
}

std::optional<int64_t> non_negative_integer(const Reply& reply) {
  if (reply.type != Reply::Type::kInteger || reply.integer < 0) return std::nullopt;
  return reply.integer;
}

std::optional<double> non_negative_decimal(const Reply& reply) {
  if (reply.type != Reply::Type::kString) return std::nullopt;
  double value = 0;
  const char* end = reply.text.data() + reply.text.size();
  const auto [ptr, ec] = std::from_chars(reply.text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<RateDecision> parse_rate_reply(const Reply& reply) {
  if (!is_array_of(reply, 3)) return std::nullopt;
  const auto allowed = non_negative_integer(reply.elements[0]);
  const auto remaining = non_negative_integer(reply.elements[1]);
  const auto retry_after_us = non_negative_integer(reply.elements[2]);
  if (!allowed || !remaining || !retry_after_us || *allowed > 1) return std::nullopt;
  if (*allowed == 0 && *remaining != 0) return std::nullopt;
  if (*retry_after_us > std::numeric_limits<int64_t>::max() / 1000) return std::nullopt;
  return RateDecision{*allowed == 1, static_cast<uint64_t>(*remaining), *retry_after_us * 1000,
                      DecisionSource::kStore};
}

std::optional<QuotaUsage> parse_quota_reply(const Reply& reply, uint32_t sustain_windows) {
  if (!is_array_of(reply, 2)) return std::nullopt;
  const auto total = non_negative_decimal(reply.elements[0]);
  const auto windows_over = non_negative_integer(reply.elements[1]);
  if (!total || !windows_over || *windows_over > std::numeric_limits<uint32_t>::max()) {
    return std::nullopt;
  }
  const auto over = static_cast<uint32_t>(*windows_over);
  // sustain_windows 0 reads as 1, as in MemoryStore: "sustained" needs one window over.
  return QuotaUsage{*total, over, over >= std::max<uint32_t>(sustain_windows, 1),
                    DecisionSource::kStore};
}

std::optional<DedupDecision> parse_dedup_reply(const Reply& reply) {
  if (!is_array_of(reply, 3)) return std::nullopt;
  const auto report = non_negative_integer(reply.elements[0]);
  const auto occurrences = non_negative_integer(reply.elements[1]);
  const auto suppressed = non_negative_integer(reply.elements[2]);
  if (!report || !occurrences || !suppressed || *report > 1 || *occurrences < 1) {
    return std::nullopt;
  }
  if ((*report == 1) != (*occurrences == 1)) return std::nullopt;
  if (*report == 0 && *suppressed != 0) return std::nullopt;
  return DedupDecision{*report == 1, static_cast<uint64_t>(*occurrences),
                       static_cast<uint64_t>(*suppressed), DecisionSource::kStore};
}

}  // namespace panguard::agent::redis
