// A store under test for the counter-store integration tests: MemoryStore, or RedisStore over
// its own RedisClient on a real redis-server / 3-master cluster (redis_servers.h), plus blocking
// wrappers around the async Store calls so tests read as sequences.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/store/redis/redis_client.h"
#include "agent/store/redis/redis_store.h"
#include "agent/store/store.h"
#include "tests/integration/store/redis_servers.h"

namespace panguard::agent::testing {

enum class Backend { kMemory, kRedis, kCluster };
std::string backend_name(Backend backend);

// Wall-clock nanoseconds: the same clock Redis TIME reads on this host, so MemoryStore given
// this and RedisStore using TIME see the same windows.
int64_t wall_now_ns();
// Monotonic nanoseconds, for measuring how long a call took.
int64_t steady_ns();

inline constexpr int64_t kSecond = 1'000'000'000;
inline constexpr int64_t kMs = 1'000'000;

// One redis-server and one 3-master cluster per test process, started on first use.
RedisServer& shared_redis();
RedisCluster& shared_cluster();
void flush(Backend backend);

// Command timeout 2 s: only a dead or stalled Redis reaches it, never a busy test machine.
redis::ClientOptions client_options(const std::vector<uint16_t>& ports, bool cluster);
// The same with a 200 ms command timeout, for tests of what happens at the timeout.
redis::ClientOptions short_timeout_options(const std::vector<uint16_t>& ports, bool cluster);
RedisStoreOptions quiet_store_options();  // kClosed, no listener, probe every 50 ms

class StoreUnderTest {
 public:
  static std::unique_ptr<StoreUnderTest> memory();
  static std::unique_ptr<StoreUnderTest> redis(redis::ClientOptions client,
                                               RedisStoreOptions options);
  static std::unique_ptr<StoreUnderTest> of(Backend backend);  // on the shared servers
  ~StoreUnderTest();  // the store goes first: it refers to the client

  Store& store() { return *store_; }
  RedisStore* redis_store() { return redis_store_; }
  redis::RedisClient* client() { return client_.get(); }  // the store's own; null for memory

 private:
  StoreUnderTest() = default;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<Store> store_;
  RedisStore* redis_store_ = nullptr;
};

// Blocking calls; a call that does not complete within 5 s fails the test and returns {}.
RateDecision check_rate_sync(Store& store, const std::string& key, const rules::RateLimit& limit,
                             rules::StoreFailureMode mode = rules::StoreFailureMode::kClosed,
                             int64_t now_ns = wall_now_ns());
QuotaUsage add_usage_sync(Store& store, const std::string& key, const QuotaWindow& window,
                          double amount, int64_t now_ns = wall_now_ns());
DedupDecision dedup_sync(Store& store, const std::string& key, int64_t window_ns,
                         int64_t now_ns = wall_now_ns());

std::string rate_key(const std::string& tenant, const std::string& rule);
rules::RateLimit limit_of(uint64_t count, int64_t period_ns, uint64_t burst);

}  // namespace panguard::agent::testing
