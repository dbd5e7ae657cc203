#include "alerts/json_lines_sink.h"

#include <cerrno>
#include <string>

namespace panguard::alerts {

bool JsonLinesSink::write(const Alert& alert) {
  std::string line = alert_to_json(alert, format_);
  line += '\n';

  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  // A pipe may accept a long line in pieces; the mutex keeps the pieces contiguous.
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace panguard::alerts
