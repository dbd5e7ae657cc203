// NatsSink against a real `nats-server -js` (ephemeral port, temporary store), read back from the
// JetStream stream with nats.c. No mocks.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "alerts/nats/nats_sink.h"
#include "delivery_test_support.h"
#include "nats_test_server.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;
using alerts::NatsOptions;
using alerts::NatsSink;

constexpr const char* kStream = "PANGUARD_ALERTS";

NatsOptions options_for(const NatsTestServer& server, PlatformEvents& events) {
  NatsOptions options;
  options.servers = {server.url()};
  options.ack_timeout = 1000ms;
  options.reconnect_wait = 100ms;
  options.backoff_min = 50ms;
  options.backoff_max = 500ms;
  options.on_platform_event = events.callback();
  return options;
}

std::size_t count_tokens(const std::string& subject) {
  return static_cast<std::size_t>(std::count(subject.begin(), subject.end(), '.')) + 1;
}

class NatsSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kNatsServerBin, X_OK) != 0) {
      GTEST_SKIP() << "!!! " << kNatsServerBin << " is missing: NATS sink tests NOT RUN "
                   << "(apt-get install nats-server)";
    }
    server_ = std::make_unique<NatsTestServer>(store_.path());
    server_->start();
  }
  TempDir store_;
  std::unique_ptr<NatsTestServer> server_;
  PlatformEvents events_;
};

TEST_F(NatsSinkTest, AlertsArriveOnTenantAndPlatformSubjects) {
  NatsSink sink(options_for(*server_, events_));
  sink.start();
  std::vector<alerts::Alert> written = {
      make_alert("acme", rules::Priority::kCritical), make_alert("acme", rules::Priority::kWarning),
      make_alert("globex", rules::Priority::kNotice), make_alert(std::nullopt)};
  for (const auto& alert : written) ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return sink.stats().acked == written.size(); }, 10s));
  sink.stop(2s);

  const auto messages = read_stream(server_->url(), kStream);
  ASSERT_EQ(messages.size(), written.size());
  std::map<std::string, const StreamMessage*> by_id;
  for (const auto& m : messages) by_id[m.msg_id] = &m;
  const std::vector<std::string> subjects = {
      "panguard.alerts.acme.critical", "panguard.alerts.acme.warning",
      "panguard.alerts.globex.notice", "panguard.platform.critical"};
  for (std::size_t i = 0; i < written.size(); ++i) {
    ASSERT_TRUE(by_id.count(written[i].id)) << written[i].id;
    const StreamMessage& m = *by_id[written[i].id];
    EXPECT_EQ(m.subject, subjects[i]);
    const auto body = nlohmann::json::parse(m.data);
    EXPECT_EQ(body.at("id"), written[i].id);
    EXPECT_EQ(body.at("rule"), written[i].rule);
  }
  EXPECT_EQ(sink.stats().abandoned, 0u);
}

TEST_F(NatsSinkTest, RepublishedIdIsDeduplicatedByTheServer) {
  NatsSink sink(options_for(*server_, events_));
  sink.start();
  const auto alert = make_alert("acme");
  ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return sink.stats().acked == 1; }, 10s));
  ASSERT_TRUE(sink.write(alert));  // same id: the router delivering it twice, or a retry
  ASSERT_TRUE(eventually([&] { return sink.stats().acked == 2; }, 10s));
  sink.stop(2s);
  EXPECT_EQ(sink.stats().duplicates, 1u);
  const auto messages = read_stream(server_->url(), kStream);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].msg_id, alert.id);
}

TEST_F(NatsSinkTest, HostileTenantIdsCannotAddSubjectLevelsOrWildcards) {
  NatsSink sink(options_for(*server_, events_));
  sink.start();
  const std::map<std::string, std::string> expected = {{"a.b", "a%2Eb"},     {"*", "%2A"},
                                                       {">", "%3E"},         {"a b", "a%20b"},
                                                       {"a%2Eb", "a%252Eb"}, {"x.>", "x%2E%3E"}};
  std::map<std::string, std::string> tenant_of_id;
  for (const auto& [tenant, token] : expected) {
    const auto alert = make_alert(tenant);
    tenant_of_id[alert.id] = tenant;
    ASSERT_TRUE(sink.write(alert));
  }
  // An empty tenant id is refused (and reported), never published anywhere.
  EXPECT_FALSE(sink.write(make_alert(std::string())));
  EXPECT_EQ(sink.stats().dropped_invalid, 1u);
  EXPECT_EQ(events_.count("nats_invalid_alert"), 1u);
  ASSERT_TRUE(eventually([&] { return sink.stats().acked == expected.size(); }, 10s));
  sink.stop(2s);

  const auto messages = read_stream(server_->url(), kStream);
  ASSERT_EQ(messages.size(), expected.size());
  for (const auto& m : messages) {
    EXPECT_EQ(count_tokens(m.subject), 4u) << m.subject;
    EXPECT_EQ(m.subject.find_first_of("*> "), std::string::npos) << m.subject;
    const std::string& tenant = tenant_of_id.at(m.msg_id);
    EXPECT_EQ(m.subject, "panguard.alerts." + expected.at(tenant) + ".critical");
    EXPECT_EQ(m.subject.rfind("panguard.alerts.a.", 0), std::string::npos) << m.subject;
  }
}

