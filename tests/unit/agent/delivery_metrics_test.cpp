// Delivery figures at /metrics: per-route series from the router and real sinks (not started,
// so nothing leaves the process), and never a tenant id anywhere in the output.
#include "agent/metrics/delivery_metrics.h"

#include <gtest/gtest.h>

#include "agent/metrics/metrics.h"
#include "alerts/alert_id.h"
#include "alerts/tenant_summary.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

using rules::Priority;
using testing::TempDir;

// Distinctive ids so that any leak, whole or in part, is unmistakable.
const std::vector<std::string> kTenants = {"tnt-7f3a9c-acme", "tnt-2b8e41-globex"};

alerts::Alert alert_for(const std::string& tenant, Priority priority = Priority::kCritical) {
  alerts::Alert alert;
  alert.id = alerts::new_alert_id();
  alert.time_ns = 1'700'000'000'000'000'000;
  alert.rule = "Cross-tenant secret read";
  alert.priority = priority;
  alert.tenant_id = tenant;
  alert.source = rules::Source::kVault;
  alert.output = "tenant " + tenant + " read a foreign path";
  alert.output_fields = {{"tenant.id", tenant}};
  alert.node = "node-1";
  return alert;
}

double value_of(const std::string& text, const std::string& series) {
  const std::size_t at = text.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 1));
}

struct Fixture {
  TempDir dir;
  std::shared_ptr<alerts::AuditFileSink> audit;
  std::shared_ptr<alerts::WebhookSink> webhook;
  std::shared_ptr<alerts::NatsSink> nats;
  std::shared_ptr<alerts::AlertmanagerSink> alertmanager;
  std::shared_ptr<alerts::Router> router;
  std::shared_ptr<DeliveryMetrics> delivery = std::make_shared<DeliveryMetrics>();
  Metrics metrics;

  Fixture() {
    alerts::AuditFileOptions audit_options;
    audit_options.dir = (dir.path() / "audit").string();
    audit_options.checkpoint_interval_s = 0;
    audit = std::make_shared<alerts::AuditFileSink>(
        audit_options, std::nullopt, [](const alerts::PlatformAlertSpec&) {}, [] { return 0; });
    alerts::WebhookOptions hook;
    hook.url = "http://127.0.0.1:9/hook";
    hook.secrets = {"test-secret"};
    hook.spool_dir = (dir.path() / "spool").string();
    webhook = std::make_shared<alerts::WebhookSink>(hook);
    alerts::NatsOptions nats_options;
    nats_options.servers = {"nats://127.0.0.1:9"};
    nats_options.queue_size = 2;  // the third alert is dropped: queue_full
    nats = std::make_shared<alerts::NatsSink>(nats_options);
    alerts::AlertmanagerOptions am;
    am.url = "http://127.0.0.1:9";
    alertmanager = std::make_shared<alerts::AlertmanagerSink>(am);
    // Route names are the operator's; these follow the documented rule (no tenant ids).
    router = std::make_shared<alerts::Router>(std::vector<alerts::RouteSpec>{
        {"team-a-files", alerts::RouteScope::kTenant, kTenants[0], Priority::kDebug, false, audit},
        {"team-b-bus", alerts::RouteScope::kTenant, kTenants[1], Priority::kDebug, false, nats},
        {"soc-webhook", alerts::RouteScope::kAllTenants, "", Priority::kDebug, true, webhook},
        {"soc-am", alerts::RouteScope::kAllTenants, "", Priority::kDebug, false, alertmanager}});
    delivery->watch_router(router);
    delivery->watch("team-a-files", audit);
    delivery->watch("soc-webhook", webhook);
    delivery->watch("team-b-bus", nats);
    delivery->watch("soc-am", alertmanager);
    metrics.add_collectable(delivery);
  }
};

