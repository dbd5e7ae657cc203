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
  EXPECT_EQ(store.check_rate("k", limit, now).remaining, 2u);
  EXPECT_EQ(store.check_rate("k", limit, now).remaining, 1u);
  EXPECT_EQ(store.check_rate("k", limit, now).remaining, 0u);
  const RateDecision refused = store.check_rate("k", limit, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ns, kSecond / 10);
}

TEST(MemoryStoreTest, RefillsAtTheRate) {
  MemoryStore store;
  const auto limit = per_second(10, 1);
  int64_t now = 0;
  EXPECT_TRUE(store.check_rate("k", limit, now).allowed);
  EXPECT_FALSE(store.check_rate("k", limit, now + kSecond / 20).allowed);
  now += kSecond / 10;
  EXPECT_TRUE(store.check_rate("k", limit, now).allowed);
}

TEST(MemoryStoreTest, SustainedRateBelowLimitIsAllowed) {
  MemoryStore store;
  const auto limit = per_second(50, 1);
  for (int64_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store.check_rate("k", limit, i * (kSecond / 50)).allowed) << i;
  }
}

TEST(MemoryStoreTest, RefusalsDoNotConsume) {
  MemoryStore store;
  const auto limit = per_second(1, 1);
  EXPECT_TRUE(store.check_rate("k", limit, 0).allowed);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(store.check_rate("k", limit, 1).allowed);
  EXPECT_TRUE(store.check_rate("k", limit, kSecond).allowed);
}

TEST(MemoryStoreTest, KeysAreIndependent) {
  MemoryStore store;
  const auto limit = per_second(1, 1);
  EXPECT_TRUE(store.check_rate("pg:{acme}:rule:0", limit, 0).allowed);
  EXPECT_FALSE(store.check_rate("pg:{acme}:rule:0", limit, 0).allowed);
  EXPECT_TRUE(store.check_rate("pg:{globex}:rule:0", limit, 0).allowed);
}

TEST(MemoryStoreTest, ExpiredKeysAreSwept) {
  MemoryStore store;
  const auto limit = per_second(1000, 1);
  for (int i = 0; i < 5000; ++i) store.check_rate("key-" + std::to_string(i), limit, 0);
  // Long after every TAT has passed, the next sweep removes them.
  for (int i = 0; i < 5000; ++i) store.check_rate("late", limit, 100 * kSecond + i * kSecond);
  EXPECT_LT(store.key_count(), 5000u);
}

TEST(MemoryStoreTest, ZeroRateOrBurstIsClampedNotDivided) {
  MemoryStore store;
  EXPECT_TRUE(store.check_rate("k", rules::RateLimit{{}, 0, 0, 0}, 0).allowed);
}

TEST(MemoryStoreTest, ConcurrentChecksNeverExceedBurst) {
  MemoryStore store;
  const auto limit = per_second(1, 100);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) allowed += store.check_rate("k", limit, 0).allowed ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace panguard::agent
