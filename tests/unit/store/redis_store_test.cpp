// RedisStore's logic over a scripted fake Redis: what it sends, how it reads replies, and what
// each failure mode answers when Redis fails or answers nonsense; degraded/recovered reports.
#include "agent/store/redis/redis_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <thread>

#include "agent/store/redis/store_replies.h"
#include "agent/store/redis/store_scripts.h"

namespace panguard::agent {
namespace {

using redis::Failure;
using redis::FailureKind;
using redis::Reply;
using rules::StoreFailureMode;

constexpr int64_t kSecond = 1'000'000'000;

Reply integer(int64_t value) { return Reply{Reply::Type::kInteger, value, {}, {}}; }
Reply text(std::string value) { return Reply{Reply::Type::kString, 0, std::move(value), {}}; }
Reply status(std::string value) { return Reply{Reply::Type::kStatus, 0, std::move(value), {}}; }
Reply error(std::string value) { return Reply{Reply::Type::kError, 0, std::move(value), {}}; }
Reply array(std::vector<Reply> elements) {
  return Reply{Reply::Type::kArray, 0, {}, std::move(elements)};
}
Reply ints(std::initializer_list<int64_t> values) {
  std::vector<Reply> elements;
  for (const int64_t value : values) elements.push_back(integer(value));
  return array(std::move(elements));
}

// Records every call; each is answered by `answer` inline when set, else held for complete().
class FakeRedis : public redis::Executor {
 public:
  struct Call {
    std::string script_sha1;  // empty for execute()
    std::vector<std::string> argv;
    std::vector<std::string> keys;
    std::vector<std::string> args;
    redis::ResultHandler done;
  };

  void execute(std::vector<std::string> argv, std::string /*routing_key*/,
               redis::ResultHandler done) override {
    record(Call{{}, std::move(argv), {}, {}, std::move(done)});
  }
  void eval(const redis::LuaScript& script, std::vector<std::string> keys,
            std::vector<std::string> args, redis::ResultHandler done) override {
    record(Call{script.sha1(), {}, std::move(keys), std::move(args), std::move(done)});
  }
  bool connected() const override { return true; }

  void answer_with(std::optional<redis::Result> result) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(result);
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::deque<redis::ResultHandler> take_pending() {
    std::lock_guard lock(mutex_);
    return std::exchange(pending_, {});
  }
  bool wait_for_ping(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        for (const auto& call : calls_) {
          if (call.argv == std::vector<std::string>{"PING"}) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

 private:
  void record(Call call) {
    std::optional<redis::Result> answer;
    redis::ResultHandler done = call.done;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
      calls_.back().done = nullptr;
      answer = answer_;
      if (!answer) pending_.push_back(done);
    }
    if (answer) done(*answer);
  }

  std::mutex mutex_;
  std::optional<redis::Result> answer_;
  std::vector<Call> calls_;
  std::deque<redis::ResultHandler> pending_;
};

struct Clock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1000);
  StoreHealth::Clock function() const {
    return [now = now] { return now->load(); };
  }
  void advance(int64_t ns) const { now->fetch_add(ns); }
};

rules::RateLimit per_second(uint64_t rate, uint64_t burst) {
  return rules::RateLimit{{}, rate, static_cast<uint64_t>(kSecond), burst};
}

class RedisStoreTest : public ::testing::Test {
 protected:
  RedisStoreOptions options(StoreFailureMode mode = StoreFailureMode::kClosed) {
    RedisStoreOptions opts;
    opts.failure_mode = mode;
    opts.probe_interval = std::chrono::nanoseconds(0);  // probe tests turn it on
    opts.steady_clock = clock.function();
    opts.on_health = [this](const StoreHealthEvent& event) {
      std::lock_guard lock(events_mutex);
      events.push_back(event);
    };
    return opts;
  }
  std::vector<StoreHealthEvent> health_events() {
    std::lock_guard lock(events_mutex);
    return events;
  }

