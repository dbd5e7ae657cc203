// The shared counter store: every rate, quota and dedup decision is one atomic Lua script in
// Redis (store_scripts.h), so every agent on every node gives the same answer. When Redis cannot
// answer (down, slow past the client's timeout, a reply the script cannot produce) the call is
// answered by its failure mode instead, the store reports itself degraded (rate-limited), and a
// later success, from traffic or from a background PING, reports the recovery.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/store/memory_store.h"
#include "agent/store/redis/redis_executor.h"
#include "agent/store/redis/store_health.h"
#include "agent/store/store.h"

namespace panguard::agent {

// Plain counters for /metrics. No tenant, key or rule in them.
struct StoreCounters {
  std::atomic<uint64_t> calls{0};  // rate, usage and dedup calls sent to Redis
  // Calls that got no usable answer, by cause.
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> disconnected{0};
  std::atomic<uint64_t> overloaded{0};
  std::atomic<uint64_t> stopped{0};
  std::atomic<uint64_t> bad_replies{0};  // error replies, or a shape the script cannot produce
  // Decisions answered without the shared store, by failure mode.
  std::atomic<uint64_t> rate_closed{0};
  std::atomic<uint64_t> rate_open{0};
  std::atomic<uint64_t> rate_local{0};
  std::atomic<uint64_t> usage_local{0};
  std::atomic<uint64_t> dedup_reported{0};
  std::atomic<uint64_t> invalid_amounts{0};  // add_usage amounts that were NaN, inf or < 0
  std::atomic<uint64_t> probes{0};           // recovery PINGs sent while degraded
};

struct RedisStoreOptions {
  // For calls whose failure mode is kDefault (callers normally resolve it themselves).
  rules::StoreFailureMode failure_mode = rules::StoreFailureMode::kClosed;
  // Agents sharing the budget: the `local` fallback allows rate / expected_nodes (burst
  // likewise, at least 1) per node, so the fleet stays near the global limit during an outage.
  uint32_t expected_nodes = 1;
  // Rate checks are batched per hash slot, which is always safe. Only against a single server
  // (never a cluster: a script's keys must share a slot) may one batch span slots.
  bool batch_across_slots = false;
  std::chrono::nanoseconds degraded_report_period = std::chrono::seconds(60);
  // While degraded, a PING this often detects recovery when no traffic does. Zero: no probe.
  std::chrono::nanoseconds probe_interval = std::chrono::seconds(1);
  StoreHealthListener on_health;
  StoreHealth::Clock steady_clock;  // for tests; default std::chrono::steady_clock
};

class RedisStore : public Store {
 public:
  // `redis` must outlive this store; completions may still run after it is destroyed (they
  // touch only state they share ownership of).
  RedisStore(redis::Executor& redis, RedisStoreOptions options);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  void check_rate(std::string key, const rules::RateLimit& limit, rules::StoreFailureMode failure,
                  int64_t now_ns, StoreCompletion<RateDecision> done) override;
  void add_usage(std::string key, const QuotaWindow& window, double amount, int64_t now_ns,
                 StoreCompletion<QuotaUsage> done) override;
  void dedup(std::string key, int64_t window_ns, int64_t now_ns,
             StoreCompletion<DedupDecision> done) override;
  bool healthy() const override;

  const StoreCounters& counters() const;
  const StoreHealth& health() const;

  // The per-node bucket the `local` failure mode uses for `limit` (exposed for tests and docs).
  static rules::RateLimit local_share(const rules::RateLimit& limit, uint32_t expected_nodes);

 private:
  struct Shared;  // what completions share with the store (they may outlive it)

  void run_probe();

  redis::Executor& redis_;
  std::shared_ptr<Shared> shared_;

  // Recovery probe: a small thread that sleeps until the store turns degraded.
  std::mutex probe_mutex_;
  std::condition_variable probe_wake_;
  bool stopping_ = false;
  std::thread probe_thread_;
};

}  // namespace panguard::agent
