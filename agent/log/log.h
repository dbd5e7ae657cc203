// Leveled logging to stderr, one write(2) per line so concurrent lines never interleave.
// Never log secrets, tokens or JWTs: log what happened and where, not the credential.
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace panguard::agent::log {

enum class Level { kDebug, kInfo, kWarning, kError };

std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

void set_level(Level level);
bool enabled(Level level);
// Writes "<time> <level> <message>\n" to stderr when the level is enabled.
void write(Level level, std::string_view message);

template <typename... Parts>
void emit(Level level, const Parts&... parts) {
  if (!enabled(level)) return;
  std::ostringstream out;
  (out << ... << parts);
  write(level, out.str());
}

// For log lines about a repeating failure: true on the 1st, 2nd, 4th, 8th... occurrence, so a
// persistent fault stays visible without flooding stderr. The metric counts every occurrence.
inline bool should_log_occurrence(uint64_t occurrence) {
  return occurrence != 0 && (occurrence & (occurrence - 1)) == 0;
}

template <typename... Parts>
void debug(const Parts&... parts) {
  emit(Level::kDebug, parts...);
}
template <typename... Parts>
void info(const Parts&... parts) {
  emit(Level::kInfo, parts...);
}
template <typename... Parts>
void warning(const Parts&... parts) {
  emit(Level::kWarning, parts...);
}
template <typename... Parts>
void error(const Parts&... parts) {
  emit(Level::kError, parts...);
}

}  // namespace panguard::agent::log
