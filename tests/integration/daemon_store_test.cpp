// `panguard run` with store.backend: redis against a real redis-server: two agents share one
// budget, and a Redis outage raises "Counter store degraded", fails /readyz, and recovers.
#include <gtest/gtest.h>

#include <csignal>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"
#include "store/redis_servers.h"

namespace panguard::integration {
namespace {

using agent::testing::RedisServer;

std::string login_event(const std::string& tenant) {
  nlohmann::json j;
  j["source"] = "vault";
  j["fields"] = {{"tenant.id", tenant}, {"tenant.source", "jwt"}, {"vault.operation", "login"}};
  return j.dump() + "\n";
}

class RedisAgent {
 public:
  RedisAgent(ScratchDir& dir, const std::string& name, uint16_t redis_port,
             const std::string& failure_mode) {
    const std::string rules = dir.write(name + "-rules.yaml", read_file(kData / "pack-v1.yaml"));
    const std::string config = dir.write(
        name + ".yaml", "node_name: " + name + "\nrules:\n  paths: [" + rules +
                            "]\nadmin:\n  listen: 127.0.0.1:0\n  allow_event_ingest: true\n"
                            "store:\n  backend: redis\n  failure_mode: " +
                            failure_mode +
                            "\n  degraded_report_period_ms: 200\n  redis:\n"
                            "    addresses: [\"127.0.0.1:" +
                            std::to_string(redis_port) + "\"]\n    command_timeout_ms: 200\n");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", config});
    if (!process_->wait_for_stderr(" ready\n", 20s)) {
      ADD_FAILURE() << process_->stderr_text();
      return;
    }
    std::smatch match;
    const std::string err = process_->stderr_text();
    if (std::regex_search(err, match, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)"))) {
      admin_port_ = static_cast<uint16_t>(std::stoi(match[1]));
    }
  }
  ~RedisAgent() {
    process_->send_signal(SIGTERM);
    EXPECT_EQ(process_->wait_exit(10s), 0) << process_->stderr_text();
  }

  // The number of alerts the ingest produced.
  int post(const std::string& events) {
    const HttpResult result = http_request(admin_port_, "POST", "/v1/events", events);
    EXPECT_EQ(result.status, 200) << result.body;
    return nlohmann::json::parse(result.body).value("alerts", -1);
  }
  HttpResult get(const std::string& path) { return http_request(admin_port_, "GET", path); }
  int status(const std::string& path) { return get(path).status; }
  ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  uint16_t admin_port_ = 0;
};

TEST(DaemonStoreTest, TwoAgentsShareOneBudgetPerTenant) {
  auto redis = RedisServer::start();
  ScratchDir dir;
  RedisAgent first(dir, "node-a", redis->port(), "closed");
  RedisAgent second(dir, "node-b", redis->port(), "closed");
  // 1/m with burst 1: acme's first login anywhere is free, its second anywhere fires.
  EXPECT_EQ(first.post(login_event("acme")), 0);
  EXPECT_EQ(second.post(login_event("acme")), 1);
  EXPECT_EQ(first.post(login_event("acme")), 1);
  // globex's budget is its own.
  EXPECT_EQ(second.post(login_event("globex")), 0);
  EXPECT_EQ(first.status("/readyz"), 200);
  // The ingest answers with the count; the alert lines reach stdout after, through the router.
  ASSERT_TRUE(second.process().wait_for_stdout("Integration login flood", 10s))
      << second.process().stderr_text();
  EXPECT_EQ(alerts_for(second.process().stdout_text(), "Integration login flood").size(), 1u);
}

TEST(DaemonStoreTest, OutageIsReportedOnceFailsReadinessAndRecovers) {
  auto redis = RedisServer::start();
  ScratchDir dir;
  RedisAgent agent(dir, "node-a", redis->port(), "local");
  EXPECT_EQ(agent.post(login_event("acme")), 0);
  redis->kill();
  // `local`: the per-node bucket keeps limiting while Redis is gone (burst 1 was not spent
  // locally, so the first login passes and the second fires).
  EXPECT_EQ(agent.post(login_event("acme") + login_event("acme")), 1);
  for (int i = 0; i < 20; ++i) agent.post(login_event("globex"));
  ASSERT_TRUE(agent.process().wait_for_stdout("Counter store degraded", 5s))
      << agent.process().stderr_text();
  EXPECT_EQ(agent.status("/readyz"), 503);
  EXPECT_NE(agent.get("/metrics").body.find("panguard_store_degraded 1"), std::string::npos);
  EXPECT_EQ(alerts_for(agent.process().stdout_text(), "Counter store degraded").size(), 1u)
      << "one report per episode, however many calls fail";

  redis->restart();
  ASSERT_TRUE(agent.process().wait_for_stdout("Counter store recovered", 10s))
      << agent.process().stderr_text();
  EXPECT_EQ(agent.status("/readyz"), 200);
  EXPECT_NE(agent.get("/metrics").body.find("panguard_store_degraded 0"), std::string::npos);
  // Decisions come from Redis again: the restarted (empty) server gives acme a fresh budget.
  EXPECT_EQ(agent.post(login_event("acme")), 0);
}

}  // namespace
}  // namespace panguard::integration
