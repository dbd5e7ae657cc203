#include "agent/store/redis/store_health.h"

namespace panguard::agent {

StoreHealth::StoreHealth(int64_t report_period_ns, StoreHealthListener listener, Clock clock)
    : report_period_ns_(report_period_ns),
      listener_(std::move(listener)),
      clock_(std::move(clock)) {}

bool StoreHealth::on_failure(std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++failed_since_report_;
  last_reason_.assign(reason);
  const bool was_healthy = !degraded_.exchange(true, std::memory_order_acq_rel);
  report_degraded_if_due(clock_());
  return was_healthy;
}

void StoreHealth::tick() {
  std::lock_guard lock(mutex_);
  if (degraded_.load(std::memory_order_acquire) && failed_since_report_ > 0) {
    report_degraded_if_due(clock_());
  }
}

void StoreHealth::report_degraded_if_due(int64_t now) {
  if (ever_reported_ && now - last_report_ns_ < report_period_ns_) return;
  ever_reported_ = true;
  episode_reported_ = true;
  last_report_ns_ = now;
  degraded_reports_.fetch_add(1, std::memory_order_relaxed);
  const StoreHealthEvent event{true, last_reason_, failed_since_report_};
  failed_since_report_ = 0;
  if (listener_) listener_(event);
}

void StoreHealth::recover() {
  std::lock_guard lock(mutex_);
  if (!degraded_.exchange(false, std::memory_order_acq_rel)) return;
  if (!episode_reported_) return;  // a quiet blip: its failures go into the next report
  episode_reported_ = false;
  recovered_reports_.fetch_add(1, std::memory_order_relaxed);
  const StoreHealthEvent event{false, "store answering again", failed_since_report_};
  failed_since_report_ = 0;
  if (listener_) listener_(event);
}

}  // namespace panguard::agent
