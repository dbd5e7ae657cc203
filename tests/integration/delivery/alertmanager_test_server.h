// A real prometheus-alertmanager on a loopback port with its own storage dir and a minimal
// config (clustering off), for the Alertmanager sink and daemon delivery tests; its alerts are
// read back from GET /api/v2/alerts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "process.h"

namespace panguard::integration {

inline constexpr const char* kAlertmanagerBin = "/usr/bin/prometheus-alertmanager";

// GET over HTTP/1.0 so the body is never chunked; {status, body}, status 0 when unreachable.
std::pair<int, std::string> http10_get(uint16_t port, const std::string& target);

class AlertmanagerServer {
 public:
  // Picks a free port and writes the config under `dir`.
  explicit AlertmanagerServer(const std::string& dir);
  // Starts Alertmanager and waits until /-/ready answers; throws on failure.
  void start();
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Alertmanager's view of its alerts, keyed by the alert_id annotation.
  std::map<std::string, nlohmann::json> alerts() const;

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace panguard::integration
