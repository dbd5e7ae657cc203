// RedisStore when Redis goes bad, against a real redis-server of its own: SIGKILL mid-load and
// restart (each failure mode, one degraded report, then recovery), connections reset
// mid-pipeline, and a Redis stalled by DEBUG SLEEP (answered by the failure mode at the client's
// timeout while the caller never blocks).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "tests/integration/store/store_harness.h"

namespace panguard::agent::testing {
namespace {

using namespace std::chrono_literals;
using rules::StoreFailureMode;

struct HealthLog {
  std::mutex mutex;
  std::vector<StoreHealthEvent> events;
  StoreHealthListener listener() {
    return [this](const StoreHealthEvent& event) {
      std::lock_guard lock(mutex);
      events.push_back(event);
    };
  }
  std::vector<StoreHealthEvent> snapshot() {
    std::lock_guard lock(mutex);
    return events;
  }
};

// Decisions of a steady asynchronous load: one call every ~0.5 ms, at most 32 unanswered.
class Load {
 public:
  struct Record {
    int64_t sent_ns;  // steady clock when the call was made
    int64_t now_ns;   // the clock passed to the store (the local fallback's clock)
    int64_t done_ns;  // steady clock at completion
    RateDecision decision;
  };

  Load(Store& store, std::string key, rules::RateLimit limit, StoreFailureMode mode)
      : store_(store), key_(std::move(key)), limit_(limit), mode_(mode) {
    thread_ = std::thread([this] { run(); });
  }
  ~Load() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int i = 0; i < 500 && done_.load() < sent_.load(); ++i) std::this_thread::sleep_for(10ms);
  }
  uint64_t sent() const { return sent_.load(); }
  uint64_t done() const { return done_.load(); }
  std::vector<Record> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  void run() {
    while (!stop_.load()) {
      if (sent_.load() - done_.load() < 32) {
        sent_.fetch_add(1);
        const int64_t sent = steady_ns();
        const int64_t now = wall_now_ns();
        store_.check_rate(key_, limit_, mode_, now, [this, sent, now](RateDecision decision) {
          {
            std::lock_guard lock(mutex_);
            records_.push_back(Record{sent, now, steady_ns(), decision});
          }
          done_.fetch_add(1);
        });
      }
      std::this_thread::sleep_for(500us);
    }
  }

  Store& store_;
  const std::string key_;
  const rules::RateLimit limit_;
  const StoreFailureMode mode_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> done_{0};
  std::mutex mutex_;
  std::vector<Record> records_;
  std::thread thread_;
};

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

class RedisKilledTest : public ::testing::TestWithParam<StoreFailureMode> {};

