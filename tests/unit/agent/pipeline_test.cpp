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
  const ProcessResult result = pipeline.process_and_wait(foreign_read("acme", "globex"), 5);
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
  const ProcessResult result = pipeline.process_and_wait(foreign_read("acme", "globex"), 0);
  EXPECT_TRUE(result.denied);
  EXPECT_EQ(sink_.alerts().at(0).action, rules::Action::kDeny);
}

TEST_F(PipelineTest, NonMatchingEventEmitsNothing) {
  Pipeline pipeline = make();
  EXPECT_EQ(pipeline.process_and_wait(foreign_read("acme", "acme"), 0).alerts, 0u);
  EXPECT_TRUE(sink_.alerts().empty());
}

TEST_F(PipelineTest, RateLimitedRuleFiresOnlyOverTheRatePerTenant) {
  Pipeline pipeline = make();
  // burst 2, 1/s: the third login of acme within the second fires.
  EXPECT_EQ(pipeline.process_and_wait(login("acme"), 0).alerts, 0u);
  EXPECT_EQ(pipeline.process_and_wait(login("acme"), 0).alerts, 0u);
  EXPECT_EQ(pipeline.process_and_wait(login("acme"), 0).alerts, 1u);
  // globex has its own counter.
  EXPECT_EQ(pipeline.process_and_wait(login("globex"), 0).alerts, 0u);
  // After the window refills acme is allowed again.
  EXPECT_EQ(pipeline.process_and_wait(login("acme"), 10 * kSecond).alerts, 0u);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Login flood");
  EXPECT_EQ(alerts[0].tenant_id, "acme");
}

TEST_F(PipelineTest, CountersLiveInTheStoreNotThePipeline) {
  // Two pipelines sharing one store see the same counters: the pipeline itself keeps none.
  Pipeline first = make();
  Pipeline second = make();
  first.process_and_wait(login("acme"), 0);
  first.process_and_wait(login("acme"), 0);
  EXPECT_EQ(second.process_and_wait(login("acme"), 0).alerts, 1u);
  EXPECT_EQ(store_.key_count(), 1u);
}

constexpr const char* kEnforcedPack = R"yaml(
- rule: Token exchange flood
  desc: too many token exchanges by one tenant
  source: vault
  condition: vault.operation = login
  limit:
    key: [tenant.id]
    rate: 1/s
    burst: 1
  output: "flood (tenant=%tenant.id)"
  priority: error
  action: deny
- rule: Foreign path
  desc: a tenant read another tenant's path
  source: vault
  condition: vault.path_tenant != tenant.id
  output: "foreign path %vault.path"
  priority: critical
  action: deny
  dedup:
    window: 60s
    key: [vault.path]
)yaml";

TEST_F(PipelineTest, ExceededDenyLimitIsALimitNotADenialAndCarriesRetryAfter) {
  packs_.swap(testing::compile_snapshot(kEnforcedPack, "v1"));
  Pipeline pipeline = make(Mode::kEnforce);
  const ProcessResult first = pipeline.process_and_wait(login("acme"), 0);
  EXPECT_FALSE(first.limited);
  const ProcessResult second = pipeline.process_and_wait(login("acme"), kSecond / 4);
  EXPECT_TRUE(second.limited);
  EXPECT_FALSE(second.denied);
  EXPECT_EQ(second.retry_after_ns, 3 * kSecond / 4);
  ASSERT_EQ(second.alert_ids.size(), 1u);
  EXPECT_EQ(sink_.alerts().at(0).action, rules::Action::kDeny);
  // Monitor mode alerts the same way but never limits.
  Pipeline monitor = make(Mode::kMonitor);
  EXPECT_FALSE(monitor.process_and_wait(login("acme"), kSecond / 2).limited);
  EXPECT_EQ(sink_.alerts().size(), 2u);
}

TEST_F(PipelineTest, DedupEmitsOneAlertPerWindowAndCarriesTheCount) {
  packs_.swap(testing::compile_snapshot(kEnforcedPack, "v1"));
  Pipeline pipeline = make(Mode::kEnforce);
  for (int i = 0; i < 5; ++i) {
    const ProcessResult result = pipeline.process_and_wait(foreign_read("acme", "globex"), i);
    EXPECT_TRUE(result.denied) << "dedup folds alerts, never denials";
    EXPECT_EQ(result.alerts, i == 0 ? 1u : 0u);
  }
  // Another path is another dedup key; another tenant another hash tag.
  EXPECT_EQ(pipeline.process_and_wait(foreign_read("acme", "initech"), 0).alerts, 1u);
  EXPECT_EQ(pipeline.process_and_wait(foreign_read("umbrella", "globex"), 0).alerts, 1u);
  const ProcessResult next =
      pipeline.process_and_wait(foreign_read("acme", "globex"), 61 * kSecond);
  EXPECT_EQ(next.alerts, 1u);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 4u);
  EXPECT_EQ(alerts[0].count, 1u);
  EXPECT_EQ(alerts[3].count, 5u);  // this one plus the four folded into the first window
  EXPECT_NE(metrics_.render().find("panguard_alerts_deduplicated_total 4"), std::string::npos);
}