  RateDecision rate(RedisStore& store, const rules::RateLimit& limit, StoreFailureMode mode,
                    int64_t now_ns = 0, std::string key = "pg:{t}:rule:r") {
    std::optional<RateDecision> decision;
    store.check_rate(std::move(key), limit, mode, now_ns,
                     [&decision](RateDecision d) { decision = d; });
    EXPECT_TRUE(decision.has_value()) << "fake answers inline";
    return decision.value_or(RateDecision{});
  }

  FakeRedis redis;
  Clock clock;
  std::mutex events_mutex;
  std::vector<StoreHealthEvent> events;
};

// --- what is sent and how replies are read ---------------------------------------------------

TEST_F(RedisStoreTest, CheckRateSendsTheGcraScriptWithIntervalInMicrosecondsAndBurst) {
  // A lone check goes out at once as a batch of one (rate_batcher.h).
  RedisStore store(redis, options());
  redis.answer_with(ints({1, 99, 0}));
  const RateDecision decision = rate(store, per_second(50, 100), StoreFailureMode::kClosed);
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.remaining, 99u);
  EXPECT_EQ(decision.source, DecisionSource::kStore);

  const auto calls = redis.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].script_sha1, redis::gcra_script().sha1());
  EXPECT_EQ(calls[0].keys, (std::vector<std::string>{"pg:{t}:rule:r"}));
  EXPECT_EQ(calls[0].args, (std::vector<std::string>{"20000", "100"}));
}

TEST_F(RedisStoreTest, RefusalCarriesRetryAfterInNanoseconds) {
  RedisStore store(redis, options());
  redis.answer_with(ints({0, 0, 12'345}));
  const RateDecision decision = rate(store, per_second(50, 100), StoreFailureMode::kOpen);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after_ns, 12'345'000);
  EXPECT_EQ(decision.source, DecisionSource::kStore);
  EXPECT_TRUE(store.healthy());
}

TEST_F(RedisStoreTest, ExtremeLimitsAreClampedSoLuaArithmeticStaysExact) {
  RedisStore store(redis, options());
  redis.answer_with(ints({1, 0, 0}));
  rate(store, rules::RateLimit{{}, 2'000'000'000, static_cast<uint64_t>(kSecond), 5},
       StoreFailureMode::kClosed);  // above 1,000,000/s: interval floors at 1 µs
  rate(store, rules::RateLimit{{}, 1, 3600ull * kSecond, uint64_t{1} << 62},
       StoreFailureMode::kClosed);  // 1/h with an absurd burst: T * burst <= 2^50 µs
  rate(store, rules::RateLimit{{}, 0, 0, 0}, StoreFailureMode::kClosed);  // zeros: 1 µs, 1
  const auto calls = redis.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].args, (std::vector<std::string>{"1", "5"}));
  EXPECT_EQ(calls[1].args[0], "3600000000");
  EXPECT_EQ(std::stoull(calls[1].args[1]), (uint64_t{1} << 50) / 3'600'000'000ull);
  EXPECT_EQ(calls[2].args, (std::vector<std::string>{"1", "1"}));
}

TEST_F(RedisStoreTest, AddUsageSendsWindowAmountAndLimitAndComputesSustained) {
  RedisStore store(redis, options());
  redis.answer_with(array({text("12.5"), integer(3)}));
  std::optional<QuotaUsage> usage;
  store.add_usage("pg:{t}:quota:q", QuotaWindow{200'000'000, 10.25, 3}, 2.5, 0,
                  [&usage](QuotaUsage u) { usage = u; });
  ASSERT_TRUE(usage);
  EXPECT_DOUBLE_EQ(usage->window_total, 12.5);
  EXPECT_EQ(usage->windows_over, 3u);
  EXPECT_TRUE(usage->sustained);
  EXPECT_EQ(usage->source, DecisionSource::kStore);
  const auto calls = redis.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].script_sha1, redis::quota_script().sha1());
  EXPECT_EQ(calls[0].args, (std::vector<std::string>{"200", "2.5", "10.25"}));

  store.add_usage("pg:{t}:quota:q", QuotaWindow{200'000'000, 10, 4}, 1, 0,
                  [&usage](QuotaUsage u) { usage = u; });
  EXPECT_FALSE(usage->sustained) << "3 windows over is not 4";
}

