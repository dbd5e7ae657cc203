// alerts.routes: every key read, every mistake refused with its key path.
#include <gtest/gtest.h>

#include "config_test_support.h"

namespace panguard::agent {
namespace {

using testing::has;
using testing::parse_error;
using testing::parse_ok;

TEST(AlertRoutesConfigTest, NoRoutesByDefault) {
  const auto config = parse_ok("");
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->alert_routes().empty());
}

TEST(AlertRoutesConfigTest, ReadsEveryKey) {
  const auto config = parse_ok(R"(
alerts:
  routes:
    - name: acme-audit
      scope: tenant
      tenant: acme
      min_priority: warning
      sink:
        type: audit_file
        dir: audit
        fsync: always
        fsync_interval_ms: 50
        rotate_bytes: 8192
        checkpoint_interval_s: 60
        node_key_file: keys/node.key
        queue_records: 10
    - name: soc
      scope: all_tenants
      include_platform: true
      sink: {type: stdout, format: falco}
    - name: platform
      scope: platform
      min_priority: critical
      sink:
        type: webhook
        url: https://soc.example:8443/hook
        ca_file: ca.pem
        secret_files: [s1, /run/s2]
        spool_dir: /var/spool/pg
        spool_max_bytes: 1048576
        timeout_ms: 2000
        max_in_flight: 2
        max_batch: 10
        dead_letter_file: dl.jsonl
)");
  ASSERT_TRUE(config);
  const auto& routes = config->alert_routes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].name, "acme-audit");
  EXPECT_EQ(routes[0].scope, alerts::RouteScope::kTenant);
  EXPECT_EQ(routes[0].tenant, "acme");
  EXPECT_EQ(routes[0].min_priority, rules::Priority::kWarning);
  EXPECT_EQ(routes[0].sink.type, SinkType::kAuditFile);
  EXPECT_EQ(routes[0].sink.audit.dir, "/etc/panguard/audit");
  EXPECT_EQ(routes[0].sink.audit.fsync, alerts::FsyncPolicy::kAlways);
  EXPECT_EQ(routes[0].sink.audit.fsync_interval_ms, 50);
  EXPECT_EQ(routes[0].sink.audit.rotate_bytes, 8192u);
  EXPECT_EQ(routes[0].sink.audit.checkpoint_interval_s, 60);
  EXPECT_EQ(routes[0].sink.audit.node_key_file, "/etc/panguard/keys/node.key");
  EXPECT_EQ(routes[0].sink.audit.queue_records, 10u);
  EXPECT_EQ(routes[1].scope, alerts::RouteScope::kAllTenants);
  EXPECT_TRUE(routes[1].include_platform);
  EXPECT_EQ(routes[1].sink.format, alerts::AlertFormat::kFalco);
  EXPECT_EQ(routes[2].scope, alerts::RouteScope::kPlatform);
  EXPECT_EQ(routes[2].min_priority, rules::Priority::kCritical);
  const WebhookSinkSettings& hook = routes[2].sink.webhook;
  EXPECT_EQ(hook.url, "https://soc.example:8443/hook");
  EXPECT_EQ(hook.ca_file, "/etc/panguard/ca.pem");
  EXPECT_EQ(hook.secret_files, (std::vector<std::string>{"/etc/panguard/s1", "/run/s2"}));
  EXPECT_EQ(hook.spool_max_bytes, 1048576u);
  EXPECT_EQ(hook.timeout_ms, 2000);
  EXPECT_EQ(hook.max_in_flight, 2u);
  EXPECT_EQ(hook.max_batch, 10u);
  EXPECT_EQ(hook.dead_letter_file, "/etc/panguard/dl.jsonl");
}