// Redis is SIGKILLed under load and restarted empty on the same port.
TEST_P(RedisKilledTest, FailureModeAnswersDuringTheOutageThenTheStoreAgain) {
  const StoreFailureMode mode = GetParam();
  auto server = RedisServer::start();
  HealthLog health;
  RedisStoreOptions options = quiet_store_options();
  options.expected_nodes = 4;
  options.on_health = health.listener();
  auto under_test = StoreUnderTest::redis(client_options({server->port()}, false), options);
  RedisStore& store = *under_test->redis_store();
  // Global 200/s, burst 20: the local fallback allows 50/s, burst 5 on this node. The load
  // (~2000/s) exceeds both, so every mode's answer is visible.
  const auto limit = limit_of(200, kSecond, 20);
  Load load(store, rate_key("acme", "killed"), limit, mode);

  // Each phase lasts until it has at least 150 answers (and a minimum time), so a loaded
  // machine stretches the test rather than failing it.
  const auto answers_after = [&](uint64_t base, std::chrono::milliseconds at_least) {
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(at_least);
    EXPECT_TRUE(wait_until([&] { return load.done() >= base + 150; }, 10000ms));
    return std::chrono::steady_clock::now() - start;
  };
  answers_after(0, 300ms);
  const int64_t killed_at = steady_ns();
  server->kill();
  const int64_t kill_done = steady_ns();
  answers_after(load.done(), 700ms);
  const int64_t restart_at = steady_ns();
  server->restart();
  ASSERT_TRUE(wait_until([&] { return store.healthy(); }, 5000ms)) << "no recovery";
  const int64_t healthy_at = steady_ns();
  answers_after(load.done(), 300ms);
  load.stop();

  EXPECT_EQ(load.done(), load.sent()) << "a call was never answered";
  const auto records = load.records();
  uint64_t before = 0, outage = 0, after = 0, outage_allowed = 0;
  std::vector<int64_t> outage_now;  // the clock each outage call passed to the store
  for (const auto& record : records) {
    if (record.done_ns < killed_at) {
      ++before;
      EXPECT_EQ(record.decision.source, DecisionSource::kStore);
    } else if (record.sent_ns > kill_done + 10 * kMs && record.done_ns < restart_at) {
      ++outage;
      ASSERT_EQ(record.decision.source, DecisionSource::kFailureMode);
      if (mode == StoreFailureMode::kClosed) {
        EXPECT_FALSE(record.decision.allowed);
        EXPECT_EQ(record.decision.retry_after_ns, kSecond);
      }
      if (mode == StoreFailureMode::kOpen) {
        EXPECT_TRUE(record.decision.allowed);
      }
      if (record.decision.allowed) ++outage_allowed;
      outage_now.push_back(record.now_ns);
    } else if (record.sent_ns > healthy_at) {
      ++after;
      EXPECT_EQ(record.decision.source, DecisionSource::kStore);
    }
  }
  EXPECT_GT(before, 100u);
  EXPECT_GT(outage, 100u);
  EXPECT_GT(after, 100u);
  if (mode == StoreFailureMode::kLocal && !outage_now.empty()) {
    // The per-node bucket: 5 at once, then 50/s, counted from the first fallback decision
    // (the bucket may already hold decisions made between the kill and `kill_done`).
    std::sort(outage_now.begin(), outage_now.end());
    const double span_s = static_cast<double>(outage_now.back() - outage_now.front()) / kSecond;
    // The load keeps the bucket empty, except where its thread paused (a busy machine): the
    // bucket holds at most 5 (100 ms of refill), so the rest of a longer pause refilled nothing
    // anyone used.
    int64_t unused_ns = 0;
    for (std::size_t i = 1; i < outage_now.size(); ++i) {
      unused_ns += std::max<int64_t>(0, outage_now[i] - outage_now[i - 1] - 100 * kMs);
    }
    const double used_span_s = span_s - static_cast<double>(unused_ns) / kSecond;
    EXPECT_LE(static_cast<double>(outage_allowed), 5 + 50 * span_s + 1);
    EXPECT_GE(static_cast<double>(outage_allowed), 50 * used_span_s - 1)
        << "load paused for " << unused_ns / kMs << " ms beyond what the bucket holds";
  }

  const auto events = health.snapshot();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].degraded);
  EXPECT_FALSE(events[1].degraded);
  EXPECT_EQ(store.health().degraded_reports(), 1u);
  EXPECT_EQ(store.health().recovered_reports(), 1u);
  EXPECT_GT(events[1].failed_calls_since_last, 100u) << "the outage's failures are counted";
  EXPECT_LT(healthy_at - restart_at, 3 * kSecond);
}

INSTANTIATE_TEST_SUITE_P(Modes, RedisKilledTest,
                         ::testing::Values(StoreFailureMode::kClosed, StoreFailureMode::kOpen,
                                           StoreFailureMode::kLocal),
                         [](const auto& param) {
                           switch (param.param) {
                             case StoreFailureMode::kOpen:
                               return std::string("Open");
                             case StoreFailureMode::kLocal:
                               return std::string("Local");
                             default:
                               return std::string("Closed");
                           }
                         });

