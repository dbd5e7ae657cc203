// The kernel half of the sensor, libbpf-bootstrap style: open -> configure -> load -> attach,
// each step failing with a message that names the step and the cause; then poll() drains the
// ring buffer into a record handler. No RLIMIT_MEMLOCK change: kernels >= 5.11 account BPF
// memory to the memory cgroup, and an EPERM is reported as a privilege problem, not retried.
//
// Built without eBPF support (PANGUARD_HAVE_BPF=0), start() reports that and nothing else.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace panguard::agent::sensor {

inline constexpr std::size_t kEventKinds = 5;  // PG_EV_KIND_MAX: drop counters by kind

struct BpfSensorOptions {
  std::vector<uint16_t> watched_ports{8200, 4222};
  uint32_t payload_bytes = 128;          // <= 256
  uint32_t ring_buffer_bytes = 1 << 20;  // power of two, >= the page size
  bool process_events = true;            // exec and exit records
  bool all_connects = false;             // connect records for every port, not only watched
  uint32_t own_tgid = 0;                 // this process: its own traffic is not reported
  // Tracepoints attach through tracefs: mount it at /sys/kernel/tracing when neither it nor
  // /sys/kernel/debug/tracing is there (root only; logged).
  bool mount_tracefs = true;
};

class BpfSensor {
 public:
  using RecordHandler = std::function<void(std::span<const std::byte>)>;

  explicit BpfSensor(BpfSensorOptions options);
  ~BpfSensor();
  BpfSensor(const BpfSensor&) = delete;
  BpfSensor& operator=(const BpfSensor&) = delete;

  // "" when every program is attached; otherwise "<step>: <why>" and nothing stays loaded.
  std::string start(RecordHandler handler);
  bool running() const { return state_ != nullptr; }

  // Drains what the ring buffer holds, waiting up to timeout_ms for the first record.
  // Returns the records handled, or -errno (-EINTR is harmless).
  int poll(int timeout_ms);

  // Records lost in the kernel because the ring buffer was full, summed over CPUs, by kind.
  std::array<uint64_t, kEventKinds> drops() const;

  // Detaches and unloads; poll() must not run concurrently. Idempotent.
  void stop();

 private:
  struct State;
  BpfSensorOptions options_;
  RecordHandler handler_;
  State* state_ = nullptr;
};

// Validates options before any kernel work: "" or why not.
std::string validate(const BpfSensorOptions& options);

}  // namespace panguard::agent::sensor
