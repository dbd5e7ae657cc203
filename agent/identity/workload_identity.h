// cgroup id -> cgroup path -> pod UID / container id -> namespace / pod -> tenant, and the
// event fields that carry the answer. The tenant comes only from this chain (the kernel's
// cgroup id of the acting task), so tenant.source is "cgroup"; any broken link leaves
// tenant.id absent and tenant.source "none" — rules fail closed on that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/identity/cgroup_layout.h"
#include "agent/identity/cgroup_paths.h"
#include "agent/identity/pod_directory.h"
#include "rules/event.h"

namespace panguard::agent::identity {

struct Workload {
  uint64_t cgroup_id = 0;
  std::optional<std::string> cgroup_path;  // relative to the unified mount
  LayoutResult layout;                     // kNotPod when the path is unknown
  std::optional<PodInfo> pod;              // from the directory
  std::optional<std::string> tenant;       // from the directory's namespace mapping
};

class WorkloadResolver {
 public:
  // Both must outlive the resolver; `pods` may be null (no mapping: pod fields only).
  WorkloadResolver(CgroupPaths& cgroups, const PodDirectory* pods)
      : cgroups_(cgroups), pods_(pods) {}

  Workload resolve(uint64_t cgroup_id) const;

  // Sets proc.cgroup_id, k8s.* and tenant.* on `event` from the workload of `cgroup_id`.
  void fill(rules::Event& event, uint64_t cgroup_id) const;

 private:
  CgroupPaths& cgroups_;
  const PodDirectory* pods_;
};

}  // namespace panguard::agent::identity
