#include <gtest/gtest.h>

#include "agent/config/redis_address.h"
#include "config_test_support.h"

namespace panguard::agent {
namespace {

using testing::parse_error;
using testing::parse_ok;

TEST(StoreConfigTest, DefaultsToTheInProcessStoreWithLocalFallback) {
  const auto config = parse_ok("");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->store().backend, StoreBackend::kMemory);
  EXPECT_EQ(config->store().failure_mode, rules::StoreFailureMode::kLocal);
  EXPECT_EQ(config->store().expected_nodes, 1u);
}

TEST(StoreConfigTest, ReadsEveryRedisKey) {
  const auto config = parse_ok(R"(
store:
  backend: redis
  failure_mode: closed
  expected_nodes: 12
  degraded_report_period_ms: 5000
  redis:
    mode: cluster
    addresses: ["10.0.0.1:6379", "[fd00::2]:7000", "redis-0.redis:6380"]
    connect_timeout_ms: 200
    command_timeout_ms: 40
    username: panguard
    password_file: secrets/redis-password
)");
  ASSERT_TRUE(config);
  const StoreSettings& store = config->store();
  EXPECT_EQ(store.backend, StoreBackend::kRedis);
  EXPECT_EQ(store.failure_mode, rules::StoreFailureMode::kClosed);
  EXPECT_EQ(store.expected_nodes, 12u);
  EXPECT_EQ(store.degraded_report_period_ms, 5000);
  EXPECT_TRUE(store.redis_cluster);
  ASSERT_EQ(store.redis_addresses.size(), 3u);
  EXPECT_EQ(store.redis_addresses[1].host, "fd00::2");
  EXPECT_EQ(store.redis_addresses[1].port, 7000);
  EXPECT_EQ(store.redis_addresses[2].host, "redis-0.redis");
  EXPECT_EQ(store.connect_timeout_ms, 200);
  EXPECT_EQ(store.command_timeout_ms, 40);
  EXPECT_EQ(store.redis_username, "panguard");
  EXPECT_EQ(store.redis_password_file, "/etc/panguard/secrets/redis-password");
}

TEST(StoreConfigTest, RedisBackendNeedsAddressesAndRedisKeysNeedTheBackend) {
  EXPECT_NE(parse_error("store:\n  backend: redis\n").find("store.redis.addresses"),
            std::string::npos);
  EXPECT_NE(parse_error("store:\n  redis:\n    addresses: [\"127.0.0.1:6379\"]\n")
                .find("set only with backend: redis"),
            std::string::npos);
  EXPECT_NE(
      parse_error("store:\n  backend: redis\n  redis:\n    addresses: []\n").find("at least one"),
      std::string::npos);
}

TEST(StoreConfigTest, RejectsBadValuesNamingTheirPath) {
  EXPECT_NE(parse_error("store:\n  failure_mode: fail-open\n").find("store.failure_mode"),
            std::string::npos);
  EXPECT_NE(parse_error("store:\n  expected_nodes: 0\n").find("store.expected_nodes"),
            std::string::npos);
  EXPECT_NE(parse_error("store:\n  backend: redis\n  redis:\n    addresses: [\"h:0\"]\n")
                .find("store.redis.addresses[0]"),
            std::string::npos);
  EXPECT_NE(
      parse_error("store:\n  backend: redis\n  redis:\n    password: x\n").find("unknown key"),
      std::string::npos)
      << "the password is only ever read from a file";
}

TEST(RedisAddressTest, ParsesHostPortStrictly) {
  auto parsed = parse_redis_address("127.0.0.1:6379");
  ASSERT_TRUE(std::holds_alternative<RedisAddress>(parsed));
  EXPECT_EQ(std::get<RedisAddress>(parsed).port, 6379);
  for (const char* bad :
       {"", "host", "host:", ":6379", "host:65536", "host:06379", "host:63x", "::1:6379", "[::1]",
        "[::1]6379", "redis://host:6379", "h st:1", "host:6379/0"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_redis_address(bad))) << bad;
  }
}

}  // namespace
}  // namespace panguard::agent
