// Starts `panguard run` on port 0 and checks it from the outside: metrics without tenants,
// SIGHUP reloads (refused and accepted), and a clean SIGTERM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "daemon_test_support.h"
#include "eventually.h"
#include "http_client.h"
#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"

namespace panguard::integration {
namespace {

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_path_ = dir_.write("rules.yaml", read_file(kData / "pack-v1.yaml"));
    config_path_ = dir_.write("panguard.yaml",
                              "node_name: it-node\n"
                              "rules:\n  paths: [rules.yaml]\n"
                              "admin:\n  listen: 127.0.0.1:0\n  allow_event_ingest: true\n");
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", config_path_});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    port_ = announced_admin_port(daemon_->stderr_text());
    ASSERT_NE(port_, 0) << daemon_->stderr_text();
  }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  }

  HttpResult post_events(const std::string& body) {
    return http_request(port_, "POST", "/v1/events", body);
  }

  ScratchDir dir_;
  std::string rules_path_;
  std::string config_path_;
  std::unique_ptr<ChildProcess> daemon_;
  uint16_t port_ = 0;
};

std::string nats_event(const std::string& tenant, const std::string& subject) {
  nlohmann::json j;
  j["source"] = "nats";
  j["fields"] = {{"tenant.id", tenant}, {"tenant.source", "account"}, {"nats.subject", subject}};
  return j.dump() + "\n";
}

double metric_value(const std::string& metrics, const std::string& series) {
  const std::size_t at = metrics.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 1));
}

TEST_F(DaemonTest, HealthAndReadiness) {
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200);
  const HttpResult ready = http_request(port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("sha256:"), std::string::npos);
}

TEST_F(DaemonTest, MetricsNeverContainTenantIds) {
  // Distinctive ids so that any leak, in a label or a value, is unmistakable.
  const std::vector<std::string> tenants = {"tnt-7f3a9c-acme", "tnt-2b8e41-globex",
                                            "tnt-c09d77-initech"};
  std::string body;
  for (const auto& tenant : tenants) {
    for (const auto& owner : tenants) body += vault_event(tenant, owner);
    for (int i = 0; i < 3; ++i) body += vault_event(tenant, tenant, "login");  // over the rate
    body += nats_event(tenant, "tenants." + tenant + ".orders");
  }
  const HttpResult posted = post_events(body);
  ASSERT_EQ(posted.status, 200) << posted.body;
  const auto summary = nlohmann::json::parse(posted.body);
  EXPECT_EQ(summary["accepted"], 21);
  EXPECT_EQ(summary["alerts"], 6 + 6);  // 6 foreign reads; 2 floods per tenant

  const HttpResult scraped = http_request(port_, "GET", "/metrics");
  ASSERT_EQ(scraped.status, 200);
  const std::string& metrics = scraped.body;
  for (const auto& tenant : tenants) {
    EXPECT_EQ(metrics.find(tenant), std::string::npos) << "tenant id " << tenant << " leaked";
    // Parts of the id too: a label value built from a prefix or suffix is a leak as well.
    EXPECT_EQ(metrics.find(tenant.substr(4, 6)), std::string::npos) << tenant;
  }
  EXPECT_EQ(metric_value(metrics, "panguard_events_total{source=\"vault\"}"), 18);
  EXPECT_EQ(metric_value(metrics, "panguard_events_total{source=\"nats\"}"), 3);
  EXPECT_EQ(metric_value(metrics, "panguard_alerts_total{priority=\"critical\"}"), 6);
  EXPECT_EQ(metric_value(metrics, "panguard_alerts_total{priority=\"warning\"}"), 6);
  EXPECT_EQ(metric_value(metrics,
                         "panguard_rule_matches_total{priority=\"warning\",rule=\"Integration "
                         "login flood\"}"),
            9);
  EXPECT_EQ(metric_value(metrics, "panguard_eval_latency_seconds_count"), 21);

  // The tenants are where they belong: in the alerts.
  ASSERT_TRUE(daemon_->wait_for_stdout("\"tenant_id\":\"tnt-c09d77-initech\"", 5s));
}

TEST_F(DaemonTest, MalformedIngestLinesAreCountedAsDrops) {
  const HttpResult posted = post_events("not json\n" + vault_event("a", "b"));
  EXPECT_EQ(posted.status, 400);
  const std::string metrics = http_request(port_, "GET", "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "panguard_drops_total{stage=\"parse\"}"), 1);
  EXPECT_EQ(metric_value(metrics, "panguard_events_total{source=\"vault\"}"), 1);
}

TEST_F(DaemonTest, OversizedBodyIsRefused) {
  const HttpResult posted = post_events(std::string(5 * 1024 * 1024, ' '));
  EXPECT_EQ(posted.status, 413);
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200);
  const std::string metrics = http_request(port_, "GET", "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "panguard_drops_total{stage=\"ingest\"}"), 1);
}

TEST_F(DaemonTest, ConnectionCapRefusesExtraConnectionsAndCountsThem) {
  std::vector<int> idle;
  for (int i = 0; i < 64; ++i) idle.push_back(connect_loopback(port_));
  // The kernel queues connections in order and the server accepts them in that order, so the
  // 65th is accepted after the 64 idle ones however slowly the server gets to them: closed at once.
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 0);
  for (const int fd : idle) ::close(fd);
  // The server frees the slots once it has read the 64 EOFs; until then a scrape may itself be
  // refused (and counted), so poll.
  HttpResult scraped;
  ASSERT_TRUE(eventually([&] {
    return (scraped = http_request(port_, "GET", "/metrics")).status == 200;
  })) << "the freed slots were never reused";
  EXPECT_GE(metric_value(scraped.body, "panguard_drops_total{stage=\"admin_connection\"}"), 1);
}