TEST(DeliveryMetricsTest, PerRouteSeriesFromRouterAndSinks) {
  Fixture f;
  for (int i = 0; i < 2; ++i) f.router->write(alert_for(kTenants[0]));
  for (int i = 0; i < 3; ++i) f.router->write(alert_for(kTenants[1]));
  f.audit->flush();
  const std::string text = f.metrics.render();

  EXPECT_EQ(value_of(text, "panguard_alerts_delivered_total{route=\"team-a-files\"}"), 2) << text;
  EXPECT_EQ(value_of(text, "panguard_alerts_delivered_total{route=\"team-b-bus\"}"), 2);
  EXPECT_EQ(value_of(text, "panguard_alerts_failed_total{route=\"team-b-bus\"}"), 1);
  EXPECT_EQ(value_of(text, "panguard_alerts_delivered_total{route=\"soc-webhook\"}"), 5);
  EXPECT_EQ(value_of(text, "panguard_alerts_refused_total{route=\"team-a-files\"}"), 0);
  EXPECT_EQ(value_of(text, "panguard_sink_acknowledged_total{route=\"team-a-files\"}"), 2);
  EXPECT_EQ(
      value_of(text, "panguard_sink_dropped_total{route=\"team-b-bus\",reason=\"queue_full\"}"), 1);
  EXPECT_EQ(value_of(text, "panguard_sink_queue_depth{route=\"team-b-bus\"}"), 2);
  EXPECT_EQ(value_of(text, "panguard_sink_queue_depth{route=\"soc-webhook\"}"), 5);
  EXPECT_EQ(value_of(text, "panguard_sink_queue_depth{route=\"soc-am\"}"), 5);
  EXPECT_GT(value_of(text, "panguard_webhook_spool_bytes{route=\"soc-webhook\"}"), 0);
  EXPECT_EQ(value_of(text, "panguard_sink_dead_letters_total{route=\"soc-webhook\"}"), 0);
  EXPECT_EQ(value_of(text, "panguard_sink_retries_total{route=\"soc-am\"}"), 0);
  EXPECT_NE(text.find("# TYPE panguard_sink_queue_depth gauge"), std::string::npos);
  EXPECT_NE(text.find("# TYPE panguard_alerts_delivered_total counter"), std::string::npos);
}

TEST(DeliveryMetricsTest, NoTenantIdAppearsAfterRoutingTenantAlertsAndSummaries) {
  Fixture f;
  int64_t now = 0;
  alerts::TenantSummary summary(f.router, "node-1", [&now] { return now; });
  for (const auto& tenant : kTenants) {
    for (const auto priority : {Priority::kCritical, Priority::kWarning, Priority::kNotice}) {
      summary.write(alert_for(tenant, priority));
    }
  }
  now = 60'000'000'000;
  EXPECT_EQ(summary.flush(), 2u);
  f.audit->flush();
  const std::string text = f.metrics.render();
  EXPECT_GT(value_of(text, "panguard_alerts_delivered_total{route=\"soc-webhook\"}"), 0) << text;
  for (const auto& tenant : kTenants) {
    EXPECT_EQ(text.find(tenant), std::string::npos) << "tenant id " << tenant << " leaked";
    // A part of the id (a label built from a prefix or suffix) is a leak as well.
    EXPECT_EQ(text.find(tenant.substr(4, 6)), std::string::npos) << tenant;
    EXPECT_EQ(text.find(tenant.substr(11)), std::string::npos) << tenant;
  }
}

TEST(DeliveryMetricsTest, DetachedCollectorRendersNoDeliverySeries) {
  Fixture f;
  f.router->write(alert_for(kTenants[0]));
  EXPECT_NE(f.metrics.render().find("panguard_alerts_delivered_total"), std::string::npos);
  f.delivery->detach();
  const std::string text = f.metrics.render();
  EXPECT_EQ(text.find("panguard_alerts_delivered_total"), std::string::npos);
  EXPECT_NE(text.find("panguard_events_total"), std::string::npos);  // the registry's own stay
}

}  // namespace
}  // namespace panguard::agent
