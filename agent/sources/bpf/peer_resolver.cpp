#include "agent/sources/bpf/peer_resolver.h"

namespace panguard::agent::sensor {

PeerResolver::PeerResolver(std::shared_ptr<PeerTable> table,
                           std::shared_ptr<identity::CgroupPaths> cgroups,
                           std::shared_ptr<const identity::PodDirectory> pods)
    : table_(std::move(table)),
      cgroups_(std::move(cgroups)),
      pods_(std::move(pods)),
      workloads_(*cgroups_, pods_.get()) {}

identity::ClientWorkload PeerResolver::resolve(const FourTuple& tuple) const {
  identity::ClientWorkload client;
  const auto origin = table_->lookup(tuple);
  if (!origin) return client;
  client.source = identity::ClientSource::kBpf;
  client.pid = origin->tgid;
  client.workload = workloads_.resolve(origin->cgroup_id);
  return client;
}

}  // namespace panguard::agent::sensor
