// Per-tenant security figures as periodic summary alerts (docs/alerts.md "Tenant summaries"):
// Prometheus carries no tenant label, so each tenant's own figures go out as one informational
// alert per period on that tenant's routes. Sits in front of the router: write() counts the
// alert under its tenant and passes it on; flush() emits one "Tenant security summary" per
// tenant seen since the last flush, with tenant_id set, so the router delivers it only to that
// tenant's routes (and all_tenants routes), then starts a new period with an empty map.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "alerts/sink.h"
#include "rules/priority.h"

namespace panguard::alerts {

inline constexpr const char* kTenantSummaryRule = "Tenant security summary";

class TenantSummary : public Sink {
 public:
  using Clock = std::function<int64_t()>;  // wall-clock ns: period bounds and the alert time

  // `downstream` receives every alert and the summaries (normally the router).
  TenantSummary(std::shared_ptr<Sink> downstream, std::string node, Clock clock);

  // Counts a tenant alert (platform events are not counted), then forwards it. Thread-safe.
  bool write(const Alert& alert) override;

  // Ends the period: one summary per tenant with activity, written downstream outside the lock.
  // Returns how many summaries were emitted. Thread-safe; called by a timer and at shutdown.
  std::size_t flush();

 private:
  struct Figures {
    std::array<uint64_t, 8> alerts_by_priority{};  // by rules::Priority
    uint64_t alerts = 0;
    uint64_t matches = 0;  // sum of Alert::count: matches a dedup window folded into the alerts
    uint64_t denies = 0;   // alerts whose request was refused (action deny)
  };

  const std::shared_ptr<Sink> downstream_;
  const std::string node_;
  const Clock clock_;

  std::mutex mutex_;
  std::unordered_map<std::string, Figures> period_;  // tenant id -> figures, this period only
  int64_t period_start_ns_ = 0;
};

}  // namespace panguard::alerts
