#include "agent/replay/progress.h"

namespace panguard::agent {

void ProgressLine::update(uint64_t bytes_done, uint64_t events) {
  if (!enabled_ || (events & 0x3ff) != 0) return;  // check the clock every 1024 events only
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  drawn_ = true;
  const uint64_t percent = total_bytes_ ? bytes_done * 100 / total_bytes_ : 0;
  out_ << "\rreplay: " << events << " events, " << percent << "%   " << std::flush;
}

void ProgressLine::finish() {
  if (drawn_) out_ << "\r\033[K" << std::flush;
}

}  // namespace panguard::agent
