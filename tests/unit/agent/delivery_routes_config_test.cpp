// alerts.routes sinks of type nats and alertmanager, and alerts.summary_period_ms: every key
// read, every mistake refused with its key path, secrets only as files.
#include <gtest/gtest.h>

#include "config_test_support.h"

namespace panguard::agent {
namespace {

using testing::has;
using testing::parse_error;
using testing::parse_ok;

TEST(DeliveryRoutesConfigTest, ReadsEveryNatsKey) {
  const auto config = parse_ok(R"(
alerts:
  routes:
    - name: acme-nats
      scope: tenant
      tenant: acme
      sink:
        type: nats
        servers: [tls://nats-a:4222, tls://nats-b:4222]
        user: panguard
        password_file: secrets/nats-password
        ca_file: /etc/ssl/nats-ca.pem
        stream: ALERTS_1
        create_stream: false
        duplicate_window_ms: 60000
        queue_size: 100
        max_in_flight: 10
        ack_timeout_ms: 2000
        reconnect_buffer_bytes: 65536
        reconnect_wait_ms: 500
        backoff_min_ms: 50
        backoff_max_ms: 1000
        format: falco
)");
  ASSERT_TRUE(config);
  ASSERT_EQ(config->alert_routes().size(), 1u);
  const SinkSettings& sink = config->alert_routes()[0].sink;
  EXPECT_EQ(sink.type, SinkType::kNats);
  EXPECT_EQ(sink.format, alerts::AlertFormat::kFalco);
  const NatsSinkSettings& nats = sink.nats;
  EXPECT_EQ(nats.servers, (std::vector<std::string>{"tls://nats-a:4222", "tls://nats-b:4222"}));
  EXPECT_EQ(nats.user, "panguard");
  EXPECT_EQ(nats.password_file, "/etc/panguard/secrets/nats-password");
  EXPECT_EQ(nats.ca_file, "/etc/ssl/nats-ca.pem");
  EXPECT_EQ(nats.stream, "ALERTS_1");
  EXPECT_FALSE(nats.create_stream);
  EXPECT_EQ(nats.duplicate_window_ms, 60'000);
  EXPECT_EQ(nats.queue_size, 100u);
  EXPECT_EQ(nats.max_in_flight, 10u);
  EXPECT_EQ(nats.ack_timeout_ms, 2'000);
  EXPECT_EQ(nats.reconnect_buffer_bytes, 65'536u);
  EXPECT_EQ(nats.reconnect_wait_ms, 500);
  EXPECT_EQ(nats.backoff_min_ms, 50);
  EXPECT_EQ(nats.backoff_max_ms, 1'000);
}

TEST(DeliveryRoutesConfigTest, NatsDefaultsAndOtherAuthMethods) {
  const auto config = parse_ok(R"(
alerts:
  routes:
    - {name: a, scope: platform, sink: {type: nats, servers: [nats://127.0.0.1:4222]}}
    - {name: b, scope: platform, sink: {type: nats, servers: [nats://n:1], token_file: t}}
    - {name: c, scope: platform, sink: {type: nats, servers: [nats://n:1], credentials_file: /c}}
)");
  ASSERT_TRUE(config);
  const NatsSinkSettings& a = config->alert_routes()[0].sink.nats;
  EXPECT_EQ(a.stream, "PANGUARD_ALERTS");
  EXPECT_TRUE(a.create_stream);
  EXPECT_EQ(a.queue_size, 65'536u);
  EXPECT_TRUE(a.user.empty() && a.password_file.empty() && a.token_file.empty());
  EXPECT_FALSE(config->alert_routes()[0].sink.format.has_value());
  EXPECT_EQ(config->alert_routes()[1].sink.nats.token_file, "/etc/panguard/t");
  EXPECT_EQ(config->alert_routes()[2].sink.nats.credentials_file, "/c");
}

TEST(DeliveryRoutesConfigTest, ReadsEveryAlertmanagerKey) {
  const auto config = parse_ok(R"(
alerts:
  routes:
    - name: am
      scope: all_tenants
      sink:
        type: alertmanager
        url: https://am.monitoring:9093/am
        ca_file: am-ca.pem
        resolve_timeout_ms: 60000
        max_batch: 8
        batch_linger_ms: 0
        queue_size: 50
        timeout_ms: 3000
        backoff_min_ms: 10
        backoff_max_ms: 20
)");
  ASSERT_TRUE(config);
  const SinkSettings& sink = config->alert_routes()[0].sink;
  EXPECT_EQ(sink.type, SinkType::kAlertmanager);
  const AlertmanagerSinkSettings& am = sink.alertmanager;
  EXPECT_EQ(am.url, "https://am.monitoring:9093/am");
  EXPECT_EQ(am.ca_file, "/etc/panguard/am-ca.pem");
  EXPECT_EQ(am.resolve_timeout_ms, 60'000);
  EXPECT_EQ(am.max_batch, 8u);
  EXPECT_EQ(am.batch_linger_ms, 0);
  EXPECT_EQ(am.queue_size, 50u);
  EXPECT_EQ(am.timeout_ms, 3'000);
  EXPECT_EQ(am.backoff_min_ms, 10);
  EXPECT_EQ(am.backoff_max_ms, 20);
}

TEST(DeliveryRoutesConfigTest, MistakesNameTheirKeyPath) {
  const std::string pre = "alerts:\n  routes:\n    - {name: a, scope: platform, sink: ";
  const std::pair<std::string, std::string> cases[] = {
      {"{type: nats}", "alerts.routes[0].sink.servers: required"},
      {"{type: nats, servers: []}", "alerts.routes[0].sink.servers: must name at least one"},
      {"{type: nats, servers: [http://n:4222]}",
       "alerts.routes[0].sink.servers[0]: expected a URL starting with nats:// or tls://"},
      {"{type: nats, servers: ['nats://a:1,nats://b:2']}",
       "alerts.routes[0].sink.servers[0]: one URL per item, without spaces or commas"},
      {"{type: nats, servers: [nats://n:1, 'nats://']}",
       "alerts.routes[0].sink.servers[1]: missing host"},
      {"{type: nats, servers: [nats://n:1], password: hunter2}",
       "alerts.routes[0].sink.password: secrets never sit in the config: put it in a file and "
       "name it in password_file"},
      {"{type: nats, servers: [nats://n:1], token: abc}",
       "alerts.routes[0].sink.token: secrets never sit in the config"},
      {"{type: nats, servers: [nats://n:1], credentials: abc}",
       "alerts.routes[0].sink.credentials: secrets never sit in the config"},
      {"{type: nats, servers: [nats://n:1], user: u}",
       "alerts.routes[0].sink.password_file: required with user"},
      {"{type: nats, servers: [nats://n:1], password_file: /p}",
       "alerts.routes[0].sink.user: required with password_file"},
      {"{type: nats, servers: [nats://n:1], token_file: /t, credentials_file: /c}",
       "alerts.routes[0].sink: at most one authentication method"},
      {"{type: nats, servers: [nats://n:1], ca_file: /ca}",
       "alerts.routes[0].sink.ca_file: set only with tls:// servers"},
      {"{type: nats, servers: [nats://n:1], stream: a.b}",
       "alerts.routes[0].sink.stream: expected a stream name"},
      {"{type: nats, servers: [nats://n:1], create_stream: 'yes'}",
       "alerts.routes[0].sink.create_stream: expected true or false"},
      {"{type: nats, servers: [nats://n:1], queue_size: 0}",
       "alerts.routes[0].sink.queue_size: expected a whole number from 1"},
      {"{type: nats, servers: [nats://n:1], backoff_min_ms: 10, backoff_max_ms: 5}",
       "alerts.routes[0].sink.backoff_min_ms: must not exceed backoff_max_ms"},
      {"{type: nats, servers: [nats://n:1], url: http://x/}",
       "alerts.routes[0].sink.url: unknown key"},
      {"{type: alertmanager}", "alerts.routes[0].sink.url: required"},
      {"{type: alertmanager, url: 'am:9093'}",
       "alerts.routes[0].sink.url: expected a URL starting with http:// or https://"},
      {"{type: alertmanager, url: 'http://'}", "alerts.routes[0].sink.url: missing host"},
      {"{type: alertmanager, url: 'http://am:9093', ca_file: /ca}",
       "alerts.routes[0].sink.ca_file: set only with an https:// url"},
      {"{type: alertmanager, url: 'http://am', max_batch: 0}",
       "alerts.routes[0].sink.max_batch: expected a whole number from 1"},
      {"{type: alertmanager, url: 'http://am', resolve_timeout_ms: 5}",
       "alerts.routes[0].sink.resolve_timeout_ms: expected a whole number from 1000"},
      {"{type: alertmanager, url: 'http://am', backoff_min_ms: 9, backoff_max_ms: 8}",
       "alerts.routes[0].sink.backoff_min_ms: must not exceed backoff_max_ms"},
      {"{type: alertmanager, url: 'http://am', servers: [nats://n:1]}",
       "alerts.routes[0].sink.servers: unknown key"},
      {"{type: alertmanager, url: 'http://am', format: falco}",
       "alerts.routes[0].sink.format: unknown key"},
  };
  for (const auto& [sink, expected] : cases) {
    const std::string error = parse_error(pre + sink + "}\n");
    EXPECT_TRUE(has(error, expected)) << sink << "\n  got: " << error;
  }
}

TEST(DeliveryRoutesConfigTest, InlineSecretErrorNeverEchoesTheSecret) {
  const std::string error = parse_error(
      "alerts:\n  routes:\n    - {name: a, scope: platform, sink: {type: nats, "
      "servers: [nats://n:1], password: s3cr3t-value}}\n");
  EXPECT_FALSE(has(error, "s3cr3t-value")) << error;
}

TEST(DeliveryRoutesConfigTest, SummaryPeriod) {
  auto config = parse_ok("");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->summary_period_ms(), 3'600'000);
  config = parse_ok("alerts:\n  summary_period_ms: 0\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->summary_period_ms(), 0);
  config = parse_ok("alerts:\n  summary_period_ms: 60000\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->summary_period_ms(), 60'000);
  EXPECT_TRUE(has(parse_error("alerts:\n  summary_period_ms: 10\n"),
                  "alerts.summary_period_ms: expected 0 (off) or at least 1000"));
  EXPECT_TRUE(has(parse_error("alerts:\n  summary_period_ms: -1\n"),
                  "alerts.summary_period_ms: expected a whole number"));
  EXPECT_TRUE(has(parse_error("alerts:\n  summary_period_ms: 86400001\n"),
                  "alerts.summary_period_ms: expected a whole number from 0 to 86400000"));
}

}  // namespace
}  // namespace panguard::agent
