// Helpers for the real-kernel eBPF tests: a kubepods-shaped cgroup v2 hierarchy that removes
// itself, listeners on ephemeral ports, a child process that waits to be moved into a cgroup
// before it runs its script, and a fixture holding a started sensor and the events it produced.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "agent/sources/bpf/bpf_sensor.h"
#include "agent/sources/bpf/sensor_events.h"
#include "rules/event.h"

namespace panguard::integration {

// <unified>/panguard-test-<pid>-<n>/kubepods.slice/kubepods-burstable.slice/
//   kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
// The destructor moves any process left inside back to the root cgroup and removes every
// directory it created, deepest first, even when the test failed.
class KubepodsCgroup {
 public:
  static constexpr std::size_t kScopeLevel = 4;  // created_[4]: the container scope

  KubepodsCgroup(std::string unified_root, std::string pod_uid, std::string container_id);
  ~KubepodsCgroup();
  KubepodsCgroup(const KubepodsCgroup&) = delete;
  KubepodsCgroup& operator=(const KubepodsCgroup&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& scope_path() const { return created_.at(kScopeLevel); }
  uint64_t scope_id() const;  // the scope's inode: its cgroup v2 id
  bool add_process(pid_t pid) const;

  // The outermost directory (panguard-test-<pid>-<n>) and its path relative to the unified root.
  const std::string& base_path() const { return created_.front(); }
  std::string base_relative() const { return base_path().substr(root_.size() + 1); }
  // Creates base_path()/<relative> (its parent must exist; removed with the rest) and returns
  // its path, or "" on failure.
  std::string add_cgroup(const std::string& relative);

 private:
  std::string root_;
  std::vector<std::string> created_;  // outermost first
  std::string error_;
};

// A TCP listener on 127.0.0.1 (or ::1) port 0; connections wait in the backlog.
struct Listener {
  explicit Listener(bool ipv6 = false);
  ~Listener();
  int fd = -1;
  uint16_t port = 0;
};

// fork()s a child that blocks until release(), then runs `script` and _exit()s with its result.
class GatedChild {
 public:
  explicit GatedChild(std::function<int()> script);
  ~GatedChild();  // kills and reaps a child still running
  pid_t pid() const { return pid_; }
  void release();
  std::optional<int> wait_exit(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int gate_ = -1;
  bool reaped_ = false;
};

// Connects to 127.0.0.1:port (or [::1]:port); -1 on failure.
int connect_local(uint16_t port, bool ipv6 = false);

// connect() to 127.0.0.1:port (or [::1]:port, or ::ffff:127.0.0.1 from an IPv6 socket with
// v4_mapped): 0 on success, else the errno. The socket is closed either way.
int connect_errno(uint16_t port, bool ipv6 = false, bool v4_mapped = false);

// Writes pid into <cgroup_dir>/cgroup.procs.
bool move_to_cgroup(const std::string& cgroup_dir, pid_t pid);

// An event's field for assertions: "<absent>" / -999 when the event lacks it.
std::string str(const rules::Event& e, rules::FieldId id);
int64_t num(const rules::Event& e, rules::FieldId id);

// The sensor's identity chain on the real cgroup v2 mount (a static pod directory, cgroup paths,
// the resolver) and a sensor whose records become events_ (refused_: records it could not read).
class BpfSensorFixture : public ::testing::Test {
 protected:
  // Skips, loudly, when not root (`capabilities` names what the test needs) or without a cgroup2
  // mount; `mapping_yaml` is the static pod directory. Callers check IsSkipped() after it.
  void set_up_identity(const std::string& capabilities, const std::string& mapping_yaml);
  // Starts the sensor; skips the test, loudly, if the kernel refuses.
  void start_sensor(const agent::sensor::BpfSensorOptions& options);
  void drain();  // a few polls: whatever the kernel has written is in events_ after it
  // The events collected so far of process `pid` and event type `type`.
  std::vector<rules::Event> of_pid(pid_t pid, std::string_view type);

  std::string unified_;
  std::unique_ptr<agent::identity::StaticPodDirectory> pods_;
  std::unique_ptr<agent::identity::CgroupPaths> cgroups_;
  std::unique_ptr<agent::identity::WorkloadResolver> resolver_;
  agent::sensor::EventContext context_;
  std::unique_ptr<agent::sensor::BpfSensor> sensor_;
  std::mutex mutex_;
  std::vector<rules::Event> events_;
  std::vector<std::string> refused_;
};

}  // namespace panguard::integration