TEST_F(RedisStoreTest, InvalidAmountsAreNeverSentAndReadAsZero) {
  RedisStore store(redis, options());
  redis.answer_with(array({text("0"), integer(0)}));
  for (const double bad : {std::nan(""), -1.0, std::numeric_limits<double>::infinity()}) {
    store.add_usage("pg:{t}:quota:q", QuotaWindow{}, bad, 0, [](QuotaUsage) {});
  }
  for (const auto& call : redis.calls()) EXPECT_EQ(call.args[1], "0");
  EXPECT_EQ(store.counters().invalid_amounts.load(), 3u);
}

TEST_F(RedisStoreTest, DedupUsesASecondKeyInTheSameHashTagThatNoEscapedKeyCanEqual) {
  RedisStore store(redis, options());
  redis.answer_with(ints({1, 1, 7}));
  std::optional<DedupDecision> decision;
  store.dedup("pg:{t}:dedup:r:x", 2 * kSecond, 0, [&decision](DedupDecision d) { decision = d; });
  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->report);
  EXPECT_EQ(decision->suppressed_previous, 7u);
  const auto calls = redis.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].script_sha1, redis::dedup_script().sha1());
  EXPECT_EQ(calls[0].keys,
            (std::vector<std::string>{"pg:{t}:dedup:r:x", "pg:{t}:dedup:r:x:%suppressed"}));
  EXPECT_EQ(calls[0].args, (std::vector<std::string>{"2000", std::to_string(2000 + 86'400'000)}));
}

// --- failure modes -----------------------------------------------------------------------------

TEST_F(RedisStoreTest, ClosedDeniesForOneSecondWhenRedisFails) {
  RedisStore store(redis, options());
  redis.answer_with(Failure{FailureKind::kTimeout, "t"});
  const RateDecision decision = rate(store, per_second(50, 100), StoreFailureMode::kClosed);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after_ns, kSecond);
  EXPECT_EQ(decision.source, DecisionSource::kFailureMode);
  EXPECT_EQ(store.counters().rate_closed.load(), 1u);
  EXPECT_EQ(store.counters().timeouts.load(), 1u);
}

TEST_F(RedisStoreTest, OpenAllowsWhenRedisFails) {
  RedisStore store(redis, options());
  redis.answer_with(Failure{FailureKind::kDisconnected, "d"});
  const RateDecision decision = rate(store, per_second(1, 1), StoreFailureMode::kOpen);
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.source, DecisionSource::kFailureMode);
  EXPECT_EQ(store.counters().rate_open.load(), 1u);
  EXPECT_EQ(store.counters().disconnected.load(), 1u);
}

TEST_F(RedisStoreTest, DefaultModeIsTheConfiguredOne) {
  RedisStore store(redis, options(StoreFailureMode::kOpen));
  redis.answer_with(Failure{FailureKind::kDisconnected, "d"});
  EXPECT_TRUE(rate(store, per_second(1, 1), StoreFailureMode::kDefault).allowed);
  EXPECT_EQ(store.counters().rate_open.load(), 1u);
}

TEST_F(RedisStoreTest, LocalFallsBackToThePerNodeShareOfTheBudget) {
  auto opts = options();
  opts.expected_nodes = 4;
  RedisStore store(redis, opts);
  redis.answer_with(Failure{FailureKind::kDisconnected, "d"});
  const auto limit = per_second(40, 8);  // per node: 10/s, burst 2
  const int64_t t0 = 100 * kSecond;
  EXPECT_TRUE(rate(store, limit, StoreFailureMode::kLocal, t0).allowed);
  const RateDecision second = rate(store, limit, StoreFailureMode::kLocal, t0);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.source, DecisionSource::kFailureMode);
  const RateDecision third = rate(store, limit, StoreFailureMode::kLocal, t0);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.retry_after_ns, kSecond / 10);
  EXPECT_TRUE(rate(store, limit, StoreFailureMode::kLocal, t0 + kSecond / 10).allowed);
  // Other keys have their own local bucket.
  EXPECT_TRUE(rate(store, limit, StoreFailureMode::kLocal, t0, "pg:{u}:rule:r").allowed);
  EXPECT_EQ(store.counters().rate_local.load(), 5u);
}

