#include "alerts/nats/nats_subject.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "alerts/nats/nats_sink.h"

namespace panguard::alerts::nats {
namespace {

Alert alert_for(std::optional<std::string> tenant, rules::Priority priority) {
  Alert alert;
  alert.id = "0b0f9a4e-8c1d-4c7e-9f51-3f1f2a9c0d11";
  alert.tenant_id = std::move(tenant);
  alert.priority = priority;
  return alert;
}

std::string subject_of(std::optional<std::string> tenant,
                       rules::Priority priority = rules::Priority::kCritical) {
  std::string error;
  auto subject = alert_subject(alert_for(std::move(tenant), priority), error);
  return subject ? *subject : "<refused: " + error + ">";
}

TEST(NatsSubject, TenantAndPlatformSubjects) {
  EXPECT_EQ(subject_of("acme"), "panguard.alerts.acme.critical");
  EXPECT_EQ(subject_of("team-a_1", rules::Priority::kWarning), "panguard.alerts.team-a_1.warning");
  EXPECT_EQ(subject_of(std::nullopt, rules::Priority::kError), "panguard.platform.error");
  EXPECT_EQ(subject_of("acme", rules::Priority::kInformational),
            "panguard.alerts.acme.informational");
}

TEST(NatsSubject, HostileTenantsAreEscapedIntoOneToken) {
  EXPECT_EQ(subject_of("a.b"), "panguard.alerts.a%2Eb.critical");
  EXPECT_EQ(subject_of("*"), "panguard.alerts.%2A.critical");
  EXPECT_EQ(subject_of(">"), "panguard.alerts.%3E.critical");
  EXPECT_EQ(subject_of("a b"), "panguard.alerts.a%20b.critical");
  EXPECT_EQ(subject_of("a\tb\r\n"), "panguard.alerts.a%09b%0D%0A.critical");
  EXPECT_EQ(subject_of("acme.>"), "panguard.alerts.acme%2E%3E.critical");
  EXPECT_EQ(subject_of("t\xC3\xA9"), "panguard.alerts.t%C3%A9.critical");
}

TEST(NatsSubject, EscapingIsInjective) {
  // '%' itself is escaped, so an id that looks escaped cannot collide with the escaped form.
  EXPECT_EQ(*tenant_token("a%2Eb"), "a%252Eb");
  EXPECT_NE(*tenant_token("a%2Eb"), *tenant_token("a.b"));
  std::set<std::string> tokens;
  const std::vector<std::string> tenants = {"a.b", "a%2Eb", "a_b", "a-b", "a b", "a*b", "a>b",
                                            "A.b", "a..b",  "a.",  ".a",  "%",   "%25"};
  for (const auto& tenant : tenants) tokens.insert(*tenant_token(tenant));
  EXPECT_EQ(tokens.size(), tenants.size());
  for (const auto& token : tokens) {
    EXPECT_EQ(token.find_first_of(".*> \t"), std::string::npos) << token;
  }
}

TEST(NatsSubject, EmptyOrOverlongTenantIsRefused) {
  std::string error;
  EXPECT_FALSE(alert_subject(alert_for(std::string(), rules::Priority::kCritical), error));
  EXPECT_EQ(error, "empty tenant id");
  EXPECT_FALSE(tenant_token(std::string(kMaxTenantBytes + 1, 'a')));
  EXPECT_TRUE(tenant_token(std::string(kMaxTenantBytes, 'a')));
}

TEST(NatsSubject, MsgIdValidation) {
  EXPECT_TRUE(valid_msg_id("0b0f9a4e-8c1d-4c7e-9f51-3f1f2a9c0d11"));
  EXPECT_FALSE(valid_msg_id(""));
  EXPECT_FALSE(valid_msg_id("a b"));
  EXPECT_FALSE(valid_msg_id("a\r\nX-Injected: 1"));
  EXPECT_FALSE(valid_msg_id(std::string(129, 'a')));
}

NatsOptions valid_options() {
  NatsOptions options;
  options.servers = {"nats://127.0.0.1:4222"};
  return options;
}

void expect_invalid(NatsOptions options, const std::string& fragment) {
  try {
    NatsSink sink(std::move(options));
    ADD_FAILURE() << "accepted options that should fail with: " << fragment;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(NatsOptionsValidation, RefusesBadOptionsWithPreciseMessages) {
  EXPECT_NO_THROW(NatsSink{valid_options()});
  auto o = valid_options();
  o.servers.clear();
  expect_invalid(o, "at least one server");
  o = valid_options();
  o.servers = {"http://127.0.0.1:4222"};
  expect_invalid(o, "must be a nats://host:port or tls://host:port URL");
  o = valid_options();
  o.token_file = "/nonexistent/token";
  o.credentials_file = "/nonexistent/creds";
  expect_invalid(o, "exclusive");
  o = valid_options();
  o.user = "panguard";
  expect_invalid(o, "user and password_file go together");
  o = valid_options();
  o.token_file = "/nonexistent/token";
  expect_invalid(o, "token_file /nonexistent/token: cannot read");
  o = valid_options();
  o.stream = "a.b";
  expect_invalid(o, "stream must be");
  o = valid_options();
  o.queue_size = 0;
  expect_invalid(o, "queue_size");
  o = valid_options();
  o.max_in_flight = 0;
  expect_invalid(o, "max_in_flight");
  o = valid_options();
  o.ack_timeout = std::chrono::milliseconds(0);
  expect_invalid(o, "ack_timeout_ms");
}

TEST(NatsSinkUnstarted, QueuesUntilFullThenCountsDropsAndReportsOnce) {
  auto o = valid_options();
  o.queue_size = 2;
  std::vector<std::string> events;
  o.on_platform_event = [&](std::string rule, std::string) { events.push_back(rule); };
  NatsSink sink(o);
  EXPECT_TRUE(sink.write(alert_for("acme", rules::Priority::kCritical)));
  EXPECT_TRUE(sink.write(alert_for("acme", rules::Priority::kCritical)));
  EXPECT_FALSE(sink.write(alert_for("acme", rules::Priority::kCritical)));
  EXPECT_FALSE(sink.write(alert_for("acme", rules::Priority::kCritical)));
  const auto stats = sink.stats();
  EXPECT_EQ(stats.accepted, 2u);
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.dropped_queue_full, 2u);
  EXPECT_EQ(events, std::vector<std::string>{"nats_queue_full"});
  sink.stop(std::chrono::milliseconds(0));
  EXPECT_EQ(sink.stats().abandoned, 2u);
}

}  // namespace
}  // namespace panguard::alerts::nats
