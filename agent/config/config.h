// The agent's configuration: validated once at start, then immutable and shared read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/log/log.h"
#include "alerts/alert_json.h"

namespace panguard::agent {

enum class Mode { kMonitor, kEnforce };

struct ListenAddress {
  std::string host;  // IP literal, always loopback
  uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:9464", "[::1]:9464"
};

// Plain values, filled by the loader; Config freezes them.
struct ConfigValues {
  std::string node_name;
  Mode mode = Mode::kMonitor;
  std::vector<std::string> rule_paths;  // empty: the embedded default pack
  ListenAddress admin_listen{"127.0.0.1", 9464};
  bool allow_event_ingest = false;
  alerts::AlertFormat alert_format = alerts::AlertFormat::kPanguard;
  log::Level log_level = log::Level::kInfo;
};

class Config {
 public:
  explicit Config(ConfigValues values) : values_(std::move(values)) {}

  const std::string& node_name() const { return values_.node_name; }
  Mode mode() const { return values_.mode; }
  const std::vector<std::string>& rule_paths() const { return values_.rule_paths; }
  const ListenAddress& admin_listen() const { return values_.admin_listen; }
  bool allow_event_ingest() const { return values_.allow_event_ingest; }
  alerts::AlertFormat alert_format() const { return values_.alert_format; }
  log::Level log_level() const { return values_.log_level; }

 private:
  const ConfigValues values_;
};

}  // namespace panguard::agent