TEST(RedisStoreLocalShareTest, DividesTheRateExactlyAndTheBurstWithAFloorOfOne) {
  const auto share = RedisStore::local_share(per_second(5, 10), 3);
  EXPECT_EQ(share.rate_count, 5u);
  EXPECT_EQ(share.period_ns, 3u * kSecond);  // 5 per 3 s = 5/3 per second
  EXPECT_EQ(share.burst, 3u);
  EXPECT_EQ(RedisStore::local_share(per_second(5, 1), 3).burst, 1u);
  EXPECT_EQ(RedisStore::local_share(per_second(5, 10), 0).period_ns, 1u * kSecond);
  EXPECT_EQ(RedisStore::local_share(rules::RateLimit{{}, 1, ~0ull, 1}, 2).period_ns, ~0ull);
}

TEST_F(RedisStoreTest, UsageFallsBackToPerNodeCountingWhenRedisFails) {
  RedisStore store(redis, options());
  redis.answer_with(Failure{FailureKind::kTimeout, "t"});
  const QuotaWindow window{kSecond, 10, 1};
  std::optional<QuotaUsage> usage;
  store.add_usage("pg:{t}:quota:q", window, 6, 5 * kSecond, [&](QuotaUsage u) { usage = u; });
  store.add_usage("pg:{t}:quota:q", window, 6, 5 * kSecond, [&](QuotaUsage u) { usage = u; });
  ASSERT_TRUE(usage);
  EXPECT_DOUBLE_EQ(usage->window_total, 12);
  EXPECT_EQ(usage->windows_over, 1u);
  EXPECT_TRUE(usage->sustained);
  EXPECT_EQ(usage->source, DecisionSource::kFailureMode);
  EXPECT_EQ(store.counters().usage_local.load(), 2u);
}

TEST_F(RedisStoreTest, DedupReportsEveryOccurrenceWhenRedisFails) {
  RedisStore store(redis, options());
  redis.answer_with(Failure{FailureKind::kOverloaded, "o"});
  for (int i = 0; i < 3; ++i) {
    std::optional<DedupDecision> decision;
    store.dedup("pg:{t}:dedup:r", kSecond, 0, [&](DedupDecision d) { decision = d; });
    ASSERT_TRUE(decision);
    EXPECT_TRUE(decision->report);
    EXPECT_EQ(decision->source, DecisionSource::kFailureMode);
  }
  EXPECT_EQ(store.counters().dedup_reported.load(), 3u);
  EXPECT_EQ(store.counters().overloaded.load(), 3u);
}

TEST_F(RedisStoreTest, WrongShapeRepliesAreFailuresNotDecisions) {
  RedisStore store(redis, options());
  const std::vector<Reply> wrong = {
      error("ERR something"),
      Reply{},  // nil
      status("OK"),
      ints({1, 2}),                                // too short
      ints({1, 2, 0, 4}),                          // too long
      ints({2, 0, 0}),                             // allowed not 0/1
      ints({1, -1, 0}),                            // negative remaining
      ints({0, 5, 10}),                            // refusal with remaining budget
      array({text("1"), integer(0), integer(0)}),  // string where an integer belongs
  };
  for (const Reply& reply : wrong) {
    redis.answer_with(reply);
    const RateDecision decision = rate(store, per_second(10, 10), StoreFailureMode::kOpen);
    EXPECT_EQ(decision.source, DecisionSource::kFailureMode);
    EXPECT_TRUE(decision.allowed);
  }
  EXPECT_EQ(store.counters().bad_replies.load(), wrong.size());
  EXPECT_FALSE(store.healthy());
}

