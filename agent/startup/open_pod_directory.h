// sensor.pod_mapping_file or sensor.kubernetes -> the PodDirectory the sensor resolves workloads
// with (docs/identity-cgroups.md). The loader already refused both at once.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "agent/config/config.h"
#include "agent/identity/kube/kube_pod_directory.h"
#include "agent/identity/pod_directory.h"

namespace panguard::agent {

struct OpenedPodDirectory {
  std::unique_ptr<identity::PodDirectory> directory;  // null: no source configured
  identity::kube::KubePodDirectory* kube = nullptr;   // set for sensor.kubernetes; not started
};

// Returns the directory or the configuration error that stops startup.
std::variant<OpenedPodDirectory, std::string> open_pod_directory(const Config& config);

}  // namespace panguard::agent
