#include "alerts/tenant_summary.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/router.h"

namespace panguard::alerts {
namespace {

using rules::Priority;

class RecordingSink : public Sink {
 public:
  bool write(const Alert& alert) override {
    std::lock_guard lock(mutex_);
    seen.push_back(alert);
    return true;
  }
  std::vector<Alert> summaries() {
    std::lock_guard lock(mutex_);
    std::vector<Alert> out;
    for (const Alert& a : seen) {
      if (a.rule == kTenantSummaryRule) out.push_back(a);
    }
    return out;
  }
  std::vector<Alert> seen;

 private:
  std::mutex mutex_;
};

Alert alert_for(std::optional<std::string> tenant, Priority priority,
                rules::Action action = rules::Action::kAlert) {
  Alert alert;
  alert.id = "id";
  alert.rule = "Cross-tenant secret read";
  alert.tenant_id = std::move(tenant);
  alert.priority = priority;
  alert.action = action;
  alert.source = rules::Source::kVault;
  return alert;
}

int64_t field(const Alert& alert, const std::string& name) {
  for (const auto& [key, value] : alert.output_fields) {
    if (key == name) return std::get<int64_t>(value);
  }
  return -1;
}

struct FakeClock {
  std::atomic<int64_t> now{1'000};
  TenantSummary::Clock clock() {
    return [this] { return now.load(); };
  }
};

TEST(TenantSummaryTest, CountsPerTenantByPriorityAndDeniesThenResets) {
  auto sink = std::make_shared<RecordingSink>();
  FakeClock clock;
  TenantSummary summary(sink, "node-1", clock.clock());
  EXPECT_TRUE(summary.write(alert_for("acme", Priority::kCritical)));
  summary.write(alert_for("acme", Priority::kCritical, rules::Action::kDeny));
  summary.write(alert_for("acme", Priority::kWarning));
  summary.write(alert_for("globex", Priority::kWarning));
  summary.write(alert_for(std::nullopt, Priority::kCritical));  // platform: not a tenant's
  EXPECT_EQ(sink->seen.size(), 5u);  // every alert passes through unchanged

  clock.now = 61'000;
  EXPECT_EQ(summary.flush(), 2u);
  std::map<std::string, Alert> by_tenant;
  for (const Alert& s : sink->summaries()) by_tenant[*s.tenant_id] = s;
  ASSERT_EQ(by_tenant.size(), 2u);
  const Alert& acme = by_tenant.at("acme");
  EXPECT_EQ(acme.priority, Priority::kInformational);
  EXPECT_EQ(acme.node, "node-1");
  EXPECT_EQ(acme.time_ns, 61'000);
  EXPECT_FALSE(acme.id.empty());
  EXPECT_EQ(field(acme, "summary.alerts"), 3);
  EXPECT_EQ(field(acme, "summary.critical"), 2);
  EXPECT_EQ(field(acme, "summary.warning"), 1);
  EXPECT_EQ(field(acme, "summary.denies"), 1);
  EXPECT_EQ(field(acme, "summary.period_start_ns"), 1'000);
  EXPECT_EQ(field(acme, "summary.period_end_ns"), 61'000);
  EXPECT_EQ(field(acme, "summary.notice"), -1);  // only priorities seen
  EXPECT_NE(acme.output.find("3 alert(s) (critical 2, warning 1), 1 denied"), std::string::npos)
      << acme.output;
  EXPECT_EQ(field(by_tenant.at("globex"), "summary.alerts"), 1);
  EXPECT_EQ(field(by_tenant.at("globex"), "summary.denies"), 0);

  // A new period starts empty: no activity, no summary; then only the tenant that was active.
  clock.now = 121'000;
  EXPECT_EQ(summary.flush(), 0u);
  summary.write(alert_for("globex", Priority::kNotice));
  clock.now = 181'000;
  EXPECT_EQ(summary.flush(), 1u);
  const auto all = sink->summaries();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(*all.back().tenant_id, "globex");
  EXPECT_EQ(field(all.back(), "summary.alerts"), 1);
  EXPECT_EQ(field(all.back(), "summary.period_start_ns"), 121'000);
}

TEST(TenantSummaryTest, SummariesAreNotCountedAsActivity) {
  auto sink = std::make_shared<RecordingSink>();
  FakeClock clock;
  auto summary = std::make_shared<TenantSummary>(sink, "n", clock.clock());
  summary->write(alert_for("acme", Priority::kCritical));
  EXPECT_EQ(summary->flush(), 1u);
  // The summary went downstream without passing through write(), so it is no activity of its
  // own: the next period, with no traffic, emits nothing.
  ASSERT_EQ(sink->summaries().size(), 1u);
  EXPECT_EQ(summary->flush(), 0u);
}

TEST(TenantSummaryTest, ATenantsSummaryReachesOnlyItsOwnRoutes) {
  auto acme = std::make_shared<RecordingSink>();
  auto globex = std::make_shared<RecordingSink>();
  auto soc = std::make_shared<RecordingSink>();
  auto platform = std::make_shared<RecordingSink>();
  auto router = std::make_shared<Router>(std::vector<RouteSpec>{
      {"route-a", RouteScope::kTenant, "acme", Priority::kDebug, false, acme},
      {"route-g", RouteScope::kTenant, "globex", Priority::kDebug, false, globex},
      {"soc", RouteScope::kAllTenants, "", Priority::kDebug, false, soc},
      {"platform", RouteScope::kPlatform, "", Priority::kDebug, false, platform}});
  FakeClock clock;
  TenantSummary summary(router, "n", clock.clock());
  for (int i = 0; i < 3; ++i) summary.write(alert_for("acme", Priority::kCritical));
  EXPECT_EQ(summary.flush(), 1u);

  ASSERT_EQ(acme->summaries().size(), 1u);
  EXPECT_EQ(*acme->summaries()[0].tenant_id, "acme");
  EXPECT_TRUE(globex->summaries().empty());
  EXPECT_TRUE(globex->seen.empty());
  EXPECT_EQ(soc->summaries().size(), 1u);
  EXPECT_TRUE(platform->seen.empty());
}

TEST(TenantSummaryTest, CountsFromManyThreadsWhileFlushing) {
  auto sink = std::make_shared<RecordingSink>();
  FakeClock clock;
  TenantSummary summary(sink, "n", clock.clock());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2'000;
  std::atomic<bool> done{false};
  std::thread flusher([&] {
    while (!done) summary.flush();
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      const std::string tenant = t % 2 == 0 ? "acme" : "globex";
      for (int i = 0; i < kPerThread; ++i) summary.write(alert_for(tenant, Priority::kWarning));
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  flusher.join();
  summary.flush();
  // Every alert is counted in exactly one period: the summaries add up to what was written.
  std::map<std::string, int64_t> totals;
  for (const Alert& s : sink->summaries()) totals[*s.tenant_id] += field(s, "summary.alerts");
  EXPECT_EQ(totals["acme"], kThreads / 2 * kPerThread);
  EXPECT_EQ(totals["globex"], kThreads / 2 * kPerThread);
}

}  // namespace
}  // namespace panguard::alerts