TEST(StoreRepliesTest, QuotaAndDedupRepliesAreValidated) {
  using redis::parse_dedup_reply;
  using redis::parse_quota_reply;
  EXPECT_TRUE(parse_quota_reply(array({text("1.5"), integer(0)}), 3));
  EXPECT_FALSE(parse_quota_reply(array({text("nan"), integer(0)}), 3));
  EXPECT_FALSE(parse_quota_reply(array({text("-1"), integer(0)}), 3));
  EXPECT_FALSE(parse_quota_reply(array({text("1.5x"), integer(0)}), 3));
  EXPECT_FALSE(parse_quota_reply(array({integer(1), integer(0)}), 3));
  EXPECT_FALSE(parse_quota_reply(array({text("1"), integer(-2)}), 3));
  EXPECT_TRUE(parse_dedup_reply(ints({0, 2, 0})));
  EXPECT_FALSE(parse_dedup_reply(ints({1, 2, 0})));  // a report is the first occurrence
  EXPECT_FALSE(parse_dedup_reply(ints({0, 1, 0})));  // the first occurrence is reported
  EXPECT_FALSE(parse_dedup_reply(ints({0, 2, 3})));  // only a report carries a count
  EXPECT_FALSE(parse_dedup_reply(ints({1, 0, 0})));
}

// --- degraded / recovered ---------------------------------------------------------------------

TEST_F(RedisStoreTest, DegradedIsReportedOncePerPeriodWithTheFailedCount) {
  auto opts = options();
  opts.degraded_report_period = std::chrono::seconds(60);
  RedisStore store(redis, opts);
  redis.answer_with(Failure{FailureKind::kDisconnected, "d"});
  for (int i = 0; i < 5; ++i) rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  auto seen = health_events();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].degraded);
  EXPECT_EQ(seen[0].failed_calls_since_last, 1u);
  EXPECT_EQ(seen[0].reason, "no redis connection");
  EXPECT_FALSE(store.healthy());

  clock.advance(59 * kSecond);
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  EXPECT_EQ(health_events().size(), 1u);
  clock.advance(1 * kSecond);
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  seen = health_events();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1].degraded);
  EXPECT_EQ(seen[1].failed_calls_since_last, 6u);  // 4 + 1 quiet ones and this one

  redis.answer_with(ints({1, 0, 0}));
  const RateDecision decision = rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  EXPECT_EQ(decision.source, DecisionSource::kStore);
  EXPECT_TRUE(store.healthy());
  seen = health_events();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_FALSE(seen[2].degraded);
  EXPECT_EQ(seen[2].failed_calls_since_last, 0u);
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  EXPECT_EQ(health_events().size(), 3u) << "recovery is reported once";
}

TEST_F(RedisStoreTest, FlappingStoreRaisesAtMostOneDegradedReportPerPeriod) {
  RedisStore store(redis, options());
  for (int i = 0; i < 50; ++i) {
    redis.answer_with(Failure{FailureKind::kTimeout, "t"});
    rate(store, per_second(1, 1), StoreFailureMode::kClosed);
    redis.answer_with(ints({1, 0, 0}));
    rate(store, per_second(1, 1), StoreFailureMode::kClosed);
    clock.advance(kSecond);
  }
  // One episode reported (degraded + recovered), the 49 later blips kept quiet and counted.
  auto seen = health_events();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].degraded);
  EXPECT_FALSE(seen[1].degraded);
  EXPECT_TRUE(store.healthy());

  clock.advance(60 * kSecond);
  redis.answer_with(Failure{FailureKind::kTimeout, "t"});
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  seen = health_events();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[2].degraded);
  EXPECT_EQ(seen[2].failed_calls_since_last, 50u) << "the quiet blips are not lost";
  EXPECT_EQ(store.health().degraded_reports(), 2u);
  EXPECT_EQ(store.health().recovered_reports(), 1u);
}

TEST_F(RedisStoreTest, AQuietDegradationThatLastsIsReportedWhenThePeriodAllows) {
  auto opts = options();
  opts.probe_interval = std::chrono::milliseconds(2);  // the probe thread also ticks the health
  RedisStore store(redis, opts);
  redis.answer_with(Failure{FailureKind::kTimeout, "t"});
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);  // reported
  redis.answer_with(ints({1, 0, 0}));
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);  // recovered
  redis.answer_with(Failure{FailureKind::kTimeout, "t"});
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);  // quiet: within the period
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  ASSERT_EQ(health_events().size(), 2u);

  // No more traffic (PINGs fail too); the probe thread's tick reports it once the period is over.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(health_events().size(), 2u);
  clock.advance(60 * kSecond);
  for (int i = 0; i < 500 && health_events().size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto seen = health_events();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[2].degraded);
  EXPECT_EQ(seen[2].failed_calls_since_last, 2u);
  EXPECT_EQ(seen[2].reason, "redis call timed out");
}

