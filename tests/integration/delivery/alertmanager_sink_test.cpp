// AlertmanagerSink against a real prometheus-alertmanager started by the test (its own loopback
// port, storage dir and minimal config; clustering off), read back from GET /api/v2/alerts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "alertmanager_test_server.h"
#include "alerts/alertmanager/alertmanager_sink.h"
#include "delivery_test_support.h"
#include "process.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;
using alerts::AlertmanagerOptions;
using alerts::AlertmanagerSink;

// Whole seconds since the epoch of an RFC 3339 UTC time ("2026-11-29T23:58:01.123Z"); -1 if not.
int64_t utc_seconds(const std::string& text) {
  std::tm parts{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  return end == nullptr ? -1 : static_cast<int64_t>(timegm(&parts));
}

class AlertmanagerSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kAlertmanagerBin, X_OK) != 0) {
      GTEST_SKIP() << "!!! " << kAlertmanagerBin << " is missing: Alertmanager sink tests NOT "
                   << "RUN (apt-get install prometheus-alertmanager)";
    }
    server_ = std::make_unique<AlertmanagerServer>(dir_.path());
  }
  AlertmanagerOptions options() {
    AlertmanagerOptions o;
    o.url = server_->url();
    o.backoff_min = 50ms;
    o.backoff_max = 500ms;
    o.request_timeout = 2s;
    o.on_platform_event = events_.callback();
    return o;
  }
  TempDir dir_;
  std::unique_ptr<AlertmanagerServer> server_;
  PlatformEvents events_;
};

TEST_F(AlertmanagerSinkTest, AlertsAreReadBackWithLabelsAndAnnotations) {
  server_->start();
  AlertmanagerSink sink(options());
  sink.start();
  // Distinct rules: Alertmanager merges alerts whose label sets are equal.
  std::vector<alerts::Alert> written;
  for (int i = 0; i < 10; ++i) {
    written.push_back(make_alert("acme", rules::Priority::kCritical, "Rule " + std::to_string(i)));
  }
  written.push_back(make_alert(std::nullopt, rules::Priority::kWarning, "Rule pack refused"));
  for (const auto& alert : written) ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return server_->alerts().size() == written.size(); }, 15s))
      << server_->alerts().size();
  sink.stop(2s);
  EXPECT_EQ(sink.stats().delivered, written.size());
  EXPECT_EQ(sink.stats().abandoned, 0u);

  const auto stored = server_->alerts();
  for (const auto& alert : written) {
    ASSERT_TRUE(stored.count(alert.id)) << alert.id;
    const auto& got = stored.at(alert.id);
    const auto& labels = got.at("labels");
    EXPECT_EQ(labels.at("alertname"), alert.rule);
    EXPECT_EQ(labels.at("severity"), alert.tenant_id ? "critical" : "warning");
    EXPECT_EQ(labels.at("tenant"), alert.tenant_id.value_or("platform"));
    EXPECT_EQ(labels.at("scope"), alert.tenant_id ? "tenant" : "platform");
    EXPECT_EQ(labels.at("source"), "vault");
    EXPECT_EQ(labels.at("node"), "node-1");
    const auto& annotations = got.at("annotations");
    EXPECT_EQ(annotations.at("summary"), "tenant reached outside its boundary");
    EXPECT_EQ(annotations.at("description"), alert.output);
    EXPECT_EQ(annotations.at("pack_version"), "7");
    EXPECT_EQ(got.at("status").at("state"), "active");
    // endsAt = startsAt + 5 minutes (the default resolve timeout), across midnight too.
    const std::string starts = got.at("startsAt"), ends = got.at("endsAt");
    EXPECT_EQ(utc_seconds(ends) - utc_seconds(starts), 300) << starts << " " << ends;
    EXPECT_EQ(starts.substr(19), ends.substr(19)) << "same fraction of a second";
  }
}

TEST_F(AlertmanagerSinkTest, ConnectionErrorsAreRetriedUntilAlertmanagerIsUp) {
  AlertmanagerSink sink(options());  // nothing listens yet
  sink.start();
  const auto alert = make_alert("globex", rules::Priority::kError, "Token flood");
  ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return sink.stats().retries >= 2; }, 10s));
  EXPECT_EQ(events_.count("alertmanager_unavailable"), 1u);
  server_->start();
  ASSERT_TRUE(eventually([&] { return server_->alerts().count(alert.id) == 1; }, 15s));
  sink.stop(2s);
  EXPECT_EQ(sink.stats().delivered, 1u);
  EXPECT_EQ(server_->alerts().at(alert.id).at("labels").at("tenant"), "globex");
}

TEST_F(AlertmanagerSinkTest, FullQueueDropsAreCountedAndStopAbandonsTheRest) {
  AlertmanagerOptions o = options();
  o.queue_size = 4;
  o.max_batch = 1;
  AlertmanagerSink sink(o);  // not started: nothing leaves the queue
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += sink.write(make_alert("acme")) ? 1 : 0;
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(sink.stats().dropped_queue_full, 6u);
  EXPECT_EQ(events_.count("alertmanager_queue_full"), 1u);
  sink.start();  // Alertmanager is down: everything stays queued/retrying
  sink.stop(300ms);
  EXPECT_EQ(sink.stats().abandoned, 4u);
  EXPECT_EQ(sink.stats().delivered, 0u);
}

}  // namespace
}  // namespace panguard::integration
