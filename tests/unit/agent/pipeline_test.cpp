#include "agent/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agent/store/memory_store.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

using rules::Event;
using rules::FieldId;

constexpr int64_t kSecond = 1'000'000'000;

Event vault_event(const std::string& tenant) {
  Event event(rules::Source::kVault);
  event.set(FieldId::kTenantId, tenant);
  event.set(FieldId::kTenantSource, "jwt");
  return event;
}

Event foreign_read(const std::string& tenant, const std::string& owner) {
  Event event = vault_event(tenant);
  event.set(FieldId::kVaultPath, "secret/tenants/" + owner + "/db");
  event.set(FieldId::kVaultPathTenant, owner);
  return event;
}

Event login(const std::string& tenant) {
  Event event = vault_event(tenant);
  event.set(FieldId::kVaultOperation, "login");
  return event;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { packs_.swap(testing::compile_snapshot(testing::kTestPack, "v1")); }

  Pipeline make(Mode mode = Mode::kMonitor) {
    return Pipeline(PipelineOptions{"node-1", mode}, packs_, store_, sink_, metrics_);
  }

  PackHolder packs_;
  MemoryStore store_;
  testing::RecordingSink sink_;
  Metrics metrics_;
};

TEST_F(PipelineTest, MatchingRuleEmitsAlertWithTenantFromEvent) {
  Pipeline pipeline = make();
  const ProcessResult result = pipeline.process(foreign_read("acme", "globex"), 5);
  EXPECT_TRUE(result.evaluated);
  EXPECT_EQ(result.alerts, 1u);
  EXPECT_FALSE(result.denied);  // monitor mode
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Foreign path");
  EXPECT_EQ(alerts[0].tenant_id, "acme");
  EXPECT_EQ(alerts[0].action, rules::Action::kAlert);
  EXPECT_EQ(alerts[0].node, "node-1");
  EXPECT_EQ(alerts[0].pack_version, "v1");
  EXPECT_EQ(alerts[0].time_ns, 5);
}

TEST_F(PipelineTest, EnforceModeDenies) {
  Pipeline pipeline = make(Mode::kEnforce);
  const ProcessResult result = pipeline.process(foreign_read("acme", "globex"), 0);
  EXPECT_TRUE(result.denied);
  EXPECT_EQ(sink_.alerts().at(0).action, rules::Action::kDeny);
}

TEST_F(PipelineTest, NonMatchingEventEmitsNothing) {
  Pipeline pipeline = make();
  EXPECT_EQ(pipeline.process(foreign_read("acme", "acme"), 0).alerts, 0u);
  EXPECT_TRUE(sink_.alerts().empty());
}

TEST_F(PipelineTest, RateLimitedRuleFiresOnlyOverTheRatePerTenant) {
  Pipeline pipeline = make();
  // burst 2, 1/s: the third login of acme within the second fires.
  EXPECT_EQ(pipeline.process(login("acme"), 0).alerts, 0u);
  EXPECT_EQ(pipeline.process(login("acme"), 0).alerts, 0u);
  EXPECT_EQ(pipeline.process(login("acme"), 0).alerts, 1u);
  // globex has its own counter.
  EXPECT_EQ(pipeline.process(login("globex"), 0).alerts, 0u);
  // After the window refills acme is allowed again.
  EXPECT_EQ(pipeline.process(login("acme"), 10 * kSecond).alerts, 0u);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Login flood");
  EXPECT_EQ(alerts[0].tenant_id, "acme");
}

TEST_F(PipelineTest, CountersLiveInTheStoreNotThePipeline) {
  // Two pipelines sharing one store see the same counters: the pipeline itself keeps none.
  Pipeline first = make();
  Pipeline second = make();
  first.process(login("acme"), 0);
  first.process(login("acme"), 0);
  EXPECT_EQ(second.process(login("acme"), 0).alerts, 1u);
  EXPECT_EQ(store_.key_count(), 1u);
}

TEST_F(PipelineTest, NoPackDropsTheEvent) {
  packs_.swap(nullptr);
  Pipeline pipeline = make();
  const ProcessResult result = pipeline.process(foreign_read("acme", "globex"), 0);
  EXPECT_FALSE(result.evaluated);
  EXPECT_NE(metrics_.render().find("panguard_drops_total{stage=\"no_pack\"} 1"), std::string::npos);
}

TEST_F(PipelineTest, UsesTheSnapshotCurrentAtEachEvent) {
  Pipeline pipeline = make();
  packs_.swap(testing::compile_snapshot(R"yaml(
- rule: Any login
  desc: every login
  source: vault
  condition: vault.operation = login
  output: "login"
  priority: notice
)yaml",
                                        "v2"));
  pipeline.process(login("acme"), 0);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Any login");
  EXPECT_EQ(alerts[0].pack_version, "v2");
}

TEST_F(PipelineTest, SinkFailureIsCountedAsDrop) {
  sink_.set_accept(false);
  Pipeline pipeline = make();
  pipeline.process(foreign_read("acme", "globex"), 0);
  EXPECT_NE(metrics_.render().find("panguard_drops_total{stage=\"sink\"} 1"), std::string::npos);
}

TEST_F(PipelineTest, MetricsCountButNeverNameTenants) {
  Pipeline pipeline = make();
  pipeline.process(foreign_read("tenant-alpha-7", "tenant-beta-9"), 0);
  for (int i = 0; i < 3; ++i) pipeline.process(login("tenant-gamma-3"), 0);
  const std::string text = metrics_.render();
  EXPECT_NE(text.find("panguard_events_total{source=\"vault\"} 4"), std::string::npos) << text;
  EXPECT_NE(text.find("panguard_alerts_total{priority=\"critical\"} 1"), std::string::npos);
  EXPECT_NE(text.find("panguard_rule_matches_total{priority=\"error\",rule=\"Login flood\"} 3"),
            std::string::npos)
      << text;
  for (const char* tenant : {"tenant-alpha-7", "tenant-beta-9", "tenant-gamma-3"}) {
    EXPECT_EQ(text.find(tenant), std::string::npos) << tenant;
  }
}

TEST_F(PipelineTest, ConcurrentEventsAndReloadsGiveTheSameAlerts) {
  Pipeline pipeline = make();
  const auto v1 = packs_.current();
  constexpr int kThreads = 4;
  constexpr int kEvents = 500;
  std::atomic<std::size_t> alerts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEvents; ++i) {
        const std::string tenant = "t" + std::to_string((t + i) % 7);
        alerts += pipeline.process(foreign_read(tenant, tenant + "-other"), 0).alerts;
      }
    });
  }
  // Swapping in an identical pack while events flow must not change any verdict.
  for (int i = 0; i < 50; ++i) packs_.swap(v1);
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(alerts.load(), static_cast<std::size_t>(kThreads * kEvents));
  EXPECT_EQ(sink_.alerts().size(), static_cast<std::size_t>(kThreads * kEvents));
}

TEST_F(PipelineTest, PlatformAlertGoesToTheSink) {
  Pipeline pipeline = make();
  pipeline.emit_platform({"Rule pack refused", rules::Priority::kCritical, "rules", "bad"}, 9);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].source, rules::Source::kPlatform);
  EXPECT_EQ(alerts[0].pack_version, "v1");
}

}  // namespace
}  // namespace panguard::agent