TEST(AlertRoutesConfigTest, AuditCheckpointsNeedAKey) {
  const auto config = parse_ok(
      "alerts:\n  routes:\n    - {name: a, scope: platform, sink: {type: audit_file, "
      "dir: /a}}\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->alert_routes()[0].sink.audit.checkpoint_interval_s, 0);
  EXPECT_TRUE(has(parse_error("alerts:\n  routes:\n    - {name: a, scope: platform, sink: {type: "
                              "audit_file, dir: /a, checkpoint_interval_s: 5}}\n"),
                  "alerts.routes[0].sink.checkpoint_interval_s: checkpoints are signed"));
}

TEST(AlertRoutesConfigTest, MistakesNameTheirKeyPath) {
  const std::string pre = "alerts:\n  routes:\n    - ";
  const std::pair<std::string, std::string> cases[] = {
      {"{scope: platform, sink: {type: stdout}}", "alerts.routes[0].name: required"},
      {"{name: a, sink: {type: stdout}}", "alerts.routes[0].scope: required"},
      {"{name: a, scope: platform}", "alerts.routes[0].sink: required"},
      {"{name: a, scope: tenant, sink: {type: stdout}}", "alerts.routes[0].tenant: required"},
      {"{name: a, scope: platform, tenant: x, sink: {type: stdout}}",
       "alerts.routes[0].tenant: set only with scope: tenant"},
      {"{name: a, scope: tenant, tenant: x, include_platform: true, sink: {type: stdout}}",
       "alerts.routes[0].include_platform: set only with scope: all_tenants"},
      {"{name: a, scope: everyone, sink: {type: stdout}}", "alerts.routes[0].scope: expected one"},
      {"{name: a, scope: platform, min_priority: loud, sink: {type: stdout}}",
       "alerts.routes[0].min_priority: expected a priority"},
      {"{name: a, scope: platform, colour: red, sink: {type: stdout}}",
       "alerts.routes[0].colour: unknown key"},
      {"{name: a, scope: platform, sink: {type: pigeon}}", "alerts.routes[0].sink.type: expected"},
      {"{name: a, scope: platform, sink: {format: falco}}", "alerts.routes[0].sink.type: required"},
      {"{name: a, scope: platform, sink: {type: stdout, dir: /x}}",
       "alerts.routes[0].sink.dir: unknown key"},
      {"{name: a, scope: platform, sink: {type: audit_file}}",
       "alerts.routes[0].sink.dir: required"},
      {"{name: a, scope: platform, sink: {type: audit_file, dir: /a, fsync: sometimes}}",
       "alerts.routes[0].sink.fsync: expected one of: always | interval | never"},
      {"{name: a, scope: platform, sink: {type: audit_file, dir: /a, rotate_bytes: 10}}",
       "alerts.routes[0].sink.rotate_bytes: expected a whole number"},
      {"{name: a, scope: platform, sink: {type: webhook, url: http://x/}}",
       "alerts.routes[0].sink.secret_files: required"},
      {"{name: a, scope: platform, include_platform: yes, sink: {type: stdout}}",
       "alerts.routes[0].include_platform: expected true or false"},
  };
  for (const auto& [route, expected] : cases) {
    const std::string error = parse_error(pre + route + "\n");
    EXPECT_TRUE(has(error, expected)) << route << "\n  got: " << error;
  }
  EXPECT_TRUE(has(parse_error("alerts:\n  routes: {name: a}\n"),
                  "alerts.routes: expected a list of routes"));
}

TEST(AlertRoutesConfigTest, RefusesDuplicatesNamesKeysAndDirectories) {
  EXPECT_TRUE(has(parse_error("alerts:\n  routes:\n    - {name: a, scope: platform, sink: {type: "
                              "stdout}}\n    - {name: a, scope: platform, sink: {type: stdout}}\n"),
                  "alerts.routes[1].name: duplicate route name (also alerts.routes[0])"));
  EXPECT_TRUE(has(parse_error("alerts:\n  routes:\n    - {name: a, name: b, scope: platform, "
                              "sink: {type: stdout}}\n"),
                  "duplicate key"));
  EXPECT_TRUE(has(parse_error("alerts:\n  routes:\n    - {name: a, scope: platform, sink: {type: "
                              "audit_file, dir: /x}}\n    - {name: b, scope: all_tenants, sink: "
                              "{type: audit_file, dir: /x/}}\n"),
                  "alerts.routes[1].sink: directory /x is already used"));
}

}  // namespace
}  // namespace panguard::agent
