// The counter store's behaviour, the same tests against MemoryStore, RedisStore on one
// redis-server and RedisStore on a 3-master Redis Cluster: limit accuracy over time, isolation
// between tenants (hostile ids, a flooding neighbour), quota windows, dedup. Redis-only: agents
// with skewed clocks share one budget, and every key the scripts write has a TTL.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "agent/store/store_key.h"
#include "tests/integration/store/store_harness.h"

namespace panguard::agent::testing {
namespace {

using namespace std::chrono_literals;
using rules::StoreFailureMode;

class StoreBehaviourTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    flush(GetParam());
    under_test_ = StoreUnderTest::of(GetParam());
  }
  Store& store() { return under_test_->store(); }

  std::unique_ptr<StoreUnderTest> under_test_;
};

// allowed == burst + rate * elapsed, within one request, over ~2 s of continuous requests.
// "elapsed" is the time between the first and the last request as the store saw it; the client
// only knows it lies between (last sent - first answered) and (last answered - first sent), so
// the bounds are those, each widened by one request. Requests this dense keep the bucket empty;
// a pause longer than the burst's worth (100 ms) fills it, and the rest of the pause refills
// nothing, so the lower bound leaves out what such pauses may have lost.
TEST_P(StoreBehaviourTest, LimitIsAccurateOverTime) {
  const auto limit = limit_of(100, kSecond, 10);
  constexpr int64_t kBurstRefill = 100 * kMs;  // burst / rate
  // Connects and loads the script first: the first request must not wait for either.
  check_rate_sync(store(), rate_key("acme", "warm-up"), limit);
  // A stall (a busy machine) widens the bounds past usefulness, and a badly loaded CI machine
  // has been seen to miss the lower bound by a few requests once: a measurement that is
  // imprecise or out of bounds is taken again, up to 3 times. A limiter that is wrong is wrong
  // every time.
  constexpr int kAttempts = 3;
  std::string attempts;
  bool passed = false;
  for (int attempt = 0; attempt < kAttempts && !passed; ++attempt) {
    const std::string key = rate_key("acme", "accuracy-" + std::to_string(attempt));
    uint64_t allowed = 0;
    int64_t first_sent = 0, first_done = 0, last_sent = 0, last_done = 0, paused = 0;
    while (first_sent == 0 || last_sent - first_sent < 2 * kSecond) {
      const int64_t previous_sent = last_sent;
      last_sent = steady_ns();
      if (check_rate_sync(store(), key, limit).allowed) ++allowed;
      last_done = steady_ns();
      if (first_sent == 0) {
        std::tie(first_sent, first_done) = std::pair(last_sent, last_done);
      } else {
        // The store decided the two requests at most this far apart.
        paused += std::max<int64_t>(0, last_done - previous_sent - kBurstRefill);
      }
      std::this_thread::sleep_for(200us);  // ~thousands of requests, far above the limit
    }
    const double shortest = static_cast<double>(last_sent - first_done) / kSecond;
    const double longest = static_cast<double>(last_done - first_sent) / kSecond;
    const double lost = static_cast<double>(paused) / kSecond;
    const double at_least = 10 + 100 * (shortest - lost) - 1;
    const double at_most = 10 + 100 * longest + 1;
    const double imprecision = longest - shortest + lost;
    const auto count = static_cast<double>(allowed);
    passed = count >= at_least && count <= at_most && imprecision < 0.1;
    attempts += "\n  attempt " + std::to_string(attempt) + ": allowed " + std::to_string(allowed) +
                ", expected [" + std::to_string(at_least) + ", " + std::to_string(at_most) +
                "], imprecision " + std::to_string(imprecision) + " s (must be < 0.1)";
  }
  EXPECT_TRUE(passed) << "no measurement was in bounds and precise:" << attempts;
  if (passed && attempts.find("attempt 1") != std::string::npos) {
    std::cout << "[ NOTE     ] measured again:" << attempts << "\n";
  }
}

