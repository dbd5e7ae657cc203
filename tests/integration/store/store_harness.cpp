#include "tests/integration/store/store_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <future>

#include "agent/store/memory_store.h"
#include "agent/store/store_key.h"

namespace panguard::agent::testing {
namespace {

template <class T, class Call>
T wait_for(Call call) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  call([promise](T value) { promise->set_value(value); });
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "store call did not complete within 5 s";
    return T{};
  }
  return future.get();
}

}  // namespace

std::string backend_name(Backend backend) {
  switch (backend) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kRedis:
      return "Redis";
    case Backend::kCluster:
      return "Cluster";
  }
  return "?";
}

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RedisServer& shared_redis() {
  static std::unique_ptr<RedisServer> server = RedisServer::start();
  return *server;
}

RedisCluster& shared_cluster() {
  static std::unique_ptr<RedisCluster> cluster = RedisCluster::start();
  return *cluster;
}

void flush(Backend backend) {
  if (backend == Backend::kRedis) shared_redis().cli({"FLUSHALL"});
  if (backend == Backend::kCluster) {
    for (std::size_t i = 0; i < shared_cluster().ports().size(); ++i) {
      shared_cluster().node(i).cli({"FLUSHALL"});
    }
  }
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

redis::ClientOptions client_options(const std::vector<uint16_t>& ports, bool cluster) {
  redis::ClientOptions options;
  for (const uint16_t port : ports) options.seeds.emplace_back("127.0.0.1", port);
  options.cluster = cluster;
  // Long enough that a stalled CI machine (another test, preemption) does not turn a decision
  // into the failure mode; tests of the timeout itself set a short one (short_timeout_options).
  options.command_timeout = std::chrono::milliseconds(2000);
  options.backoff_min = std::chrono::milliseconds(20);
  options.backoff_max = std::chrono::milliseconds(200);
  return options;
}

redis::ClientOptions short_timeout_options(const std::vector<uint16_t>& ports, bool cluster) {
  redis::ClientOptions options = client_options(ports, cluster);
  options.command_timeout = std::chrono::milliseconds(200);
  return options;
}

RedisStoreOptions quiet_store_options() {
  RedisStoreOptions options;
  options.failure_mode = rules::StoreFailureMode::kClosed;
  options.probe_interval = std::chrono::milliseconds(50);
  return options;
}

std::unique_ptr<StoreUnderTest> StoreUnderTest::memory() {
  std::unique_ptr<StoreUnderTest> under_test(new StoreUnderTest);
  under_test->store_ = std::make_unique<MemoryStore>();
  return under_test;
}

std::unique_ptr<StoreUnderTest> StoreUnderTest::redis(redis::ClientOptions client,
                                                      RedisStoreOptions options) {
  // As the daemon does (agent/main.cpp): hiredis writes with write(2), so a connection reset by
  // the server (CLIENT KILL, SIGKILL) would otherwise kill the test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<StoreUnderTest> under_test(new StoreUnderTest);
  under_test->client_ = std::make_unique<redis::RedisClient>(std::move(client));
  under_test->client_->start();
  auto store = std::make_unique<RedisStore>(*under_test->client_, std::move(options));
  under_test->redis_store_ = store.get();
  under_test->store_ = std::move(store);
  return under_test;
}

std::unique_ptr<StoreUnderTest> StoreUnderTest::of(Backend backend) {
  switch (backend) {
    case Backend::kMemory:
      return memory();
    case Backend::kRedis: {
      // One server: batches may span tenants (slots), as the daemon does against one server.
      RedisStoreOptions options = quiet_store_options();
      options.batch_across_slots = true;
      return redis(client_options({shared_redis().port()}, false), options);
    }
    case Backend::kCluster:
      return redis(client_options(shared_cluster().ports(), true), quiet_store_options());
  }
  return nullptr;
}

StoreUnderTest::~StoreUnderTest() {
  store_.reset();
  client_.reset();
}

RateDecision check_rate_sync(Store& store, const std::string& key, const rules::RateLimit& limit,
                             rules::StoreFailureMode mode, int64_t now_ns) {
  return wait_for<RateDecision>(
      [&](auto done) { store.check_rate(key, limit, mode, now_ns, done); });
}

QuotaUsage add_usage_sync(Store& store, const std::string& key, const QuotaWindow& window,
                          double amount, int64_t now_ns) {
  return wait_for<QuotaUsage>(
      [&](auto done) { store.add_usage(key, window, amount, now_ns, done); });
}

DedupDecision dedup_sync(Store& store, const std::string& key, int64_t window_ns, int64_t now_ns) {
  return wait_for<DedupDecision>([&](auto done) { store.dedup(key, window_ns, now_ns, done); });
}

std::string rate_key(const std::string& tenant, const std::string& rule) {
  return make_store_key(StoreKeyKind::kRate, &tenant, rule, {});
}

rules::RateLimit limit_of(uint64_t count, int64_t period_ns, uint64_t burst) {
  return rules::RateLimit{{}, count, static_cast<uint64_t>(period_ns), burst};
}

}  // namespace panguard::agent::testing