// Without traffic, the background PING notices the restart.
TEST(RedisRecoveryTest, IdleStoreDetectsRecoveryByItself) {
  auto server = RedisServer::start();
  HealthLog health;
  RedisStoreOptions options = quiet_store_options();
  options.on_health = health.listener();
  auto under_test = StoreUnderTest::redis(client_options({server->port()}, false), options);
  Store& store = under_test->store();
  const auto limit = limit_of(10, kSecond, 10);
  EXPECT_EQ(check_rate_sync(store, rate_key("a", "r"), limit).source, DecisionSource::kStore);
  server->kill();
  EXPECT_EQ(check_rate_sync(store, rate_key("a", "r"), limit).source, DecisionSource::kFailureMode);
  EXPECT_FALSE(store.healthy());
  server->restart();
  EXPECT_TRUE(wait_until([&] { return store.healthy(); }, 5000ms));
  const auto events = health.snapshot();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[1].degraded);
  EXPECT_EQ(check_rate_sync(store, rate_key("a", "r"), limit).source, DecisionSource::kStore);
}

// CLIENT KILL while thousands of calls are in the pipeline: every call is answered exactly once.
// The first reset lands on a pipeline held by BLPOP, so calls are certainly in flight when it
// does; the others land wherever the continuous load happens to be.
TEST(RedisResetTest, ConnectionResetMidPipelineLosesNoCallback) {
  auto server = RedisServer::start();
  auto under_test =
      StoreUnderTest::redis(client_options({server->port()}, false), quiet_store_options());
  Store& store = under_test->store();
  const auto limit = limit_of(1'000'000, kSecond, 1'000'000);
  ASSERT_EQ(check_rate_sync(store, rate_key("a", "r"), limit).source, DecisionSource::kStore);

  std::atomic<uint64_t> done{0}, from_store{0}, by_failure_mode{0}, twice{0};
  uint64_t sent = 0;
  const auto send = [&] {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    store.check_rate(
        rate_key("t" + std::to_string(sent % 16), "r"), limit, StoreFailureMode::kOpen,
        wall_now_ns(), [&, answered](RateDecision d) {
          if (answered->exchange(true)) twice.fetch_add(1);
          (d.source == DecisionSource::kStore ? from_store : by_failure_mode).fetch_add(1);
          done.fetch_add(1);
        });
    ++sent;
  };

  // Held: BLPOP blocks the store's one connection, so nothing sent after it is answered by
  // Redis until the reset (or the 2 s timeout, also the failure mode).
  auto blpop_answered = std::make_shared<std::atomic<bool>>(false);
  under_test->client()->execute({"BLPOP", "never-filled", "0"}, "",
                                [blpop_answered](const redis::Result&) { *blpop_answered = true; });
  for (int i = 0; i < 200; ++i) send();
  ASSERT_TRUE(wait_until(
      [&] {
        return server->cli({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos;
      },
      5000ms));
  server->cli({"CLIENT", "KILL", "TYPE", "normal"});
  EXPECT_TRUE(wait_until([&] { return done.load() == sent; }, 5000ms));
  EXPECT_EQ(by_failure_mode.load(), 200u) << "a held call was answered by Redis";
  EXPECT_TRUE(wait_until([&] { return blpop_answered->load(); }, 5000ms));
  ASSERT_TRUE(wait_until(
      [&] {
        return check_rate_sync(store, rate_key("a", "r"), limit).source == DecisionSource::kStore;
      },
      3000ms));

  // Continuous: resets at arbitrary points of a pipeline kept full.
  std::atomic<bool> killing{true};
  std::thread killer([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(30ms);
      server->cli({"CLIENT", "KILL", "TYPE", "normal"});
    }
    killing = false;
  });
  while (killing.load()) {
    for (int i = 0; i < 200; ++i) send();
    std::this_thread::sleep_for(1ms);
  }
  killer.join();
  EXPECT_TRUE(wait_until([&] { return done.load() == sent; }, 5000ms));
  EXPECT_EQ(done.load(), sent);
  EXPECT_EQ(twice.load(), 0u);
  EXPECT_GT(from_store.load(), 0u);
  EXPECT_GT(by_failure_mode.load(), 0u) << "no call was caught by a reset";
  EXPECT_TRUE(wait_until(
      [&] {
        return check_rate_sync(store, rate_key("a", "r"), limit).source == DecisionSource::kStore;
      },
      3000ms));
}

// DEBUG SLEEP stalls Redis for 1.5 s; the client times calls out at 200 ms.
TEST(RedisSlowTest, SlowRedisIsAnsweredByTheFailureModeAtTheTimeoutWithoutBlockingTheCaller) {
  auto server = RedisServer::start();
  auto under_test =
      StoreUnderTest::redis(short_timeout_options({server->port()}, false), quiet_store_options());
  Store& store = under_test->store();
  const auto limit = limit_of(1000, kSecond, 1000);
  ASSERT_EQ(check_rate_sync(store, rate_key("a", "r"), limit).source, DecisionSource::kStore);

  std::atomic<bool> sleeper_started{false};
  std::thread sleeper([&] {
    sleeper_started = true;
    server->cli({"DEBUG", "SLEEP", "1.5"});
  });
  // Redis is asleep once two canaries in a row get no answer from it for 100 ms each (a canary
  // answered by the failure mode, at its timeout, was not answered by Redis either). One slow
  // answer on a busy machine is not enough to fool it; redis-cli takes a while to start. The
  // sleep is long enough that the calls below still time out inside it when this takes longer.
  ASSERT_TRUE(wait_until([&] { return sleeper_started.load(); }, 5000ms));
  const auto canary_unanswered = [&] {
    auto from_redis = std::make_shared<std::atomic<bool>>(false);
    store.check_rate(rate_key("canary", "r"), limit, StoreFailureMode::kClosed, wall_now_ns(),
                     [from_redis](RateDecision d) {
                       if (d.source == DecisionSource::kStore) *from_redis = true;
                     });
    return !wait_until([&] { return from_redis->load(); }, 100ms);
  };
  ASSERT_TRUE(wait_until([&] { return canary_unanswered() && canary_unanswered(); }, 10000ms))
      << "DEBUG SLEEP never took effect";

  struct Outcome {
    std::atomic<int64_t> done_ns{0};
    std::atomic<bool> failure_mode{false};
  };
  constexpr int kCalls = 40;
  std::vector<Outcome> outcomes(kCalls);
  std::vector<int64_t> sent_ns(kCalls);
  int64_t slowest_call = 0;
  for (int i = 0; i < kCalls; ++i) {
    sent_ns[i] = steady_ns();
    store.check_rate(rate_key("tenant-" + std::to_string(i % 8), "r"), limit,
                     StoreFailureMode::kClosed, wall_now_ns(), [&outcomes, i](RateDecision d) {
                       outcomes[i].failure_mode = d.source == DecisionSource::kFailureMode;
                       outcomes[i].done_ns = steady_ns();
                     });
    slowest_call = std::max(slowest_call, steady_ns() - sent_ns[i]);
  }
  // A call that waited for Redis would take the 200 ms timeout; this leaves room for preemption.
  EXPECT_LT(slowest_call, 100 * kMs) << "check_rate blocked its caller";
  EXPECT_TRUE(wait_until(
      [&] {
        return std::all_of(outcomes.begin(), outcomes.end(),
                           [](const Outcome& o) { return o.done_ns.load() != 0; });
      },
      2000ms));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(outcomes[i].failure_mode.load()) << i;
    const int64_t latency = outcomes[i].done_ns.load() - sent_ns[i];
    EXPECT_GE(latency, 150 * kMs) << i;  // answered by the timeout, not by a reply
    // Timeout (200 ms) + slack for a busy machine; Redis itself would answer ~1 s later.
    EXPECT_LE(latency, 600 * kMs) << i;
  }
  sleeper.join();
  EXPECT_TRUE(wait_until(
      [&] {
        return check_rate_sync(store, rate_key("a", "r"), limit).source == DecisionSource::kStore;
      },
      3000ms));
  EXPECT_TRUE(store.healthy());
}

}  // namespace
}  // namespace panguard::agent::testing
