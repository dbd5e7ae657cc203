#include "alerts/router.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace panguard::alerts {
namespace {

using rules::Priority;

// Remembers every alert id it was given, with the tenant the alert carried.
class RecordingSink : public Sink {
 public:
  bool write(const Alert& alert) override {
    std::lock_guard lock(mutex_);
    seen.emplace_back(alert.id, alert.tenant_id);
    return !fail;
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> seen;
  bool fail = false;

 private:
  std::mutex mutex_;
};

Alert make_alert(std::optional<std::string> tenant, Priority priority, std::string id) {
  Alert alert;
  alert.id = std::move(id);
  alert.tenant_id = std::move(tenant);
  alert.priority = priority;
  alert.source = alert.tenant_id ? rules::Source::kVault : rules::Source::kPlatform;
  return alert;
}

RouteSpec route(std::string name, RouteScope scope, std::string tenant, std::shared_ptr<Sink> sink,
                Priority min = Priority::kDebug, bool include_platform = false) {
  return RouteSpec{std::move(name),  scope,          std::move(tenant), min,
                   include_platform, std::move(sink)};
}

TEST(RouterTest, TenantRouteGetsOnlyItsTenant) {
  auto acme = std::make_shared<RecordingSink>();
  auto globex = std::make_shared<RecordingSink>();
  Router router({route("a", RouteScope::kTenant, "acme", acme),
                 route("g", RouteScope::kTenant, "globex", globex)});
  EXPECT_TRUE(router.write(make_alert("acme", Priority::kCritical, "1")));
  EXPECT_TRUE(router.write(make_alert("globex", Priority::kCritical, "2")));
  EXPECT_TRUE(router.write(make_alert("initech", Priority::kCritical, "3")));
  EXPECT_TRUE(router.write(make_alert(std::nullopt, Priority::kCritical, "4")));
  ASSERT_EQ(acme->seen.size(), 1u);
  EXPECT_EQ(acme->seen[0].first, "1");
  ASSERT_EQ(globex->seen.size(), 1u);
  EXPECT_EQ(globex->seen[0].first, "2");
}

TEST(RouterTest, TenantPrefixesAreDifferentTenants) {
  auto acme = std::make_shared<RecordingSink>();
  Router router({route("a", RouteScope::kTenant, "acme", acme)});
  router.write(make_alert("acme2", Priority::kCritical, "1"));
  router.write(make_alert("acm", Priority::kCritical, "2"));
  router.write(make_alert("ACME", Priority::kCritical, "3"));
  router.write(make_alert("", Priority::kCritical, "4"));
  EXPECT_TRUE(acme->seen.empty());
}

TEST(RouterTest, SocAndPlatformScopes) {
  auto soc = std::make_shared<RecordingSink>();
  auto soc_with_platform = std::make_shared<RecordingSink>();
  auto platform = std::make_shared<RecordingSink>();
  Router router(
      {route("soc", RouteScope::kAllTenants, "", soc),
       route("soc+p", RouteScope::kAllTenants, "", soc_with_platform, Priority::kDebug, true),
       route("platform", RouteScope::kPlatform, "", platform)});
  router.write(make_alert("acme", Priority::kCritical, "t"));
  router.write(make_alert(std::nullopt, Priority::kCritical, "p"));
  ASSERT_EQ(soc->seen.size(), 1u);
  EXPECT_EQ(soc->seen[0].first, "t");
  EXPECT_EQ(soc_with_platform->seen.size(), 2u);
  ASSERT_EQ(platform->seen.size(), 1u);
  EXPECT_EQ(platform->seen[0].first, "p");
}

TEST(RouterTest, MinimumPriorityIsInclusive) {
  auto sink = std::make_shared<RecordingSink>();
  Router router({route("soc", RouteScope::kAllTenants, "", sink, Priority::kError)});
  router.write(make_alert("acme", Priority::kCritical, "critical"));
  router.write(make_alert("acme", Priority::kError, "error"));
  router.write(make_alert("acme", Priority::kWarning, "warning"));
  ASSERT_EQ(sink->seen.size(), 2u);
  EXPECT_EQ(sink->seen[0].first, "critical");
  EXPECT_EQ(sink->seen[1].first, "error");
}

TEST(RouterTest, CountsDeliveredAndFailedPerRoute) {
  auto good = std::make_shared<RecordingSink>();
  auto bad = std::make_shared<RecordingSink>();
  bad->fail = true;
  Router router({route("good", RouteScope::kAllTenants, "", good),
                 route("bad", RouteScope::kTenant, "acme", bad)});
  EXPECT_FALSE(router.write(make_alert("acme", Priority::kCritical, "1")));
  EXPECT_TRUE(router.write(make_alert("globex", Priority::kCritical, "2")));
  const auto stats = router.stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "good");
  EXPECT_EQ(stats[0].delivered, 2u);
  EXPECT_EQ(stats[0].failed, 0u);
  EXPECT_EQ(stats[1].name, "bad");
  EXPECT_EQ(stats[1].delivered, 0u);
  EXPECT_EQ(stats[1].failed, 1u);
}

TEST(RouterTest, RejectsBadTables) {
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_THROW(Router({route("", RouteScope::kAllTenants, "", sink)}), std::invalid_argument);
  EXPECT_THROW(Router({route("x", RouteScope::kAllTenants, "", sink),
                       route("x", RouteScope::kPlatform, "", sink)}),
               std::invalid_argument);
  EXPECT_THROW(Router({route("x", RouteScope::kTenant, "", sink)}), std::invalid_argument);
  EXPECT_THROW(Router({route("x", RouteScope::kAllTenants, "acme", sink)}), std::invalid_argument);
  EXPECT_THROW(Router({route("x", RouteScope::kPlatform, "", sink, Priority::kDebug, true)}),
               std::invalid_argument);
  EXPECT_THROW(Router({route("x", RouteScope::kAllTenants, "", nullptr)}), std::invalid_argument);
}

TEST(BoundTenantSinkTest, RefusesAndCountsAnotherTenantsAlert) {
  auto inner = std::make_shared<RecordingSink>();
  BoundTenantSink bound("acme", inner);
  EXPECT_FALSE(bound.write(make_alert("globex", Priority::kCritical, "1")));
  EXPECT_FALSE(bound.write(make_alert(std::nullopt, Priority::kCritical, "2")));
  EXPECT_TRUE(bound.write(make_alert("acme", Priority::kCritical, "3")));
  EXPECT_EQ(bound.refused(), 2u);
  ASSERT_EQ(inner->seen.size(), 1u);
  EXPECT_EQ(inner->seen[0].first, "3");
}

// Many tenants, several sinks each, SOC and platform routes, random priorities, several writer
// threads: every sink sees exactly the alerts it should, and never another tenant's.
TEST(RouterTest, RandomizedNoCrossTenantDelivery) {
  constexpr int kTenants = 40;
  constexpr int kAlerts = 20'000;
  std::mt19937 random(20261129);
  struct Expect {
    std::string tenant;  // empty: SOC or platform
    RouteScope scope;
    Priority min;
    bool include_platform;
    std::shared_ptr<RecordingSink> sink;
  };
  std::vector<Expect> expects;
  std::vector<RouteSpec> specs;
  const auto add = [&](std::string tenant, RouteScope scope, bool include_platform) {
    const auto min = static_cast<Priority>(random() % 8);
    auto sink = std::make_shared<RecordingSink>();
    expects.push_back({tenant, scope, min, include_platform, sink});
    specs.push_back(
        route("r" + std::to_string(specs.size()), scope, tenant, sink, min, include_platform));
  };
  for (int t = 0; t < kTenants; ++t) {
    const int sinks = 1 + static_cast<int>(random() % 4);
    for (int s = 0; s < sinks; ++s) add("tenant-" + std::to_string(t), RouteScope::kTenant, false);
  }
  add("", RouteScope::kAllTenants, false);
  add("", RouteScope::kAllTenants, true);
  add("", RouteScope::kPlatform, false);
  Router router(std::move(specs));

  // Alerts from 50 tenant ids (10 with no route) and some platform events.
  std::vector<Alert> alerts;
  for (int i = 0; i < kAlerts; ++i) {
    const int t = static_cast<int>(random() % 55);
    std::optional<std::string> tenant;
    if (t < 50) tenant = "tenant-" + std::to_string(t);
    alerts.push_back(make_alert(tenant, static_cast<Priority>(random() % 8), std::to_string(i)));
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = static_cast<std::size_t>(w); i < alerts.size(); i += 4) {
        router.write(alerts[i]);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::size_t total_seen = 0;
  for (const Expect& e : expects) {
    std::set<std::string> expected;
    for (const Alert& a : alerts) {
      if (a.priority > e.min) continue;
      bool wanted = false;
      switch (e.scope) {
        case RouteScope::kTenant:
          wanted = a.tenant_id == e.tenant;
          break;
        case RouteScope::kAllTenants:
          wanted = a.tenant_id || e.include_platform;
          break;
        case RouteScope::kPlatform:
          wanted = !a.tenant_id;
          break;
      }
      if (wanted) expected.insert(a.id);
    }
    std::set<std::string> seen;
    for (const auto& [id, tenant] : e.sink->seen) {
      if (e.scope == RouteScope::kTenant) {
        ASSERT_EQ(tenant, e.tenant) << "cross-tenant delivery of alert " << id;
      }
      EXPECT_TRUE(seen.insert(id).second) << "alert " << id << " delivered twice";
    }
    EXPECT_EQ(seen, expected);
    total_seen += seen.size();
  }
  EXPECT_GT(total_seen, static_cast<std::size_t>(kAlerts));  // the test exercised real traffic
  for (const auto& s : router.stats()) EXPECT_EQ(s.refused, 0u) << s.name;
}

}  // namespace
}  // namespace panguard::alerts
