// Single-node Store: every counter in this process, sharded maps behind one mutex per shard.
// Also the Redis store's per-node fallback (failure mode `local`). Completes every call inline.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/store/store.h"

namespace panguard::agent {

class MemoryStore : public Store {
 public:
  // The synchronous core, also used directly by RedisStore's local fallback and the benchmark.
  RateDecision decide_rate(std::string_view key, const rules::RateLimit& limit, int64_t now_ns);
  QuotaUsage decide_usage(std::string_view key, const QuotaWindow& window, double amount,
                          int64_t now_ns);
  DedupDecision decide_dedup(std::string_view key, int64_t window_ns, int64_t now_ns);

  void check_rate(std::string key, const rules::RateLimit& limit, rules::StoreFailureMode failure,
                  int64_t now_ns, StoreCompletion<RateDecision> done) override;
  void add_usage(std::string key, const QuotaWindow& window, double amount, int64_t now_ns,
                 StoreCompletion<QuotaUsage> done) override;
  void dedup(std::string key, int64_t window_ns, int64_t now_ns,
             StoreCompletion<DedupDecision> done) override;
  bool healthy() const override { return true; }

  std::size_t key_count() const;

 private:
  struct Entry {
    int64_t expires_ns = 0;  // past this the entry is indistinguishable from an absent one
    int64_t tat_ns = 0;      // rate: theoretical arrival time
    int64_t window = 0;      // quota: index of the current window; dedup: window start
    double total = 0;        // quota: current window's total
    uint32_t windows_over = 0;
    uint64_t occurrences = 0;  // dedup: in the current window
    uint64_t suppressed = 0;   // dedup: carried from the previous window
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
    uint64_t calls_since_sweep = 0;
  };
  static constexpr std::size_t kShards = 16;

  // Finds or creates the entry under the shard's lock (held by the caller); drops expired
  // entries every few thousand calls so memory stays bounded by the keys recently active.
  Entry& entry(Shard& shard, std::string_view key, int64_t now_ns);
  Shard& shard_for(std::string_view key);

  std::array<Shard, kShards> shards_;
};

}  // namespace panguard::agent
