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
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace panguard::agent::sensor {

class PeerTable;

inline constexpr std::size_t kEventKinds = 5;  // PG_EV_KIND_MAX: drop counters by kind

// A destination the enforcement program guards: an IPv6 address, or IPv4 as IPv4-mapped IPv6.
struct EnforcedAddress {
  std::array<uint8_t, 16> address{};  // network byte order
  uint16_t port = 0;
};

// enforce.vault_direct: deny (docs/ebpf.md "Enforcement"): the cgroup/connect4|6 programs
// refuse connects to vault_addresses from tasks under scope_cgroup_id unless the caller is this
// process or sits under one of allowed_cgroup_ids. Off: they only observe.
struct BpfEnforceOptions {
  bool deny_vault_direct = false;
  std::vector<EnforcedAddress> vault_addresses;  // 1..64 when deny_vault_direct
  std::vector<uint64_t> allowed_cgroup_ids;      // subtrees; at most 64
  uint64_t scope_cgroup_id = 0;                  // enforce.attach_cgroup's id (a subtree)
};

struct BpfSensorOptions {
  std::vector<uint16_t> watched_ports{8200, 4222};
  uint32_t payload_bytes = 128;          // <= 256
  uint32_t ring_buffer_bytes = 1 << 20;  // power of two, >= the page size
  bool process_events = true;            // exec and exit records
  bool all_connects = false;             // connect records for every port, not only watched
  uint32_t own_tgid = 0;                 // this process: its own traffic is not reported
  // The cgroup v2 root directory the connect programs attach to (they see every connect under
  // it); "" finds the unified mount in /proc/self/mountinfo.
  std::string cgroup_root_dir;
  // exec/exit only from tasks under these cgroup v2 ids (subtrees); empty: every task.
  std::vector<uint64_t> watched_cgroup_ids;
  BpfEnforceOptions enforce;
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

  // Drains what the ring buffer holds, waiting up to timeout_ms for a wakeup. Send records
  // wake the caller only in batches, so timeout_ms is also how long a lone one may wait.
  // Returns the records handled, or -errno (-EINTR is harmless).
  int poll(int timeout_ms);

  // Records lost in the kernel because the ring buffer was full, summed over CPUs, by kind.
  std::array<uint64_t, kEventKinds> drops() const;

  // Connects refused by the enforcement program since start, summed over CPUs.
  uint64_t enforce_denials() const;

  // What this kernel left out while running ("" when nothing): send capture needs the
  // tcp_sendmsg_locked and sock_send_length tracepoints (Linux 6.12+); without them the
  // rest of the sensor runs and this says so.
  const std::string& limitation() const { return limitation_; }

  // Who connected to the agent's own listeners (bpf/peer.bpf.c), over copies of the map fds;
  // null when not running. Listening ports are added through it once they are bound.
  std::shared_ptr<PeerTable> peer_table() const;

  // Detaches and unloads; poll() must not run concurrently. Idempotent.
  void stop();

 private:
  struct State;
  BpfSensorOptions options_;
  RecordHandler handler_;
  std::string limitation_;
  State* state_ = nullptr;
};

// Validates options before any kernel work: "" or why not.
std::string validate(const BpfSensorOptions& options);

}  // namespace panguard::agent::sensor
