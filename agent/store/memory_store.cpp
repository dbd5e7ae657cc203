#include "agent/store/memory_store.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace panguard::agent {
namespace {

constexpr uint64_t kSweepEvery = 4096;
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
// How long a dedup window's suppressed count waits for the next window's first alert.
constexpr int64_t kDedupCarryHoldNs = 24 * 3600 * int64_t{1'000'000'000};

// Saturating so absurd limits (rate 1/h with burst 2^40) cannot overflow into allowing.
int64_t saturating_mul(int64_t a, int64_t b) {
  if (a != 0 && b > kMaxInt64 / a) return kMaxInt64;
  return a * b;
}

int64_t saturating_add(int64_t a, int64_t b) { return a > kMaxInt64 - b ? kMaxInt64 : a + b; }

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

MemoryStore::Shard& MemoryStore::shard_for(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

MemoryStore::Entry& MemoryStore::entry(Shard& shard, std::string_view key, int64_t now_ns) {
  if (++shard.calls_since_sweep >= kSweepEvery) {
    shard.calls_since_sweep = 0;
    std::erase_if(shard.entries, [now_ns](const auto& e) { return e.second.expires_ns <= now_ns; });
  }
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) {
    it = shard.entries.emplace(std::string(key), Entry{}).first;
  } else if (it->second.expires_ns <= now_ns) {
    it->second = Entry{};
  }
  return it->second;
}

RateDecision MemoryStore::decide_rate(std::string_view key, const rules::RateLimit& limit,
                                      int64_t now_ns) {
  // Emission interval T and tolerance tau = T * burst: `burst` requests may arrive at once,
  // then one per T.
  const uint64_t count = std::max<uint64_t>(limit.rate_count, 1);
  const int64_t interval = static_cast<int64_t>(std::max<uint64_t>(limit.period_ns / count, 1));
  const int64_t burst = static_cast<int64_t>(
      std::min<uint64_t>(std::max<uint64_t>(limit.burst, 1), std::numeric_limits<int32_t>::max()));
  const int64_t tolerance = saturating_mul(interval, burst);

  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  Entry& state = entry(shard, key, now_ns);
  const int64_t tat = std::max(state.tat_ns, now_ns);
  const int64_t new_tat = saturating_add(tat, interval);
  const int64_t wait = new_tat - now_ns;  // > 0
  if (wait > tolerance) return RateDecision{false, 0, wait - tolerance, DecisionSource::kStore};
  state.tat_ns = new_tat;
  state.expires_ns = new_tat;  // once the TAT has passed the key is as good as absent
  return RateDecision{true, static_cast<uint64_t>((tolerance - wait) / interval), 0,
                      DecisionSource::kStore};
}

QuotaUsage MemoryStore::decide_usage(std::string_view key, const QuotaWindow& window, double amount,
                                     int64_t now_ns) {
  const int64_t length = std::max<int64_t>(window.window_ns, 1);
  const int64_t index = floor_div(now_ns, length);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  Entry& state = entry(shard, key, now_ns);
  if (state.expires_ns == 0 || state.window != index) {
    // The window closed: carry the run of over-quota windows only into the very next one.
    const bool previous_over =
        state.expires_ns != 0 && state.window == index - 1 && state.total > window.limit;
    state.windows_over = previous_over ? state.windows_over : 0;
    state.window = index;
    state.total = 0;
  }
  const bool was_over = state.total > window.limit;
  if (std::isfinite(amount) && amount > 0) state.total += amount;
  if (!was_over && state.total > window.limit) ++state.windows_over;
  const uint32_t over = state.total > window.limit ? state.windows_over : 0;
  state.expires_ns = saturating_add(
      saturating_mul(index + 1, length),
      saturating_mul(length, static_cast<int64_t>(std::max<uint32_t>(window.sustain_windows, 1))));
  return QuotaUsage{state.total, over, over >= std::max<uint32_t>(window.sustain_windows, 1),
                    DecisionSource::kStore};
}

DedupDecision MemoryStore::decide_dedup(std::string_view key, int64_t window_ns, int64_t now_ns) {
  const int64_t length = std::max<int64_t>(window_ns, 1);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  Entry& state = entry(shard, key, now_ns);
  if (state.occurrences == 0 || now_ns >= saturating_add(state.window, length)) {
    const uint64_t carried = state.occurrences > 1 ? state.occurrences - 1 : 0;
    state.window = now_ns;
    state.occurrences = 1;
    state.expires_ns = saturating_add(now_ns, length);
    return DedupDecision{true, 1, carried, DecisionSource::kStore};
  }
  ++state.occurrences;
  state.expires_ns = saturating_add(saturating_add(state.window, length), kDedupCarryHoldNs);
  return DedupDecision{false, state.occurrences, 0, DecisionSource::kStore};
}

void MemoryStore::check_rate(std::string key, const rules::RateLimit& limit,
                             rules::StoreFailureMode, int64_t now_ns,
                             StoreCompletion<RateDecision> done) {
  done(decide_rate(key, limit, now_ns));
}

void MemoryStore::add_usage(std::string key, const QuotaWindow& window, double amount,
                            int64_t now_ns, StoreCompletion<QuotaUsage> done) {
  done(decide_usage(key, window, amount, now_ns));
}

void MemoryStore::dedup(std::string key, int64_t window_ns, int64_t now_ns,
                        StoreCompletion<DedupDecision> done) {
  done(decide_dedup(key, window_ns, now_ns));
}

std::size_t MemoryStore::key_count() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace panguard::agent
