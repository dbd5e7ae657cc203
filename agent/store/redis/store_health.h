// Whether the shared counter store is answering, and the rate-limited "store degraded" /
// "store recovered" reports the platform alert and metric are built from.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace panguard::agent {

struct StoreHealthEvent {
  bool degraded = false;                 // true: "store degraded", false: "store recovered"
  std::string reason;                    // why the last call failed; no key or tenant in it
  uint64_t failed_calls_since_last = 0;  // calls answered by the failure mode since the last event
};

using StoreHealthListener = std::function<void(const StoreHealthEvent&)>;

// Any failed call makes the store degraded, any successful one healthy again. Reports are
// rate-limited so a flapping store cannot flood the platform stream: at most one "degraded" per
// `report_period_ns` (a degradation that starts sooner is kept quiet and counted into the next
// report), and a "recovered" only closes an episode whose "degraded" was reported. The listener
// runs under this object's lock, on whichever thread saw the change: it must be quick and must
// not call back into the store.
class StoreHealth {
 public:
  using Clock = std::function<int64_t()>;  // monotonic nanoseconds

  StoreHealth(int64_t report_period_ns, StoreHealthListener listener, Clock clock);

  // Returns true when this failure turned a healthy store degraded.
  bool on_failure(std::string_view reason);
  void on_success() {
    if (degraded_.load(std::memory_order_acquire)) recover();
  }
  // Re-reports a lasting degradation whose failures have not been reported yet, once the
  // report period allows it (for when traffic stops while the store is down).
  void tick();

  bool healthy() const { return !degraded_.load(std::memory_order_acquire); }
  uint64_t degraded_reports() const { return degraded_reports_.load(std::memory_order_relaxed); }
  uint64_t recovered_reports() const { return recovered_reports_.load(std::memory_order_relaxed); }

 private:
  void recover();
  void report_degraded_if_due(int64_t now);  // lock held

  const int64_t report_period_ns_;
  const StoreHealthListener listener_;
  const Clock clock_;

  std::atomic<bool> degraded_{false};
  std::atomic<uint64_t> degraded_reports_{0};
  std::atomic<uint64_t> recovered_reports_{0};
  std::mutex mutex_;
  bool episode_reported_ = false;  // the current degradation's "degraded" went out
  bool ever_reported_ = false;
  int64_t last_report_ns_ = 0;
  uint64_t failed_since_report_ = 0;
  std::string last_reason_;
};

}  // namespace panguard::agent