// One per 10 s, burst 2: after two calls the next slot is 10 s after the first, less the time
// the three calls took (Redis reads its own clock), so anything under 5 s of stalls passes.
TEST_P(StoreBehaviourTest, RefusalSaysWhenToRetry) {
  const auto limit = limit_of(1, 10 * kSecond, 2);
  const std::string key = rate_key("acme", "retry");
  const int64_t now = wall_now_ns();
  EXPECT_EQ(check_rate_sync(store(), key, limit, StoreFailureMode::kClosed, now).remaining, 1u);
  EXPECT_EQ(check_rate_sync(store(), key, limit, StoreFailureMode::kClosed, now).remaining, 0u);
  const RateDecision refused = check_rate_sync(store(), key, limit, StoreFailureMode::kClosed, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.source, DecisionSource::kStore);
  EXPECT_GT(refused.retry_after_ns, 5 * kSecond);
  EXPECT_LE(refused.retry_after_ns, 10 * kSecond);
}

// Tenant ids built to break a naive key format: each must get its own budget.
TEST_P(StoreBehaviourTest, HostileTenantIdsNeverShareABudget) {
  const std::vector<std::string> tenants = {"a",
                                            "{a}",
                                            "a}",
                                            "{",
                                            "}",
                                            ":",
                                            "*",
                                            " ",
                                            "\n",
                                            "a:rule:x",
                                            "a b",
                                            "a\nb",
                                            "a*",
                                            "%7B",
                                            "%none",
                                            "%empty",
                                            "#",
                                            "",
                                            "a}:rule:accuracy{b",
                                            std::string(1024, 'x'),
                                            std::string(1023, 'x') + "y",
                                            std::string(1024, '{'),
                                            std::string("a\0b", 3),
                                            std::string("a\0c", 3)};
  const auto limit = limit_of(1, 60 * kSecond, 1);
  std::set<std::string> keys;
  for (const auto& tenant : tenants) keys.insert(rate_key(tenant, "r"));
  ASSERT_EQ(keys.size(), tenants.size()) << "two tenants map to one key";
  for (const auto& key : keys) {
    EXPECT_TRUE(check_rate_sync(store(), key, limit).allowed) << "budget already spent";
  }
  for (const auto& key : keys) EXPECT_FALSE(check_rate_sync(store(), key, limit).allowed);
}

