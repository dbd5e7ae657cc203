// The real `panguard run` routing tenant alerts (admin event ingest) to NATS JetStream and
// Alertmanager sinks chosen in alerts.routes: each tenant's NATS route has its own nats-server
// -js, so what a server holds is exactly what that route's sink published; a SOC route sends
// every tenant's alerts to a real prometheus-alertmanager. On SIGTERM the final per-tenant
// summaries are published before the sinks drain.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <set>

#include "alertmanager_test_server.h"
#include "daemon_test_support.h"
#include "delivery_test_support.h"
#include "http_client.h"
#include "integration_env.h"
#include "nats_test_server.h"
#include "process.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;

const std::string kAcme = "tnt-acme";
const std::string kGlobex = "tnt-globex";

double metric_value(const std::string& metrics, const std::string& series) {
  const std::size_t at = metrics.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 1));
}

class DaemonDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {kNatsServerBin, kAlertmanagerBin}) {
      if (::access(bin, X_OK) != 0) GTEST_SKIP() << "!!! " << bin << " is missing: NOT RUN";
    }
    std::filesystem::create_directories(scratch_.path() / "am");
    nats_a_ = std::make_unique<NatsTestServer>((scratch_.path() / "js-a").string());
    nats_b_ = std::make_unique<NatsTestServer>((scratch_.path() / "js-b").string());
    alertmanager_ = std::make_unique<AlertmanagerServer>((scratch_.path() / "am").string());
    nats_a_->start();
    nats_b_->start();
    alertmanager_->start();
    scratch_.write("rules.yaml", read_file(kData / "pack-v1.yaml"));
    // Route names are operator-chosen and must not carry tenant ids (docs/alerts.md).
    const std::string config =
        "node_name: it-node\n"
        "rules:\n  paths: [rules.yaml]\n"
        "admin:\n  listen: 127.0.0.1:0\n  allow_event_ingest: true\n"
        "alerts:\n"
        "  summary_period_ms: 3600000\n"
        "  routes:\n"
        "    - name: team-a-bus\n"
        "      scope: tenant\n"
        "      tenant: " +
        kAcme +
        "\n"
        "      sink: {type: nats, servers: [" +
        nats_a_->url() +
        "], ack_timeout_ms: 1000}\n"
        "    - name: team-b-bus\n"
        "      scope: tenant\n"
        "      tenant: " +
        kGlobex +
        "\n"
        "      sink: {type: nats, servers: [" +
        nats_b_->url() +
        "], ack_timeout_ms: 1000}\n"
        "    - name: soc-alertmanager\n"
        "      scope: all_tenants\n"
        "      min_priority: warning\n"
        "      sink: {type: alertmanager, url: '" +
        alertmanager_->url() + "', batch_linger_ms: 0}\n";
    const std::string path = scratch_.write("panguard.yaml", config);
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", path});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    port_ = announced_admin_port(daemon_->stderr_text());
    ASSERT_NE(port_, 0) << daemon_->stderr_text();
  }

  void TearDown() override {
    if (daemon_ && daemon_->wait_exit(0ms) == std::nullopt) daemon_->send_signal(SIGKILL);
  }

  // The alerts in a server's stream, as JSON bodies, checked against their subjects.
  std::vector<nlohmann::json> stream_alerts(const NatsTestServer& server) {
    std::vector<nlohmann::json> out;
    for (const StreamMessage& message : read_stream(server.url(), "PANGUARD_ALERTS")) {
      auto alert = nlohmann::json::parse(message.data);
      const std::string tenant = alert.value("tenant_id", "");
      EXPECT_TRUE(message.subject.starts_with("panguard.alerts." + tenant + "."))
          << message.subject;
      EXPECT_EQ(message.msg_id, alert.value("id", "")) << message.data;
      out.push_back(std::move(alert));
    }
    return out;
  }

  ScratchDir scratch_;
  std::unique_ptr<NatsTestServer> nats_a_;
  std::unique_ptr<NatsTestServer> nats_b_;
  std::unique_ptr<AlertmanagerServer> alertmanager_;
  std::unique_ptr<ChildProcess> daemon_;
  uint16_t port_ = 0;
};

