#include "agent/log/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "rules/event_json.h"

namespace panguard::agent::log {
namespace {

constexpr std::array<std::string_view, 4> kNames = {"debug", "info", "warning", "error"};
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_write_mutex;  // long lines to a pipe can be split; keep them whole

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string_view level_name(Level level) { return kNames[static_cast<std::size_t>(level)]; }

void set_level(Level level) { g_level.store(level); }

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = rules::format_rfc3339_utc(now_ns());
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += message;
  line += '\n';
  std::lock_guard lock(g_write_mutex);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report it
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace panguard::agent::log
