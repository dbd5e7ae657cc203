// Wall-clock time behind an interface so that rate limits and alert times are testable.
#pragma once

#include <atomic>
#include <cstdint>

namespace panguard::agent {

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  // Nanoseconds since the Unix epoch (UTC).
  virtual int64_t now_ns() const = 0;
};

class RealTimeSource : public TimeSource {
 public:
  int64_t now_ns() const override;
};

// Tests set and advance time by hand.
class ManualTimeSource : public TimeSource {
 public:
  explicit ManualTimeSource(int64_t start_ns = 0) : now_(start_ns) {}
  int64_t now_ns() const override { return now_.load(); }
  void set(int64_t ns) { now_.store(ns); }
  void advance(int64_t ns) { now_.fetch_add(ns); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace panguard::agent
