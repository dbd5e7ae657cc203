#include "alerts/alert_builder.h"

#include <gtest/gtest.h>

#include "rules/evaluator.h"
#include "rules/pack_loader.h"

namespace panguard::alerts {
namespace {

using rules::Event;
using rules::FieldId;

constexpr const char* kPack = R"yaml(
- rule: Foreign path
  desc: a tenant read another tenant's path
  source: vault
  condition: vault.path_tenant != tenant.id
  output: "foreign path %vault.path (tenant=%tenant.id)"
  priority: critical
  action: deny
  tags: [vault, cross_tenant]
- rule: Login flood
  desc: too many logins
  source: vault
  condition: vault.operation = login
  limit:
    key: [k8s.namespace]
    rate: 1/s
    burst: 1
  output: "login flood"
  priority: error
)yaml";

class AlertBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto compiled = rules::load_pack({rules::RuleFile{"test.yaml", kPack}});
    ASSERT_TRUE(compiled.pack) << (compiled.diagnostics.empty()
                                       ? ""
                                       : compiled.diagnostics.front().to_string());
    pack_ = compiled.pack;
  }

  const rules::CompiledRule& rule(const char* name) { return *pack_->find(name); }

  std::shared_ptr<const rules::RulePack> pack_;
  AlertContext context_{"node-1", "sha256:abc", 42};
};

Event foreign_read() {
  Event event(rules::Source::kVault);
  event.set(FieldId::kEvtTime, int64_t{1'000});
  event.set(FieldId::kTenantId, "acme");
  event.set(FieldId::kTenantSource, "jwt");
  event.set(FieldId::kVaultPath, "secret/tenants/globex/db");
  event.set(FieldId::kVaultPathTenant, "globex");
  event.set(FieldId::kK8sPod, "api-1");  // not in the template: not copied
  return event;
}

TEST_F(AlertBuilderTest, CopiesRuleEventAndContext) {
  const Alert alert =
      build_alert(rule("Foreign path"), foreign_read(), context_, rules::Action::kDeny);
  EXPECT_EQ(alert.id.size(), 36u);
  EXPECT_EQ(alert.time_ns, 1'000);
  EXPECT_EQ(alert.rule, "Foreign path");
  EXPECT_EQ(alert.priority, rules::Priority::kCritical);
  EXPECT_EQ(alert.tenant_id, "acme");
  EXPECT_EQ(alert.source, rules::Source::kVault);
  EXPECT_EQ(alert.action, rules::Action::kDeny);
  EXPECT_EQ(alert.output, "foreign path secret/tenants/globex/db (tenant=acme)");
  EXPECT_EQ(alert.tags, (std::vector<std::string>{"vault", "cross_tenant"}));
  EXPECT_EQ(alert.node, "node-1");
  EXPECT_EQ(alert.pack_version, "sha256:abc");
  EXPECT_EQ(alert.count, 1u);
}

TEST_F(AlertBuilderTest, OutputFieldsAreTemplateFieldsThenTenant) {
  const Alert alert =
      build_alert(rule("Foreign path"), foreign_read(), context_, rules::Action::kAlert);
  std::vector<std::string> names;
  for (const auto& [name, value] : alert.output_fields) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"vault.path", "tenant.id", "tenant.source"}));
}

TEST_F(AlertBuilderTest, OutputFieldsIncludeLimitKey) {
  Event event(rules::Source::kVault);
  event.set(FieldId::kVaultOperation, "login");
  event.set(FieldId::kK8sNamespace, "acme-prod");
  const Alert alert = build_alert(rule("Login flood"), event, context_, rules::Action::kAlert);
  ASSERT_EQ(alert.output_fields.size(), 3u);
  EXPECT_EQ(alert.output_fields[0].first, "k8s.namespace");
  EXPECT_EQ(alert.output_fields[0].second, rules::FieldValue(std::string("acme-prod")));
  EXPECT_EQ(alert.output_fields[1].first, "tenant.id");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(alert.output_fields[1].second));
}

TEST_F(AlertBuilderTest, NoTenantMeansNullTenantAndEmissionTime) {
  Event event(rules::Source::kVault);
  event.set(FieldId::kVaultOperation, "login");
  const Alert alert = build_alert(rule("Login flood"), event, context_, rules::Action::kAlert);
  EXPECT_FALSE(alert.tenant_id.has_value());
  EXPECT_EQ(alert.time_ns, 42);
}

TEST(PlatformAlertTest, CarriesReasonAndNoTenant) {
  const Alert alert =
      build_platform_alert(PlatformAlertSpec{"Rule pack refused", rules::Priority::kCritical,
                                             "rules", "bad.yaml:3:7: error: unknown field\nx"},
                           AlertContext{"node-1", "sha256:old", 7});
  EXPECT_EQ(alert.rule, "Rule pack refused");
  EXPECT_EQ(alert.source, rules::Source::kPlatform);
  EXPECT_EQ(alert.priority, rules::Priority::kCritical);
  EXPECT_FALSE(alert.tenant_id.has_value());
  EXPECT_EQ(alert.time_ns, 7);
  ASSERT_EQ(alert.output_fields.size(), 2u);
  EXPECT_EQ(alert.output_fields[1].first, "platform.reason");
  EXPECT_EQ(alert.output_fields[1].second,
            rules::FieldValue(std::string("bad.yaml:3:7: error: unknown field\nx")));
  EXPECT_EQ(alert.output.find('\n'), std::string::npos);  // escaped in the output line
}

}  // namespace
}  // namespace panguard::alerts
