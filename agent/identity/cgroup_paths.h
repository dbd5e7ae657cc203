// cgroup v2 id -> cgroup path. On cgroup v2 the id bpf_get_current_cgroup_id() reports is the
// inode number of the cgroup's directory, so a walk of the unified hierarchy matching inode
// numbers finds it. Results are cached; a cached path is re-checked (stat, same inode) on
// every hit and dropped when its directory is gone. A miss rescans, unless that same id already
// missed within the negative TTL (ids come from the kernel, so they name real cgroups: a new
// pod's first event always gets a fresh walk, a vanished cgroup's late events do not).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace panguard::agent::identity {

// The mount point of the cgroup v2 ("cgroup2") hierarchy in /proc/self/mountinfo text:
// /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones. nullopt if none.
std::optional<std::string> find_unified_mount(std::string_view mountinfo);
// Reads /proc/self/mountinfo.
std::optional<std::string> detect_unified_mount();

class CgroupPaths {
 public:
  explicit CgroupPaths(std::string unified_root,
                       std::chrono::milliseconds negative_ttl = std::chrono::milliseconds(1'000));

  const std::string& root() const { return root_; }

  // The cgroup's path relative to the root, starting with '/' ("/" for the root itself).
  std::optional<std::string> path_of(uint64_t cgroup_id);

  // Walks the hierarchy now and replaces the cache. Returns the number of cgroups seen.
  std::size_t rescan();

  std::size_t rescans() const;

 private:
  std::size_t rescan_locked();

  std::string root_;  // set once in the constructor
  const std::chrono::milliseconds negative_ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::string> cache_;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> misses_;
  std::size_t rescans_ = 0;
};

}  // namespace panguard::agent::identity
