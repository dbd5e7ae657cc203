// Pod UID -> namespace / pod name, and namespace -> tenant. The static mapping file
// (static_pod_directory.h) is the single-node implementation; a Kubernetes API watch of the
// pods on this node is the cluster one (kube/kube_pod_directory.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace panguard::agent::identity {

struct PodInfo {
  std::string namespace_name;
  std::string name;
  std::map<std::string, std::string> containers;  // container id (64 hex) -> container name
};

class PodDirectory {
 public:
  virtual ~PodDirectory() = default;
  // Implementations are called from the sensor's poll thread and must be thread-safe.
  virtual std::optional<PodInfo> pod(std::string_view pod_uid) const = 0;
  virtual std::optional<std::string> tenant_of_namespace(std::string_view namespace_name) const = 0;
  // False until the directory has its first complete picture; until then lookups find nothing
  // and events carry no tenant (rules fail closed).
  virtual bool synced() const { return true; }
};

}  // namespace panguard::agent::identity
