#include "alerts/alert_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace panguard::alerts {
namespace {

using nlohmann::json;

Alert sample_alert() {
  Alert alert;
  alert.id = "0b5c3f0e-2a7d-4c1e-9a55-1f0e2d3c4b5a";
  alert.time_ns = 1'795'946'400'500'000'001;  // 2026-11-29T10:00:00.500000001Z
  alert.rule = "Vault path of another tenant";
  alert.priority = rules::Priority::kCritical;
  alert.tenant_id = "acme";
  alert.source = rules::Source::kVault;
  alert.action = rules::Action::kDeny;
  alert.output = "Cross-tenant Vault path (tenant=acme)";
  alert.output_fields = {{"tenant.id", std::string("acme")},
                         {"tenant.source", std::string("jwt")},
                         {"net.dport", int64_t{8200}},
                         {"vault.token_exchange", false},
                         {"vault.namespace", std::monostate{}}};
  alert.tags = {"vault", "cross_tenant"};
  alert.node = "node-1";
  alert.pack_version = "sha256:0123456789abcdef";
  return alert;
}

TEST(AlertJsonTest, PanguardShapeHasEveryField) {
  const json j = json::parse(alert_to_json(sample_alert(), AlertFormat::kPanguard));
  EXPECT_EQ(j["id"], "0b5c3f0e-2a7d-4c1e-9a55-1f0e2d3c4b5a");
  EXPECT_EQ(j["time"], "2026-11-29T10:00:00.500000001Z");
  EXPECT_EQ(j["rule"], "Vault path of another tenant");
  EXPECT_EQ(j["priority"], "critical");
  EXPECT_EQ(j["tenant_id"], "acme");
  EXPECT_EQ(j["source"], "vault");
  EXPECT_EQ(j["action"], "deny");
  EXPECT_EQ(j["output"], "Cross-tenant Vault path (tenant=acme)");
  EXPECT_EQ(j["output_fields"]["tenant.source"], "jwt");
  EXPECT_EQ(j["output_fields"]["net.dport"], 8200);
  EXPECT_EQ(j["output_fields"]["vault.token_exchange"], false);
  EXPECT_TRUE(j["output_fields"]["vault.namespace"].is_null());
  EXPECT_EQ(j["tags"], json::array({"vault", "cross_tenant"}));
  EXPECT_EQ(j["node"], "node-1");
  EXPECT_EQ(j["pack_version"], "sha256:0123456789abcdef");
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j.size(), 13u);
}

TEST(AlertJsonTest, MissingTenantIsNull) {
  Alert alert = sample_alert();
  alert.tenant_id.reset();
  const json j = json::parse(alert_to_json(alert, AlertFormat::kPanguard));
  ASSERT_TRUE(j.contains("tenant_id"));
  EXPECT_TRUE(j["tenant_id"].is_null());
}

TEST(AlertJsonTest, FalcoShape) {
  const json j = json::parse(alert_to_json(sample_alert(), AlertFormat::kFalco));
  EXPECT_EQ(j["output"], "Cross-tenant Vault path (tenant=acme)");
  EXPECT_EQ(j["priority"], "Critical");
  EXPECT_EQ(j["rule"], "Vault path of another tenant");
  EXPECT_EQ(j["time"], "2026-11-29T10:00:00.500000001Z");
  EXPECT_EQ(j["source"], "vault");
  EXPECT_EQ(j["hostname"], "node-1");
  EXPECT_EQ(j["output_fields"]["tenant.id"], "acme");
  EXPECT_EQ(j["tags"], json::array({"vault", "cross_tenant"}));
  EXPECT_FALSE(j.contains("tenant_id"));
}

TEST(AlertJsonTest, FalcoPriorityNames) {
  EXPECT_EQ(falco_priority_name(rules::Priority::kEmergency), "Emergency");
  EXPECT_EQ(falco_priority_name(rules::Priority::kInformational), "Informational");
  EXPECT_EQ(falco_priority_name(rules::Priority::kDebug), "Debug");
}

TEST(AlertJsonTest, IsOneLineAndSurvivesHostileValues) {
  Alert alert = sample_alert();
  alert.output_fields.emplace_back("vault.path", std::string("a\nb\"c\xff\xfe"));
  const std::string line = alert_to_json(alert, AlertFormat::kPanguard);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const json j = json::parse(line);  // invalid UTF-8 replaced, still valid JSON
  EXPECT_EQ(j["output_fields"]["vault.path"].get<std::string>().substr(0, 5), "a\nb\"c");
}

TEST(AlertJsonTest, ParsesFormatNames) {
  EXPECT_EQ(parse_alert_format("panguard"), AlertFormat::kPanguard);
  EXPECT_EQ(parse_alert_format("falco"), AlertFormat::kFalco);
  EXPECT_FALSE(parse_alert_format("json"));
}

}  // namespace
}  // namespace panguard::alerts
