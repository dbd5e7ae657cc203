// Helpers for the real-kernel eBPF tests: a kubepods-shaped cgroup v2 hierarchy that removes
// itself, listeners on ephemeral ports, and a child process that waits to be moved into a
// cgroup before it runs its script.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace panguard::integration {

// <unified>/panguard-test-<pid>-<n>/kubepods.slice/kubepods-burstable.slice/
//   kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
// The destructor moves any process left inside back to the root cgroup and removes every
// directory it created, deepest first, even when the test failed.
class KubepodsCgroup {
 public:
  KubepodsCgroup(std::string unified_root, std::string pod_uid, std::string container_id);
  ~KubepodsCgroup();
  KubepodsCgroup(const KubepodsCgroup&) = delete;
  KubepodsCgroup& operator=(const KubepodsCgroup&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& scope_path() const { return created_.back(); }
  uint64_t scope_id() const;  // the scope's inode: its cgroup v2 id
  bool add_process(pid_t pid) const;

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

}  // namespace panguard::integration
