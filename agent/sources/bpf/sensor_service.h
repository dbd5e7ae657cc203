// The eBPF sensor inside `panguard run`: BpfSensor records -> events (with workload identity)
// -> the pipeline, on one poll thread. Kernel drop counters are read every
// drop_report_period into panguard_drops_total{stage="sensor_ring"} and, at most once per
// drop_alert_period, a platform alert. When the kernel or the privileges refuse, start()
// returns why, the service stays degraded (ok() false, status() says why) and the agent
// keeps running without it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "agent/sources/bpf/bpf_sensor.h"
#include "agent/sources/bpf/peer_resolver.h"
#include "agent/sources/bpf/sensor_events.h"

namespace panguard::agent {
class Metrics;
class Pipeline;
class TimeSource;
}  // namespace panguard::agent

namespace panguard::agent::sensor {

struct SensorServiceOptions {
  BpfSensorOptions bpf;
  std::string node_name;
  std::string cgroup_root;                 // empty: detected from /proc/self/mountinfo
  std::vector<uint16_t> nats_ports{4222};  // sends here also become nats.* events
  std::chrono::milliseconds drop_report_period{5'000};
  std::chrono::milliseconds drop_alert_period{60'000};
};

class SensorService {
 public:
  // `pods` may be null: events then carry pod UIDs but no namespace or tenant.
  SensorService(SensorServiceOptions options, std::unique_ptr<identity::PodDirectory> pods,
                Pipeline& pipeline, Metrics& metrics, const TimeSource& clock);
  ~SensorService();

  // "" when running; otherwise the reason, also kept in status().
  std::string start();
  void stop();

  bool ok() const { return ok_.load(); }
  std::string status() const;  // "running" or "degraded: <why>"

  uint64_t events() const { return events_.load(); }

  // Who opened a connection to one of the agent's listeners (the Vault proxy's clients); null
  // unless the sensor is running. Set in start(), before any other thread can ask.
  std::shared_ptr<const PeerResolver> peer_resolver() const { return peers_; }

 private:
  void poll_loop();
  void on_record(std::span<const std::byte> record);
  void report_drops(std::chrono::steady_clock::time_point now);

  const SensorServiceOptions options_;
  std::shared_ptr<const identity::PodDirectory> pods_;  // shared with peers_
  Pipeline& pipeline_;
  Metrics& metrics_;
  const TimeSource& clock_;
  std::shared_ptr<identity::CgroupPaths> cgroups_;  // shared with peers_
  std::unique_ptr<identity::WorkloadResolver> resolver_;
  std::shared_ptr<const PeerResolver> peers_;
  EventContext context_;
  BpfSensor sensor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ok_{false};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> bad_records_{0};
  mutable std::mutex status_mutex_;
  std::string status_ = "not started";
  // Poll thread only.
  std::array<uint64_t, kEventKinds> last_drops_{};
  uint64_t last_enforce_denials_ = 0;
  std::chrono::steady_clock::time_point last_drop_read_{};
  std::chrono::steady_clock::time_point last_drop_alert_{};
  uint64_t unreported_drops_ = 0;
  bool alerted_once_ = false;
};

}  // namespace panguard::agent::sensor