TEST_F(DaemonTest, SighupRefusesBrokenPackThenAcceptsGoodOne) {
  // Broken pack: refused with a platform alert; the old pack keeps matching.
  dir_.write("rules.yaml", read_file(kData / "broken-pack.yaml"));
  daemon_->send_signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for_stdout("\"rule\":\"Rule pack refused\"", 10s))
      << daemon_->stderr_text();
  const std::string out = daemon_->stdout_text();
  const std::string platform_line = out.substr(out.find("{\"id\""));
  const auto platform = nlohmann::json::parse(platform_line.substr(0, platform_line.find('\n')));
  EXPECT_EQ(platform["source"], "platform");
  EXPECT_EQ(platform["priority"], "critical");
  EXPECT_TRUE(platform["tenant_id"].is_null());
  EXPECT_NE(platform["output_fields"]["platform.reason"].get<std::string>().find("rules.yaml:"),
            std::string::npos);

  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(port_, "GET", "/readyz").status, 200);
  std::size_t mark = daemon_->stdout_text().size();
  ASSERT_EQ(post_events(vault_event("acme", "globex")).status, 200);
  EXPECT_TRUE(daemon_->wait_for_stdout("\"rule\":\"Integration foreign path\"", 5s, mark));

  // Good pack: swapped in, and its new rule matches.
  mark = daemon_->stdout_text().size();
  ASSERT_EQ(post_events(nats_event("acme", "audit.acme.x")).status, 200);
  dir_.write("rules.yaml", read_file(kData / "pack-v2.yaml"));
  daemon_->send_signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for_stderr("rules: reloaded", 10s)) << daemon_->stderr_text();
  ASSERT_EQ(post_events(nats_event("acme", "audit.acme.x")).status, 200);
  EXPECT_TRUE(daemon_->wait_for_stdout("\"rule\":\"Integration audit publish\"", 5s, mark));
  // Only the event after the reload matched: exactly one such alert.
  const std::string after = daemon_->stdout_text().substr(mark);
  EXPECT_EQ(after.find("Integration audit publish"), after.rfind("Integration audit publish"));

  const std::string metrics = http_request(port_, "GET", "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "panguard_rule_pack_reloads_total{result=\"refused\"}"), 1);
  EXPECT_EQ(metric_value(metrics, "panguard_rule_pack_reloads_total{result=\"accepted\"}"), 1);
}

TEST_F(DaemonTest, SigtermExitsPromptly) {
  const auto start = std::chrono::steady_clock::now();
  daemon_->send_signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(5s), 0) << daemon_->stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(daemon_->wait_for_stderr("stopped", 5s));  // returns once the pipe closes
  daemon_.reset();
}

TEST_F(DaemonTest, SigtermWithAnIdleKeepAliveConnectionStillExitsPromptly) {
  // An idle client must not hold the drain open until its read timeout (10 s).
  const int fd = connect_loopback(port_);
  ASSERT_GE(fd, 0);
  // One answered request: the server has certainly accepted the connection, which now idles in
  // keep-alive (no fixed sleep that a slow machine could outlast).
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  char first_byte = 0;
  ASSERT_EQ(::recv(fd, &first_byte, 1, 0), 1) << "no answer on the keep-alive connection";
  const auto start = std::chrono::steady_clock::now();
  daemon_->send_signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(9s), 0);
  // Well under the 10 s read timeout, with room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ::close(fd);
  daemon_.reset();
}

TEST(DaemonStartupTest, ConfigErrorExitsOneNamingTheKey) {
  ScratchDir dir;
  const std::string config = dir.write("panguard.yaml", "admin:\n  listen: 0.0.0.0:9464\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("panguard.yaml:2:11: admin.listen: must be a loopback address"),
            std::string::npos)
      << result.err;
}

TEST(DaemonStartupTest, BadRulePackExitsOne) {
  ScratchDir dir;
  dir.write("rules.yaml", read_file(kData / "broken-pack.yaml"));
  const std::string config =
      dir.write("panguard.yaml", "rules:\n  paths: [rules.yaml]\nadmin:\n  listen: 127.0.0.1:0\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("startup: load rules: rule pack refused:"), std::string::npos)
      << result.err;
}

TEST(DaemonStartupTest, IngestIsOffByDefault) {
  ScratchDir dir;
  dir.write("rules.yaml", read_file(kData / "pack-v1.yaml"));
  const std::string config =
      dir.write("panguard.yaml", "rules:\n  paths: [rules.yaml]\nadmin:\n  listen: 127.0.0.1:0\n");
  ChildProcess daemon({kPanguard, "run", "--config", config});
  ASSERT_TRUE(daemon.wait_for_stderr(" ready\n", 20s)) << daemon.stderr_text();
  std::smatch match;
  const std::string err = daemon.stderr_text();
  ASSERT_TRUE(std::regex_search(err, match, std::regex("listening on 127\\.0\\.0\\.1:(\\d+)")));
  const auto port = static_cast<uint16_t>(std::stoi(match[1]));
  EXPECT_EQ(http_request(port, "POST", "/v1/events", vault_event("a", "b")).status, 404);
  daemon.send_signal(SIGINT);
  EXPECT_EQ(daemon.wait_exit(10s), 0);
}

}  // namespace
}  // namespace panguard::integration
