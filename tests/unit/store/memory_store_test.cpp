#include "agent/store/memory_store.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace panguard::agent {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

rules::RateLimit per_second(uint64_t rate, uint64_t burst) {
  return rules::RateLimit{{}, rate, static_cast<uint64_t>(kSecond), burst};
}

TEST(MemoryStoreTest, AllowsBurstThenRefuses) {
  MemoryStore store;
  const auto limit = per_second(10, 3);  // one every 100 ms, 3 at once
  const int64_t now = 5 * kSecond;
  EXPECT_EQ(store.decide_rate("k", limit, now).remaining, 2u);
  EXPECT_EQ(store.decide_rate("k", limit, now).remaining, 1u);
  EXPECT_EQ(store.decide_rate("k", limit, now).remaining, 0u);
  const RateDecision refused = store.decide_rate("k", limit, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ns, kSecond / 10);
}

TEST(MemoryStoreTest, RefillsAtTheRate) {
  MemoryStore store;
  const auto limit = per_second(10, 1);
  int64_t now = 0;
  EXPECT_TRUE(store.decide_rate("k", limit, now).allowed);
  EXPECT_FALSE(store.decide_rate("k", limit, now + kSecond / 20).allowed);
  now += kSecond / 10;
  EXPECT_TRUE(store.decide_rate("k", limit, now).allowed);
}

TEST(MemoryStoreTest, SustainedRateBelowLimitIsAllowed) {
  MemoryStore store;
  const auto limit = per_second(50, 1);
  for (int64_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store.decide_rate("k", limit, i * (kSecond / 50)).allowed) << i;
  }
}

TEST(MemoryStoreTest, RefusalsDoNotConsume) {
  MemoryStore store;
  const auto limit = per_second(1, 1);
  EXPECT_TRUE(store.decide_rate("k", limit, 0).allowed);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(store.decide_rate("k", limit, 1).allowed);
  EXPECT_TRUE(store.decide_rate("k", limit, kSecond).allowed);
}

TEST(MemoryStoreTest, KeysAreIndependent) {
  MemoryStore store;
  const auto limit = per_second(1, 1);
  EXPECT_TRUE(store.decide_rate("pg:{acme}:rule:0", limit, 0).allowed);
  EXPECT_FALSE(store.decide_rate("pg:{acme}:rule:0", limit, 0).allowed);
  EXPECT_TRUE(store.decide_rate("pg:{globex}:rule:0", limit, 0).allowed);
}

TEST(MemoryStoreTest, ExpiredKeysAreSwept) {
  MemoryStore store;
  const auto limit = per_second(1000, 1);
  for (int i = 0; i < 5000; ++i) store.decide_rate("key-" + std::to_string(i), limit, 0);
  // Long after every TAT has passed, each shard's next sweep removes them (4096 calls per
  // shard; 1024 live keys reach every shard often enough).
  for (int i = 0; i < 400'000; ++i) {
    store.decide_rate("late-" + std::to_string(i % 1024), limit, 100 * kSecond + i * kSecond);
  }
  EXPECT_LE(store.key_count(), 1024u);
}

TEST(MemoryStoreTest, ZeroRateOrBurstIsClampedNotDivided) {
  MemoryStore store;
  EXPECT_TRUE(store.decide_rate("k", rules::RateLimit{{}, 0, 0, 0}, 0).allowed);
}

TEST(MemoryStoreTest, ConcurrentChecksNeverExceedBurst) {
  MemoryStore store;
  const auto limit = per_second(1, 100);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) allowed += store.decide_rate("k", limit, 0).allowed ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(MemoryStoreTest, AsyncCheckCompletesInline) {
  MemoryStore store;
  int calls = 0;
  store.check_rate("k", per_second(1, 1), rules::StoreFailureMode::kClosed, 0,
                   [&](RateDecision d) { calls += d.allowed ? 1 : 100; });
  store.check_rate("k", per_second(1, 1), rules::StoreFailureMode::kClosed, 0,
                   [&](RateDecision d) { calls += d.allowed ? 100 : 1; });
  EXPECT_EQ(calls, 2);
}

TEST(MemoryStoreTest, QuotaSustainedOnlyAfterConsecutiveWindowsOver) {
  MemoryStore store;
  const QuotaWindow window{kSecond, 10.0, 3};
  EXPECT_EQ(store.decide_usage("q", window, 11, 0).windows_over, 1u);
  EXPECT_FALSE(store.decide_usage("q", window, 1, kSecond / 2).sustained);
  EXPECT_EQ(store.decide_usage("q", window, 5, kSecond).windows_over, 0u);  // not over yet
  const QuotaUsage second = store.decide_usage("q", window, 6, kSecond + 1);
  EXPECT_DOUBLE_EQ(second.window_total, 11.0);
  EXPECT_EQ(second.windows_over, 2u);
  const QuotaUsage third = store.decide_usage("q", window, 20, 2 * kSecond);
  EXPECT_EQ(third.windows_over, 3u);
  EXPECT_TRUE(third.sustained);
}

TEST(MemoryStoreTest, QuotaRunBreaksOnAQuietWindowOrAGap) {
  MemoryStore store;
  const QuotaWindow window{kSecond, 10.0, 2};
  store.decide_usage("q", window, 11, 0);
  store.decide_usage("q", window, 1, kSecond);  // quiet window
  EXPECT_EQ(store.decide_usage("q", window, 11, 2 * kSecond).windows_over, 1u);
  EXPECT_EQ(store.decide_usage("q", window, 11, 4 * kSecond).windows_over, 1u);  // gap
  EXPECT_FALSE(store.decide_usage("q", window, -5, 4 * kSecond).window_total < 11);
}

TEST(MemoryStoreTest, DedupReportsFirstCountsTheRestAndCarriesTheCount) {
  MemoryStore store;
  const DedupDecision first = store.decide_dedup("d", kSecond, 0);
  EXPECT_TRUE(first.report);
  EXPECT_EQ(first.suppressed_previous, 0u);
  for (int i = 2; i <= 5; ++i) {
    const DedupDecision later = store.decide_dedup("d", kSecond, i);
    EXPECT_FALSE(later.report);
    EXPECT_EQ(later.occurrences, static_cast<uint64_t>(i));
  }
  const DedupDecision next = store.decide_dedup("d", kSecond, 10 * kSecond);
  EXPECT_TRUE(next.report);
  EXPECT_EQ(next.suppressed_previous, 4u);
  EXPECT_TRUE(store.decide_dedup("other", kSecond, 10 * kSecond).report);
}

}  // namespace
}  // namespace panguard::agent
