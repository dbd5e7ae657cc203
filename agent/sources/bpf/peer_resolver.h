// Accepted connection -> the workload that opened it, for the Vault proxy: the kernel's connect
// record (PeerTable) gives the task and its cgroup, the same cgroup -> pod -> tenant chain as
// every sensor event gives the rest. Shares ownership of what it reads, so it stays usable
// however the sensor and the proxy are torn down. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/client_workload.h"
#include "agent/identity/pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "agent/sources/bpf/peer_table.h"

namespace panguard::agent::sensor {

class PeerResolver {
 public:
  // `pods` may be null: pods then resolve to UIDs only, never to a tenant.
  PeerResolver(std::shared_ptr<PeerTable> table, std::shared_ptr<identity::CgroupPaths> cgroups,
               std::shared_ptr<const identity::PodDirectory> pods);

  // Records clients of `port` from now on. "" or why not.
  std::string watch_port(uint16_t port) const { return table_->watch_port(port); }

  // Source none when the kernel has no record of the connection (made before watch_port, from
  // another host or network namespace, or already closed).
  identity::ClientWorkload resolve(const FourTuple& tuple) const;

 private:
  std::shared_ptr<PeerTable> table_;
  std::shared_ptr<identity::CgroupPaths> cgroups_;
  std::shared_ptr<const identity::PodDirectory> pods_;
  identity::WorkloadResolver workloads_;
};

}  // namespace panguard::agent::sensor
