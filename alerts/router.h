// Tenant-segregated alert routing (docs/alerts.md, "Routes"). The route table is built once and
// never changes, so write() takes no lock. A tenant route is found only through a map keyed by
// the alert's own tenant_id, and its sink is wrapped in a BoundTenantSink that re-checks: there
// is no code path that hands an alert to a tenant route of another tenant.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/bound_tenant_sink.h"
#include "alerts/route_scope.h"
#include "alerts/sink.h"
#include "rules/priority.h"

namespace panguard::alerts {

struct RouteSpec {
  std::string name;  // operator-chosen; the only route label in metrics
  RouteScope scope = RouteScope::kAllTenants;
  std::string tenant;                                      // kTenant only
  rules::Priority min_priority = rules::Priority::kDebug;  // least severe priority delivered
  bool include_platform = false;                           // kAllTenants only
  std::shared_ptr<Sink> sink;
};

// Platform events (pack refused, sensor drops, store degraded, delivery failures, and any alert
// whose tenant could not be verified) carry no tenant_id.
inline bool is_platform_event(const Alert& alert) { return !alert.tenant_id.has_value(); }

class Router : public Sink {
 public:
  // Throws std::invalid_argument on an empty or duplicate name, a tenant route without a
  // tenant, a tenant on another scope, include_platform off kAllTenants, or no sink.
  explicit Router(std::vector<RouteSpec> routes);

  // Delivers to every matching route; false if any of them failed (each failure is counted on
  // its route). An alert no route wants is not a failure.
  bool write(const Alert& alert) override;

  struct RouteStats {
    std::string name;
    uint64_t delivered = 0;
    uint64_t failed = 0;
    uint64_t refused = 0;  // tenant routes: refused by the bound-tenant check (a bug if > 0)
  };
  std::vector<RouteStats> stats() const;

 private:
  struct Route {
    std::string name;
    rules::Priority min_priority;
    std::shared_ptr<Sink> sink;
    const BoundTenantSink* bound = nullptr;  // set on tenant routes
    std::atomic<uint64_t> delivered{0};
    std::atomic<uint64_t> failed{0};
  };

  static bool deliver(Route& route, const Alert& alert);

  std::vector<std::unique_ptr<Route>> routes_;  // owns; the tables below point into it
  std::unordered_map<std::string, std::vector<Route*>> tenant_routes_;
  std::vector<Route*> all_tenant_routes_;
  std::vector<Route*> platform_routes_;  // kPlatform and kAllTenants with include_platform
};

}  // namespace panguard::alerts
