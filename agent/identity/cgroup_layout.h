// Kubernetes cgroup layouts: a cgroup v2 path -> pod UID + container id, parsed strictly.
//
// Accepted (after any host prefix such as a nested node's own cgroup, and before any
// sub-cgroups a container creates inside its own scope):
//   systemd driver   kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<scope>
//                    kubepods.slice/kubepods-pod<uid_>.slice/<scope>          (guaranteed QoS)
//                    <scope>: cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
//   cgroupfs driver  kubepods/<qos>/pod<uid>/<id>
//                    kubepods/pod<uid>/<id>                                    (guaranteed QoS)
// <qos> is burstable or besteffort; <uid> is a lowercase 8-4-4-4-12 hex UID (the systemd form
// writes '_' for '-'); <id> is exactly 64 lowercase hex digits. A pod-level cgroup (no
// container component) is accepted with an empty container id.
//
// Everything else is kNotPod (no kubepods component: a host process) or kRejected with a
// reason: a malformed or inconsistent component, or more than one kubepods-like component on
// the path — a container may create cgroups inside its own scope and name them like another
// pod's, so a path that could be read two ways is never attributed.
#pragma once

#include <string>
#include <string_view>

namespace panguard::agent::identity {

enum class CgroupDriver { kSystemd, kCgroupfs };
enum class QosClass { kGuaranteed, kBurstable, kBestEffort };
enum class ContainerRuntime { kNone, kContainerd, kCrio, kDocker, kUnspecified };

std::string_view qos_name(QosClass qos);
std::string_view runtime_name(ContainerRuntime runtime);

struct PodCgroup {
  std::string pod_uid;       // canonical dashed form
  std::string container_id;  // 64 hex digits; empty for a pod-level cgroup
  QosClass qos = QosClass::kGuaranteed;
  CgroupDriver driver = CgroupDriver::kSystemd;
  ContainerRuntime runtime = ContainerRuntime::kNone;  // kUnspecified: cgroupfs driver
};

struct LayoutResult {
  enum class Status { kPod, kNotPod, kRejected };
  Status status = Status::kNotPod;
  PodCgroup pod;       // kPod only
  std::string reason;  // kRejected only
};

// `path` is relative to the cgroup v2 mount, '/'-separated, with or without a leading '/'.
LayoutResult parse_kubepods_path(std::string_view path);

// Helpers, exposed for tests.
bool is_pod_uid(std::string_view uid);
bool is_container_id(std::string_view id);

}  // namespace panguard::agent::identity
