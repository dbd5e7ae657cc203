#include <gtest/gtest.h>

#include <set>

#include "agent/store/redis/redis_connection.h"

namespace panguard::agent::redis {
namespace {

using std::chrono::milliseconds;

TEST(RedisBackoffTest, DoublesFromMinWithJitterAndCapsAtMax) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    for (unsigned attempt = 0; attempt < 12; ++attempt) {
      const int64_t step = std::min<int64_t>(50LL << attempt, 2000);
      const auto delay = backoff_delay(attempt, milliseconds(50), milliseconds(2000), rng);
      EXPECT_GE(delay.count(), step / 2) << "attempt " << attempt;
      EXPECT_LE(delay.count(), step) << "attempt " << attempt;
    }
  }
  EXPECT_LE(backoff_delay(1000, milliseconds(50), milliseconds(2000), rng).count(), 2000);
}

TEST(RedisBackoffTest, JitterSpreadsClients) {
  std::mt19937_64 rng(7);
  std::set<int64_t> delays;
  for (int i = 0; i < 50; ++i) {
    delays.insert(backoff_delay(5, milliseconds(50), milliseconds(2000), rng).count());
  }
  EXPECT_GT(delays.size(), 10u);
}

TEST(RedisBackoffTest, ZeroMinMeansNoDelay) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(backoff_delay(3, milliseconds(0), milliseconds(2000), rng).count(), 0);
}

}  // namespace
}  // namespace panguard::agent::redis
