#include "agent/store/memory_store.h"

#include <algorithm>
#include <limits>

namespace panguard::agent {
namespace {

constexpr uint64_t kSweepEvery = 4096;

// Saturating so absurd limits (rate 1/h with burst 2^40) cannot overflow into allowing.
int64_t saturating_mul(int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) {
    return std::numeric_limits<int64_t>::max();
  }
  return a * b;
}

}  // namespace

RateDecision MemoryStore::check_rate(std::string_view key, const rules::RateLimit& limit,
                                     int64_t now_ns) {
  // Emission interval T and tolerance tau = T * burst: `burst` requests may arrive at once,
  // then one per T.
  const uint64_t count = std::max<uint64_t>(limit.rate_count, 1);
  const int64_t interval = static_cast<int64_t>(std::max<uint64_t>(limit.period_ns / count, 1));
  const int64_t burst = static_cast<int64_t>(
      std::min<uint64_t>(std::max<uint64_t>(limit.burst, 1), std::numeric_limits<int32_t>::max()));
  const int64_t tolerance = saturating_mul(interval, burst);

  std::lock_guard lock(mutex_);
  if (++checks_since_sweep_ >= kSweepEvery) sweep(now_ns);

  auto it = tat_ns_.find(std::string(key));
  const int64_t tat = it == tat_ns_.end() ? now_ns : std::max(it->second, now_ns);
  const int64_t new_tat = tat + interval;
  const int64_t wait = new_tat - now_ns;  // > 0

  if (wait > tolerance) {
    return RateDecision{false, 0, wait - tolerance};
  }
  if (it == tat_ns_.end()) {
    tat_ns_.emplace(std::string(key), new_tat);
  } else {
    it->second = new_tat;
  }
  return RateDecision{true, static_cast<uint64_t>((tolerance - wait) / interval), 0};
}

std::size_t MemoryStore::key_count() const {
  std::lock_guard lock(mutex_);
  return tat_ns_.size();
}

void MemoryStore::sweep(int64_t now_ns) {
  checks_since_sweep_ = 0;
  std::erase_if(tat_ns_, [now_ns](const auto& entry) { return entry.second <= now_ns; });
}

}  // namespace panguard::agent
