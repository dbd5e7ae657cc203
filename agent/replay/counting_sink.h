// Passes alerts on to another sink and counts them by priority, for replay's summary.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "alerts/sink.h"

namespace panguard::agent {

class CountingSink : public alerts::Sink {
 public:
  explicit CountingSink(alerts::Sink& next) : next_(next) {}

  bool write(const alerts::Alert& alert) override {
    by_priority_[static_cast<std::size_t>(alert.priority)].fetch_add(1);
    const bool ok = next_.write(alert);
    if (!ok) failures_.fetch_add(1);
    return ok;
  }

  uint64_t count(rules::Priority priority) const {
    return by_priority_[static_cast<std::size_t>(priority)].load();
  }
  uint64_t failures() const { return failures_.load(); }

 private:
  alerts::Sink& next_;
  std::array<std::atomic<uint64_t>, 8> by_priority_{};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace panguard::agent
