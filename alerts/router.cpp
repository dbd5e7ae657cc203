#include "alerts/router.h"

#include <set>
#include <stdexcept>

namespace panguard::alerts {

Router::Router(std::vector<RouteSpec> specs) {
  std::set<std::string> names;
  for (RouteSpec& spec : specs) {
    if (spec.name.empty()) throw std::invalid_argument("route name must not be empty");
    if (!names.insert(spec.name).second) {
      throw std::invalid_argument("duplicate route name '" + spec.name + "'");
    }
    if (!spec.sink) throw std::invalid_argument("route '" + spec.name + "' has no sink");
    if ((spec.scope == RouteScope::kTenant) == spec.tenant.empty()) {
      throw std::invalid_argument("route '" + spec.name +
                                  "': a tenant is required with scope tenant, and only there");
    }
    if (spec.include_platform && spec.scope != RouteScope::kAllTenants) {
      throw std::invalid_argument("route '" + spec.name +
                                  "': include_platform is for scope all_tenants only");
    }
    auto route = std::make_unique<Route>();
    route->name = spec.name;
    route->min_priority = spec.min_priority;
    switch (spec.scope) {
      case RouteScope::kTenant: {
        auto bound = std::make_shared<BoundTenantSink>(spec.tenant, std::move(spec.sink));
        route->bound = bound.get();
        route->sink = std::move(bound);
        tenant_routes_[spec.tenant].push_back(route.get());
        break;
      }
      case RouteScope::kAllTenants:
        route->sink = std::move(spec.sink);
        all_tenant_routes_.push_back(route.get());
        if (spec.include_platform) platform_routes_.push_back(route.get());
        break;
      case RouteScope::kPlatform:
        route->sink = std::move(spec.sink);
        platform_routes_.push_back(route.get());
        break;
    }
    routes_.push_back(std::move(route));
  }
}

bool Router::deliver(Route& route, const Alert& alert) {
  // Priorities run from most severe (0) to least: deliver what is at least as severe.
  if (alert.priority > route.min_priority) return true;
  if (route.sink->write(alert)) {
    route.delivered.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  route.failed.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool Router::write(const Alert& alert) {
  bool ok = true;
  if (is_platform_event(alert)) {
    for (Route* route : platform_routes_) ok &= deliver(*route, alert);
    return ok;
  }
  // The only way to a tenant route: the alert's own tenant_id as the key.
  if (const auto it = tenant_routes_.find(*alert.tenant_id); it != tenant_routes_.end()) {
    for (Route* route : it->second) ok &= deliver(*route, alert);
  }
  for (Route* route : all_tenant_routes_) ok &= deliver(*route, alert);
  return ok;
}

std::vector<Router::RouteStats> Router::stats() const {
  std::vector<RouteStats> out;
  for (const auto& route : routes_) {
    out.push_back({route->name, route->delivered.load(std::memory_order_relaxed),
                   route->failed.load(std::memory_order_relaxed),
                   route->bound ? route->bound->refused() : 0});
  }
  return out;
}

}  // namespace panguard::alerts