TEST_F(RedisStoreTest, WrongShapeQuotaAndDedupRepliesFallBack) {
  RedisStore store(redis, options());
  redis.answer_with(ints({1, 1, 0}));  // a rate reply where a quota reply belongs
  std::optional<QuotaUsage> usage;
  store.add_usage("pg:{t}:quota:q", QuotaWindow{kSecond, 10, 1}, 3, kSecond,
                  [&](QuotaUsage u) { usage = u; });
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->source, DecisionSource::kFailureMode);
  EXPECT_DOUBLE_EQ(usage->window_total, 3);

  redis.answer_with(array({text("1"), integer(0)}));  // a quota reply where dedup belongs
  std::optional<DedupDecision> decision;
  store.dedup("pg:{t}:dedup:d", kSecond, 0, [&](DedupDecision d) { decision = d; });
  ASSERT_TRUE(decision);
  EXPECT_TRUE(decision->report);
  EXPECT_EQ(decision->source, DecisionSource::kFailureMode);
  EXPECT_EQ(store.counters().bad_replies.load(), 2u);
  EXPECT_EQ(store.counters().usage_local.load(), 1u);
  EXPECT_EQ(store.counters().dedup_reported.load(), 1u);
}

TEST_F(RedisStoreTest, WithoutTrafficAPingDetectsRecovery) {
  auto opts = options();
  opts.probe_interval = std::chrono::milliseconds(5);
  RedisStore store(redis, opts);
  redis.answer_with(Failure{FailureKind::kDisconnected, "d"});
  rate(store, per_second(1, 1), StoreFailureMode::kClosed);
  EXPECT_FALSE(store.healthy());
  ASSERT_TRUE(redis.wait_for_ping(std::chrono::seconds(2)));
  EXPECT_FALSE(store.healthy()) << "a failed PING proves nothing";

  redis.answer_with(status("PONG"));
  for (int i = 0; i < 400 && !store.healthy(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(store.healthy());
  const auto seen = health_events();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].degraded);
  EXPECT_GE(store.counters().probes.load(), 2u);
}

TEST_F(RedisStoreTest, NoProbeWhileHealthy) {
  auto opts = options();
  opts.probe_interval = std::chrono::milliseconds(1);
  {
    RedisStore store(redis, opts);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(store.counters().probes.load(), 0u);
  }
  EXPECT_TRUE(redis.calls().empty());
}

// --- completion contract ------------------------------------------------------------------------

TEST_F(RedisStoreTest, EveryCallCompletesExactlyOnceEvenAfterTheStoreIsGone) {
  int completions = 0;
  {
    RedisStore store(redis, options(StoreFailureMode::kLocal));
    for (int i = 0; i < 3; ++i) {
      store.check_rate("pg:{t}:rule:r", per_second(1, 1), StoreFailureMode::kLocal, 0,
                       [&](RateDecision) { ++completions; });
    }
    store.add_usage("pg:{t}:quota:q", QuotaWindow{}, 1, 0, [&](QuotaUsage) { ++completions; });
    store.dedup("pg:{t}:dedup:d", kSecond, 0, [&](DedupDecision) { ++completions; });
    EXPECT_EQ(completions, 0);
    EXPECT_EQ(store.counters().calls.load(), 5u);
  }
  auto pending = redis.take_pending();
  ASSERT_EQ(pending.size(), 5u);
  pending[0](ints({1, 0, 0}));
  pending[1](Failure{FailureKind::kStopped, "s"});  // local fallback after destruction
  pending[2](Failure{FailureKind::kTimeout, "t"});
  pending[3](Failure{FailureKind::kStopped, "s"});
  pending[4](Failure{FailureKind::kStopped, "s"});
  EXPECT_EQ(completions, 5);
}

}  // namespace
}  // namespace panguard::agent