// Tenant B's decisions with A flooding from several threads equal B's decisions alone. B's
// limit refills once a minute, so its count does not depend on timing: exactly its burst.
TEST_P(StoreBehaviourTest, FloodingTenantLeavesAnotherTenantsDecisionsUnchanged) {
  const auto b_limit = limit_of(1, 60 * kSecond, 20);
  auto count_b = [&](const std::string& key) {
    int allowed = 0;
    for (int i = 0; i < 40; ++i) {
      if (check_rate_sync(store(), key, b_limit).allowed) ++allowed;
      std::this_thread::sleep_for(1ms);
    }
    return allowed;
  };
  const int alone = count_b(rate_key("tenant-b", "alone"));
  EXPECT_EQ(alone, 20);

  const auto a_limit = limit_of(50, kSecond, 10);
  const std::string a_key = rate_key("tenant-a", "flood");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> a_calls{0}, a_allowed{0}, a_done{0};
  std::vector<std::thread> flooders;
  const int64_t flood_start = steady_ns();
  for (int t = 0; t < 3; ++t) {
    flooders.emplace_back([&] {
      while (!stop.load()) {
        // Full speed, up to 64 unanswered calls per thread.
        if (a_calls.load() - a_done.load() >= 192) {
          std::this_thread::yield();
          continue;
        }
        a_calls.fetch_add(1);
        store().check_rate(a_key, a_limit, StoreFailureMode::kClosed, wall_now_ns(),
                           [&](RateDecision d) {
                             if (d.allowed) a_allowed.fetch_add(1);
                             a_done.fetch_add(1);
                           });
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  const int with_flood = count_b(rate_key("tenant-b", "flooded"));
  stop = true;
  for (auto& thread : flooders) thread.join();
  for (int i = 0; i < 500 && a_done.load() < a_calls.load(); ++i) std::this_thread::sleep_for(10ms);
  // Until the last answer: a call still unanswered at the join is decided later still.
  const double flood_s = static_cast<double>(steady_ns() - flood_start) / kSecond;

  EXPECT_EQ(with_flood, alone);
  EXPECT_EQ(a_done.load(), a_calls.load());
  EXPECT_GT(a_calls.load(), 500u) << "the flood was not a flood";
  EXPECT_LE(static_cast<double>(a_allowed.load()), 10 + 50 * flood_s + 1);
}

// Windows of 1 s, limit 10, sustained after 3 consecutive windows over (~8 s in all).
TEST_P(StoreBehaviourTest, QuotaWindowsDetectSustainedUsage) {
  const int64_t window = kSecond;
  const QuotaWindow quota{window, 10, 3};
  const std::string key = make_store_key(StoreKeyKind::kQuota, nullptr, "gpu", {"ns"});
  // Acts 100 ms into the next window (Redis TIME and wall_now_ns read the same host clock), so
  // a window's calls may stall 900 ms before they land in the next one.
  auto next_window = [&] {
    const int64_t now = wall_now_ns();
    const int64_t target = (now / window + 1) * window + 100 * kMs;
    std::this_thread::sleep_for(std::chrono::nanoseconds(target - now));
  };
  auto add = [&](double amount) { return add_usage_sync(store(), key, quota, amount); };

  next_window();
  QuotaUsage usage = add(6);
  EXPECT_DOUBLE_EQ(usage.window_total, 6);
  EXPECT_EQ(usage.windows_over, 0u);
  usage = add(6.5);
  EXPECT_DOUBLE_EQ(usage.window_total, 12.5);
  EXPECT_EQ(usage.windows_over, 1u);
  EXPECT_FALSE(usage.sustained);
  EXPECT_EQ(usage.source, DecisionSource::kStore);

  next_window();
  EXPECT_EQ(add(11).windows_over, 2u);
  next_window();
  usage = add(11);
  EXPECT_EQ(usage.windows_over, 3u);
  EXPECT_TRUE(usage.sustained);
  next_window();
  usage = add(4);  // under the limit so far: the run is not extended, not yet broken
  EXPECT_EQ(usage.windows_over, 0u);
  EXPECT_FALSE(usage.sustained);
  next_window();
  EXPECT_EQ(add(11).windows_over, 1u) << "a window under the limit breaks the run";
  next_window();
  EXPECT_EQ(add(11).windows_over, 2u);
  next_window();
  next_window();  // a whole window without usage breaks the run
  usage = add(11);
  EXPECT_EQ(usage.windows_over, 1u);
  EXPECT_DOUBLE_EQ(usage.window_total, 11);
}

// A 1 s window: the calls meant to land inside it may stall for most of it.
TEST_P(StoreBehaviourTest, DedupReportsTheFirstCountsTheRestAndCarriesTheCount) {
  const int64_t window = kSecond;
  const std::string tenant = "acme";
  const std::string key = make_store_key(StoreKeyKind::kDedup, &tenant, "r", {"v"});
  DedupDecision first = dedup_sync(store(), key, window);
  EXPECT_TRUE(first.report);
  EXPECT_EQ(first.occurrences, 1u);
  EXPECT_EQ(first.suppressed_previous, 0u);
  EXPECT_EQ(first.source, DecisionSource::kStore);
  for (uint64_t n = 2; n <= 4; ++n) {
    const DedupDecision next = dedup_sync(store(), key, window);
    EXPECT_FALSE(next.report);
    EXPECT_EQ(next.occurrences, n);
  }
  const std::string other = make_store_key(StoreKeyKind::kDedup, &tenant, "r", {"w"});
  EXPECT_TRUE(dedup_sync(store(), other, window).report) << "another key value is its own";

  std::this_thread::sleep_for(std::chrono::nanoseconds(window + 50 * kMs));
  const DedupDecision carried = dedup_sync(store(), key, window);
  EXPECT_TRUE(carried.report);
  EXPECT_EQ(carried.occurrences, 1u);
  EXPECT_EQ(carried.suppressed_previous, 3u);
  EXPECT_FALSE(dedup_sync(store(), key, window).report);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreBehaviourTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis, Backend::kCluster),
                         [](const auto& param) { return backend_name(param.param); });

class SharedStoreTest : public StoreBehaviourTest {};

// Two agents whose clocks are 30 s apart: Redis TIME decides, so they spend one budget.
TEST_P(SharedStoreTest, AgentsWithClocks30sApartShareOneBudget) {
  auto other_agent = StoreUnderTest::of(GetParam());
  const auto limit = limit_of(5, 60 * kSecond, 5);
  const std::string key = rate_key("acme", "shared");
  int allowed = 0;
  for (int i = 0; i < 20; ++i) {
    const int64_t now = wall_now_ns();
    if (check_rate_sync(store(), key, limit, StoreFailureMode::kClosed, now).allowed) ++allowed;
    if (check_rate_sync(other_agent->store(), key, limit, StoreFailureMode::kClosed,
                        now + 30 * kSecond)
            .allowed) {
      ++allowed;
    }
  }
  EXPECT_EQ(allowed, 5);
}

// Different tenants' keys spread over the cluster's masters and stay consistent per tenant.
TEST_P(SharedStoreTest, ManyTenantsEachKeepTheirOwnBudget) {
  const auto limit = limit_of(1, 60 * kSecond, 3);
  for (int round = 0; round < 4; ++round) {
    for (int t = 0; t < 50; ++t) {
      const auto decision =
          check_rate_sync(store(), rate_key("tenant-" + std::to_string(t), "r"), limit);
      ASSERT_EQ(decision.allowed, round < 3) << "tenant " << t << " round " << round;
      ASSERT_EQ(decision.source, DecisionSource::kStore);
    }
  }
  if (GetParam() == Backend::kCluster) {
    int nodes_with_keys = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      if (std::stoi(shared_cluster().node(i).cli({"DBSIZE"})) > 0) ++nodes_with_keys;
    }
    EXPECT_EQ(nodes_with_keys, 3) << "50 tenants should reach every master";
  }
}

INSTANTIATE_TEST_SUITE_P(Redis, SharedStoreTest,
                         ::testing::Values(Backend::kRedis, Backend::kCluster),
                         [](const auto& param) { return backend_name(param.param); });

// Every key a script writes expires: nothing outlives its meaning.
TEST(RedisStoreKeysTest, EveryKeyWrittenHasATtl) {
  flush(Backend::kRedis);
  auto under_test = StoreUnderTest::of(Backend::kRedis);
  Store& store = under_test->store();
  const std::string tenant = "acme";
  const std::string rate = rate_key(tenant, "r");
  const std::string quota = make_store_key(StoreKeyKind::kQuota, &tenant, "q", {});
  const std::string dedup = make_store_key(StoreKeyKind::kDedup, &tenant, "d", {});
  // Periods of 10 s: each TTL is checked to within its period, and the redis-cli runs below
  // (a process each) may take up to that long on a busy machine before a key expires.
  check_rate_sync(store, rate, limit_of(1, 10 * kSecond, 5));  // TAT 10 s ahead
  add_usage_sync(store, quota, QuotaWindow{10 * kSecond, 1, 3}, 1);
  dedup_sync(store, dedup, 10 * kSecond);
  dedup_sync(store, dedup, 10 * kSecond);

  RedisServer& server = shared_redis();
  EXPECT_EQ(server.cli({"DBSIZE"}), "4");
  const auto pttl = [&](const std::string& key) { return std::stoll(server.cli({"PTTL", key})); };
  EXPECT_GT(pttl(rate), 0);
  EXPECT_LE(pttl(rate), 10'000);
  EXPECT_GT(pttl(quota), 10'000);
  EXPECT_LE(pttl(quota), 20'000);
  EXPECT_GT(pttl(dedup), 0);
  EXPECT_LE(pttl(dedup), 10'000);
  EXPECT_GT(pttl(dedup + ":%suppressed"), 86'400'000);
  EXPECT_LE(pttl(dedup + ":%suppressed"), 86'410'000);
}

}  // namespace
}  // namespace panguard::agent::testing