TEST_F(DaemonDeliveryTest, TenantAlertsReachOnlyTheirOwnRoutesAndTheSoc) {
  // acme reads two foreign paths, globex one: 3 critical alerts (2 for acme, 1 for globex).
  const std::string body =
      vault_event(kAcme, kGlobex) + vault_event(kAcme, "tnt-initech") + vault_event(kGlobex, kAcme);
  const HttpResult posted = http_request(port_, "POST", "/v1/events", body);
  ASSERT_EQ(posted.status, 200) << posted.body;
  ASSERT_EQ(nlohmann::json::parse(posted.body)["alerts"], 3);

  // The stream acknowledged them: the route's acknowledged counter says so at /metrics.
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        metrics = http_request(port_, "GET", "/metrics").body;
        return metric_value(metrics, "panguard_sink_acknowledged_total{route=\"team-a-bus\"}") ==
                   2 &&
               metric_value(metrics, "panguard_sink_acknowledged_total{route=\"team-b-bus\"}") ==
                   1 &&
               metric_value(metrics,
                            "panguard_sink_acknowledged_total{route=\"soc-alertmanager\"}") == 3;
      },
      20s))
      << metrics << daemon_->stderr_text();
  EXPECT_EQ(metric_value(metrics, "panguard_alerts_delivered_total{route=\"team-a-bus\"}"), 2);
  EXPECT_EQ(metric_value(metrics, "panguard_alerts_delivered_total{route=\"soc-alertmanager\"}"),
            3);
  EXPECT_EQ(metric_value(metrics, "panguard_sink_queue_depth{route=\"team-b-bus\"}"), 0);
  for (const auto& tenant : {kAcme, kGlobex, std::string("tnt-initech")}) {
    EXPECT_EQ(metrics.find(tenant), std::string::npos) << tenant << " leaked into /metrics";
  }

  auto on_a = stream_alerts(*nats_a_);
  auto on_b = stream_alerts(*nats_b_);
  ASSERT_EQ(on_a.size(), 2u);
  ASSERT_EQ(on_b.size(), 1u);
  for (const auto& alert : on_a) EXPECT_EQ(alert["tenant_id"], kAcme) << alert;
  EXPECT_EQ(on_b[0]["tenant_id"], kGlobex);
  EXPECT_EQ(on_b[0]["rule"], "Integration foreign path");

  // The SOC's Alertmanager has both tenants (alerts with equal labels merge there, so by tenant).
  std::set<std::string> am_tenants;
  for (const auto& [id, alert] : alertmanager_->alerts()) {
    am_tenants.insert(alert["labels"].value("tenant", ""));
  }
  EXPECT_EQ(am_tenants, (std::set<std::string>{kAcme, kGlobex}));

  // SIGTERM: the final summary period is flushed to each tenant's own route, then NATS drains.
  daemon_->send_signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(20s), 0) << daemon_->stderr_text();
  on_a = stream_alerts(*nats_a_);
  on_b = stream_alerts(*nats_b_);
  ASSERT_EQ(on_a.size(), 3u) << daemon_->stderr_text();
  ASSERT_EQ(on_b.size(), 2u) << daemon_->stderr_text();
  const nlohmann::json& summary_a = on_a.back();
  EXPECT_EQ(summary_a["rule"], "Tenant security summary") << summary_a;
  EXPECT_EQ(summary_a["tenant_id"], kAcme);
  EXPECT_EQ(summary_a["priority"], "informational");
  EXPECT_NE(summary_a["output"].get<std::string>().find("2 alert(s) (critical 2)"),
            std::string::npos)
      << summary_a;
  EXPECT_EQ(on_b.back()["rule"], "Tenant security summary");
  EXPECT_EQ(on_b.back()["tenant_id"], kGlobex);
  // Nothing of acme's on globex's server (its alert names acme's path: that is the event).
  for (const auto& alert : on_b) EXPECT_EQ(alert["tenant_id"], kGlobex) << alert;
}

TEST(DaemonDeliveryStartupTest, InlineNatsPasswordIsRefusedNamingTheKey) {
  ScratchDir scratch;
  const std::string path = scratch.write(
      "panguard.yaml",
      "alerts:\n  routes:\n    - {name: bus, scope: platform, sink: {type: nats, servers: "
      "[nats://127.0.0.1:4222], user: pg, password: hunter2}}\n");
  ChildProcess daemon({kPanguard, "run", "--config", path});
  EXPECT_EQ(daemon.wait_exit(10s), 1);
  // The reader thread may lag the exit.
  EXPECT_TRUE(daemon.wait_for_stderr("password_file\n", 5s)) << daemon.stderr_text();
  const std::string err = daemon.stderr_text();
  EXPECT_NE(err.find("alerts.routes[0].sink.password: secrets never sit in the config"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
}

}  // namespace
}  // namespace panguard::integration
