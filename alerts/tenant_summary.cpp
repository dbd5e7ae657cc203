#include "alerts/tenant_summary.h"

#include <utility>
#include <vector>

#include "alerts/alert_id.h"
#include "alerts/router.h"

namespace panguard::alerts {
namespace {

constexpr std::size_t kPriorities = static_cast<std::size_t>(rules::Priority::kDebug) + 1;
static_assert(kPriorities == 8);

}  // namespace

TenantSummary::TenantSummary(std::shared_ptr<Sink> downstream, std::string node, Clock clock)
    : downstream_(std::move(downstream)), node_(std::move(node)), clock_(std::move(clock)) {
  period_start_ns_ = clock_();
}

bool TenantSummary::write(const Alert& alert) {
  // Summaries are written straight downstream by flush(), so they never count themselves.
  if (!is_platform_event(alert)) {
    std::lock_guard lock(mutex_);
    Figures& figures = period_[*alert.tenant_id];
    ++figures.alerts;
    ++figures.alerts_by_priority[static_cast<std::size_t>(alert.priority)];
    figures.matches += alert.count;
    if (alert.action == rules::Action::kDeny) ++figures.denies;
  }
  return downstream_->write(alert);
}

std::size_t TenantSummary::flush() {
  std::unordered_map<std::string, Figures> ended;
  int64_t start_ns = 0;
  const int64_t end_ns = clock_();
  {
    std::lock_guard lock(mutex_);
    ended.swap(period_);  // the next period starts empty: no tenant figures outlive it
    start_ns = period_start_ns_;
    period_start_ns_ = end_ns;
  }
  for (const auto& [tenant, figures] : ended) {
    Alert summary;
    summary.id = new_alert_id();
    summary.time_ns = end_ns;
    summary.rule = kTenantSummaryRule;
    summary.priority = rules::Priority::kInformational;
    summary.tenant_id = tenant;
    summary.source = rules::Source::kPlatform;
    summary.node = node_;
    summary.tags = {"summary"};
    std::string by_priority;
    summary.output_fields = {
        {"tenant.id", tenant},
        {"summary.period_start_ns", start_ns},
        {"summary.period_end_ns", end_ns},
        {"summary.alerts", static_cast<int64_t>(figures.alerts)},
        {"summary.matches", static_cast<int64_t>(figures.matches)},
        {"summary.denies", static_cast<int64_t>(figures.denies)},
    };
    for (std::size_t p = 0; p < kPriorities; ++p) {
      const uint64_t n = figures.alerts_by_priority[p];
      if (n == 0) continue;
      const std::string name(rules::priority_name(static_cast<rules::Priority>(p)));
      summary.output_fields.emplace_back("summary." + name, static_cast<int64_t>(n));
      by_priority += (by_priority.empty() ? "" : ", ") + name + " " + std::to_string(n);
    }
    summary.output = "Tenant security summary: " + std::to_string(figures.alerts) + " alert(s) (" +
                     by_priority + "), " + std::to_string(figures.denies) +
                     " denied request(s) this period (tenant=" + tenant + ")";
    downstream_->write(summary);
  }
  return ended.size();
}

}  // namespace panguard::alerts