// Answers every rate check from another thread, as the Redis store does, by a failure mode.
class FailingAsyncStore : public MemoryStore {
 public:
  void check_rate(std::string, const rules::RateLimit&, rules::StoreFailureMode failure, int64_t,
                  StoreCompletion<RateDecision> done) override {
    seen_modes.push_back(failure);
    const bool allowed = failure == rules::StoreFailureMode::kOpen;
    threads_.emplace_back([done, allowed] {
      done(RateDecision{allowed, 0, allowed ? 0 : kSecond, DecisionSource::kFailureMode});
    });
  }
  ~FailingAsyncStore() override {
    for (auto& thread : threads_) thread.join();
  }
  std::vector<rules::StoreFailureMode> seen_modes;

 private:
  std::vector<std::thread> threads_;
};

TEST_F(PipelineTest, FailureModeDecisionsDenyOrAllowWithoutTenantAlerts) {
  packs_.swap(testing::compile_snapshot(kEnforcedPack, "v1"));
  FailingAsyncStore store;
  PipelineOptions options{"node-1", Mode::kEnforce, rules::StoreFailureMode::kClosed};
  Pipeline closed(options, packs_, store, sink_, metrics_);
  const ProcessResult refused = closed.process_and_wait(login("acme"), 0);
  EXPECT_TRUE(refused.limited);
  EXPECT_EQ(refused.retry_after_ns, kSecond);
  EXPECT_EQ(refused.alerts, 0u) << "the store-degraded platform alert covers it";
  options.store_failure = rules::StoreFailureMode::kOpen;
  Pipeline open(options, packs_, store, sink_, metrics_);
  EXPECT_FALSE(open.process_and_wait(login("acme"), 0).limited);
  EXPECT_TRUE(sink_.alerts().empty());
  // `local` is a real (per-node) verdict on the tenant: it limits and alerts.
  options.store_failure = rules::StoreFailureMode::kLocal;
  Pipeline local(options, packs_, store, sink_, metrics_);
  const ProcessResult local_result = local.process_and_wait(login("acme"), 0);
  EXPECT_TRUE(local_result.limited);
  EXPECT_EQ(local_result.alerts, 1u);
  EXPECT_EQ(store.seen_modes,
            (std::vector{rules::StoreFailureMode::kClosed, rules::StoreFailureMode::kOpen,
                         rules::StoreFailureMode::kLocal}));
  EXPECT_NE(metrics_.render().find("panguard_store_decisions_total{source=\"failure_mode\"} 3"),
            std::string::npos);
}

TEST_F(PipelineTest, RuleOverridesTheDefaultFailureMode) {
  std::string pack = kEnforcedPack;
  pack.replace(pack.find("    burst: 1\n"), 13, "    burst: 1\n    on_store_failure: open\n");
  packs_.swap(testing::compile_snapshot(pack, "v1"));
  FailingAsyncStore store;
  Pipeline pipeline(PipelineOptions{"node-1", Mode::kEnforce, rules::StoreFailureMode::kClosed},
                    packs_, store, sink_, metrics_);
  EXPECT_FALSE(pipeline.process_and_wait(login("acme"), 0).limited);
  EXPECT_EQ(store.seen_modes, std::vector{rules::StoreFailureMode::kOpen});
}

TEST_F(PipelineTest, NoPackDropsTheEvent) {
  packs_.swap(nullptr);
  Pipeline pipeline = make();
  const ProcessResult result = pipeline.process_and_wait(foreign_read("acme", "globex"), 0);
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
  pipeline.process_and_wait(login("acme"), 0);
  const auto alerts = sink_.alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Any login");
  EXPECT_EQ(alerts[0].pack_version, "v2");
}

TEST_F(PipelineTest, SinkFailureIsCountedAsDrop) {
  sink_.set_accept(false);
  Pipeline pipeline = make();
  pipeline.process_and_wait(foreign_read("acme", "globex"), 0);
  EXPECT_NE(metrics_.render().find("panguard_drops_total{stage=\"sink\"} 1"), std::string::npos);
}

TEST_F(PipelineTest, MetricsCountButNeverNameTenants) {
  Pipeline pipeline = make();
  pipeline.process_and_wait(foreign_read("tenant-alpha-7", "tenant-beta-9"), 0);
  for (int i = 0; i < 3; ++i) pipeline.process_and_wait(login("tenant-gamma-3"), 0);
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
        alerts += pipeline.process_and_wait(foreign_read(tenant, tenant + "-other"), 0).alerts;
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

// The usual case takes a shortcut (no Pending, no store): it must still answer exactly once,
// before process() returns, as evaluated, and a matching event right after must still alert.
TEST_F(PipelineTest, NonMatchingEventCompletesInlineOnceAsEvaluated) {
  Pipeline pipeline = make(Mode::kEnforce);
  int calls = 0;
  ProcessResult got;
  pipeline.process(foreign_read("acme", "acme"), 0, [&](ProcessResult result) {
    ++calls;
    got = std::move(result);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(got.evaluated);
  EXPECT_EQ(got.alerts, 0u);
  EXPECT_FALSE(got.denied);
  EXPECT_FALSE(got.limited);

  const ProcessResult denied = pipeline.process_and_wait(foreign_read("acme", "globex"), 1);
  EXPECT_TRUE(denied.denied);
  EXPECT_EQ(denied.alert_ids.size(), 1u);
}

}  // namespace
}  // namespace panguard::agent
