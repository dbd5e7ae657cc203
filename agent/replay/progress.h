// A single self-overwriting progress line on stderr for long replays, shown only when stderr
// is a terminal so logs and CI output stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

namespace panguard::agent {

class ProgressLine {
 public:
  // Files smaller than this finish too fast for a progress line to help.
  static constexpr uint64_t kMinBytes = 4 * 1024 * 1024;

  ProgressLine(std::ostream& out, bool enabled, uint64_t total_bytes)
      : out_(out), enabled_(enabled && total_bytes >= kMinBytes), total_bytes_(total_bytes) {}

  // Cheap to call per event: redraws at most every 200 ms.
  void update(uint64_t bytes_done, uint64_t events);
  // Clears the line so the summary starts on a clean one.
  void finish();

 private:
  std::ostream& out_;
  const bool enabled_;
  const uint64_t total_bytes_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace panguard::agent