TEST_F(NatsSinkTest, ServerKilledAndRestartedMidStreamLosesNoAlert) {
  NatsSink sink(options_for(*server_, events_));
  sink.start();
  constexpr int kAlerts = 3000;
  std::vector<std::string> ids;
  ids.reserve(kAlerts);
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < kAlerts; ++i) {
      auto alert = make_alert("tenant-" + std::to_string(i % 7));
      ids.push_back(alert.id);
      EXPECT_TRUE(sink.write(alert));
      ++written;
      std::this_thread::sleep_for(500us);
    }
  });
  ASSERT_TRUE(eventually([&] { return written.load() >= 600; }, 20s));
  server_->kill();  // SIGKILL: acks in flight are lost with it
  const int at_kill = written.load();
  std::this_thread::sleep_for(1500ms);
  server_->start();  // same port, same store directory
  writer.join();
  sink.stop(30s);

  const auto stats = sink.stats();
  EXPECT_GE(stats.disconnects, 1u);
  EXPECT_GE(stats.reconnects, 1u);
  EXPECT_EQ(stats.abandoned, 0u);
  EXPECT_EQ(stats.acked, static_cast<uint64_t>(kAlerts));
  EXPECT_GE(events_.count("nats_disconnected"), 1u);
  EXPECT_LT(at_kill, kAlerts) << "the server was not killed mid-stream";

  const auto messages = read_stream(server_->url(), kStream);
  std::set<std::string> stored;
  for (const auto& m : messages) stored.insert(m.msg_id);
  EXPECT_EQ(stored.size(), messages.size()) << "an alert id is stored twice";
  std::size_t missing = 0;
  for (const auto& id : ids) missing += stored.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "alerts lost across the restart";
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(kAlerts));
}

TEST_F(NatsSinkTest, FullQueueDropsAreCountedAndReportedOnce) {
  server_->kill();  // nothing listens: the sink cannot create its stream, the queue fills
  NatsOptions options = options_for(*server_, events_);
  options.queue_size = 8;
  NatsSink sink(options);
  sink.start();
  std::vector<std::string> accepted_ids;
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    const auto alert = make_alert("acme");
    if (sink.write(alert)) {
      accepted_ids.push_back(alert.id);
    } else {
      ++refused;
    }
  }
  EXPECT_EQ(accepted_ids.size(), 8u);
  EXPECT_EQ(refused, 12);
  EXPECT_EQ(sink.stats().dropped_queue_full, 12u);
  EXPECT_EQ(events_.count("nats_queue_full"), 1u);

  server_->start();  // the queued alerts are delivered once the server is back
  ASSERT_TRUE(eventually([&] { return sink.stats().acked == 8; }, 20s));
  sink.stop(2s);
  const auto messages = read_stream(server_->url(), kStream);
  ASSERT_EQ(messages.size(), 8u);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_NE(std::find(accepted_ids.begin(), accepted_ids.end(), messages[i].msg_id),
              accepted_ids.end());
  }
}

TEST_F(NatsSinkTest, StopDrainsOutstandingAcks) {
  NatsSink sink(options_for(*server_, events_));
  sink.start();
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(sink.write(make_alert("acme")));
  sink.stop(10s);  // returns once every alert is acknowledged
  const auto stats = sink.stats();
  EXPECT_EQ(stats.acked, 500u);
  EXPECT_EQ(stats.abandoned, 0u);
  EXPECT_FALSE(sink.write(make_alert("acme")));
  EXPECT_EQ(sink.stats().dropped_stopped, 1u);
  EXPECT_EQ(read_stream(server_->url(), kStream).size(), 500u);
}

}  // namespace
}  // namespace panguard::integration
