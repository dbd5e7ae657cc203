// Which alerts a route takes (docs/alerts.md, "Routes").
#pragma once

namespace panguard::alerts {

enum class RouteScope {
  kTenant,      // alerts whose tenant_id equals the route's one tenant
  kAllTenants,  // every tenant's alerts (the SOC); platform events too when asked
  kPlatform,    // platform events only: alerts without a tenant_id
};

}  // namespace panguard::alerts
