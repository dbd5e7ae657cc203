// Shared bits of the delivery sink tests: temp dirs, alerts, platform-event capture, and
// eventually() (eventually.h).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_id.h"
#include "eventually.h"

namespace panguard::integration {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pg-delivery-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct PlatformEvents {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> list;
  std::function<void(std::string, std::string)> callback() {
    return [this](std::string rule, std::string reason) {
      std::lock_guard lock(mutex);
      list.emplace_back(std::move(rule), std::move(reason));
    };
  }
  std::size_t count(const std::string& rule) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(
        std::count_if(list.begin(), list.end(), [&](const auto& e) { return e.first == rule; }));
  }
};

inline alerts::Alert make_alert(std::optional<std::string> tenant,
                                rules::Priority priority = rules::Priority::kCritical,
                                std::string rule = "Cross-tenant secret read") {
  alerts::Alert alert;
  alert.id = alerts::new_alert_id();
  alert.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  alert.rule = std::move(rule);
  alert.priority = priority;
  alert.tenant_id = std::move(tenant);
  alert.source = rules::Source::kVault;
  alert.output = "tenant reached outside its boundary\nsecond line";
  alert.node = "node-1";
  alert.pack_version = "7";
  return alert;
}

}  // namespace panguard::integration
