// Rate limits through the real proxy: the default pack's token-exchange limit (50/s, burst 100)
// answers 429 with Retry-After once a tenant floods logins, never forwards the refused ones,
// leaves other tenants alone, and reports the flood as one deduplicated alert; with the in-process
// store (verdicts answered inline) and with a real redis-server (every verdict waits on a
// round trip, so each request resumes from the store's answer).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>

#include "process.h"
#include "socket_helpers.h"
#include "store/redis_servers.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

std::string login_request(const std::string& tenant) {
  const std::string body = R"({"role":")" + tenant + R"(-app","jwt":"service-account-token"})";
  return "POST /v1/auth/kubernetes/login HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
         "X-Panguard-Session: " +
         session_token(tenant) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

// `store_lines`: top-level config lines appended to the proxy's config (none: the in-process
// store).
void flood_is_limited(const std::string& store_lines) {
  VaultStandIn stand_in;
  ScratchDir scratch;
  const std::string config =
      proxy_config(scratch, "enforce", "http://127.0.0.1:" + std::to_string(stand_in.port()));
  std::ofstream(config, std::ios::app) << store_lines;
  ProxyDaemon daemon = ProxyDaemon::start(config);
  ASSERT_NE(daemon.port, 0) << daemon.process->stderr_text();
  const uint16_t port = daemon.port;

  // Flood until the limiter has refused kRefusals requests: a fixed count of requests would
  // outrun the 50/s refill on a fast machine but not on a slow one. The cap only bounds a broken
  // limiter that never refuses.
  constexpr int kMaxAttempts = 2000;
  constexpr int kRefusals = 10;
  int forwarded = 0;
  int limited = 0;
  const auto flood_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kMaxAttempts && limited < kRefusals; ++i) {
    const std::string response = raw_exchange(port, login_request("acme"));
    const int status = status_of(response);
    if (status == 200) {
      ++forwarded;
    } else {
      ASSERT_EQ(status, 429) << response;
      EXPECT_NE(response.find("\r\nRetry-After: 1\r\n"), std::string::npos) << response;
      EXPECT_EQ(response.find("service-account-token"), std::string::npos);
      ++limited;
    }
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - flood_start).count();
  // The whole burst goes through; beyond it, only what 50/s refilled while the flood ran (plus a
  // few tokens of slack for the request in flight when the clock was read) and nothing more.
  ASSERT_EQ(limited, kRefusals) << "only " << limited << " refused of " << kMaxAttempts
                                << " logins in " << elapsed_s << " s";
  EXPECT_GE(forwarded, 100);
  EXPECT_LE(forwarded, 100 + static_cast<int>(50.0 * elapsed_s) + 5)
      << "forwarded " << forwarded << " in " << elapsed_s << " s";
  EXPECT_EQ(stand_in.requests().size(), static_cast<std::size_t>(forwarded))
      << "a refused request never reaches Vault";

  // Another tenant's budget is untouched by acme's flood.
  EXPECT_EQ(status_of(raw_exchange(port, login_request("globex"))), 200);

  ASSERT_TRUE(daemon.process->wait_for_stdout("Vault token exchange flood", 5s));
  const auto alerts = alerts_for(daemon.process->stdout_text(), "Vault token exchange flood");
  EXPECT_EQ(alerts.size(), 1u) << "one alert per tenant per dedup window";
  EXPECT_EQ(alerts.at(0).value("tenant_id", ""), "acme");

  EXPECT_EQ(daemon.stop(), 0) << daemon.process->stderr_text();
}

TEST(VaultProxyLimitTest, TokenExchangeFloodIs429WithRetryAfterAndOneAlert) {
  flood_is_limited("");
}

TEST(VaultProxyLimitTest, WithRedisEveryVerdictWaitsOnTheStoreAndTheFloodIsStill429) {
  const auto redis = agent::testing::RedisServer::start();
  flood_is_limited("store:\n  backend: redis\n  redis:\n    addresses: [\"127.0.0.1:" +
                   std::to_string(redis->port()) + "\"]\n");
  // The counters really lived in Redis, keyed by tenant.
  EXPECT_NE(redis->cli({"--scan", "--pattern", "pg:{acme}:*"}), "");
}

}  // namespace
}  // namespace panguard::integration
