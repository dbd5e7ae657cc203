#include "alerts/alertmanager/alertmanager_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "alerts/alertmanager/alertmanager_sink.h"

namespace panguard::alerts::alertmanager {
namespace {

using namespace std::chrono_literals;

Alert sample() {
  Alert alert;
  alert.id = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";
  alert.time_ns = 1'714'564'800'123'456'789;  // 2024-05-01T12:00:00.123456789Z
  alert.rule = "Cross-tenant secret read";
  alert.priority = rules::Priority::kCritical;
  alert.tenant_id = "acme";
  alert.source = rules::Source::kVault;
  alert.output = "acme read secret/globex/db\nfull details";
  alert.node = "node-7";
  alert.pack_version = "12";
  return alert;
}

TEST(AlertmanagerJson, Rfc3339Millis) {
  EXPECT_EQ(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_millis(1'714'564'800'123'456'789), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(rfc3339_millis(-1'000'000), "1969-12-31T23:59:59.999Z");
}

TEST(AlertmanagerJson, TenantAlertShape) {
  const auto object = nlohmann::json::parse(alert_object(sample(), 5min));
  const nlohmann::json expected = {
      {"labels",
       {{"alertname", "Cross-tenant secret read"},
        {"severity", "critical"},
        {"tenant", "acme"},
        {"scope", "tenant"},
        {"source", "vault"},
        {"node", "node-7"}}},
      {"annotations",
       {{"summary", "acme read secret/globex/db"},
        {"description", "acme read secret/globex/db\nfull details"},
        {"alert_id", "6f1c2d3e-4a5b-4c6d-8e7f-901234567890"},
        {"pack_version", "12"}}},
      {"startsAt", "2024-05-01T12:00:00.123Z"},
      {"endsAt", "2024-05-01T12:05:00.123Z"},
  };
  EXPECT_EQ(object, expected);
}

TEST(AlertmanagerJson, PlatformAlertAndResolveTimeout) {
  Alert alert = sample();
  alert.tenant_id.reset();
  alert.priority = rules::Priority::kWarning;
  alert.source = rules::Source::kPlatform;
  const auto object = nlohmann::json::parse(alert_object(alert, 90s));
  EXPECT_EQ(object["labels"]["tenant"], "platform");
  EXPECT_EQ(object["labels"]["scope"], "platform");
  EXPECT_EQ(object["labels"]["severity"], "warning");
  EXPECT_EQ(object["labels"]["source"], "platform");
  EXPECT_EQ(object["endsAt"], "2024-05-01T12:01:30.123Z");
}

TEST(AlertmanagerJson, SummaryIsCutOnACharacterBoundaryAndBadUtf8Replaced) {
  Alert alert = sample();
  alert.output = std::string(kMaxSummaryBytes - 1, 'x') + "\xC3\xA9" + "tail";  // é straddles
  alert.rule = "bad \xFF byte";
  const std::string text = alert_object(alert, 5min);
  const auto object = nlohmann::json::parse(text);  // parses: valid UTF-8 throughout
  EXPECT_EQ(object["annotations"]["summary"], std::string(kMaxSummaryBytes - 1, 'x'));
  EXPECT_EQ(object["labels"]["alertname"], "bad \xEF\xBF\xBD byte");
}

TEST(AlertmanagerJson, BodyIsAnArray) {
  EXPECT_EQ(alerts_body({}), "[]");
  const auto body = nlohmann::json::parse(
      alerts_body({alert_object(sample(), 5min), alert_object(sample(), 5min)}));
  ASSERT_TRUE(body.is_array());
  EXPECT_EQ(body.size(), 2u);
}

TEST(AlertmanagerOptionsValidation, RefusesBadOptions) {
  auto invalid = [](AlertmanagerOptions o, const std::string& fragment) {
    try {
      AlertmanagerSink sink(std::move(o));
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  AlertmanagerOptions o;
  o.url = "http://127.0.0.1:9093";
  EXPECT_NO_THROW(AlertmanagerSink{o});
  auto bad = o;
  bad.url = "ftp://host";
  invalid(bad, "url:");
  bad = o;
  bad.ca_file = "/etc/ssl/ca.pem";
  invalid(bad, "ca_file is only for https");
  bad = o;
  bad.max_batch = 0;
  invalid(bad, "max_batch");
  bad = o;
  bad.queue_size = 0;
  invalid(bad, "queue_size");
  bad = o;
  bad.resolve_timeout = 0ms;
  invalid(bad, "resolve_timeout_ms");
}

}  // namespace
}  // namespace panguard::alerts::alertmanager
