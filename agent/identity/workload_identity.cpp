#include "agent/identity/workload_identity.h"

namespace panguard::agent::identity {

using rules::FieldId;

Workload WorkloadResolver::resolve(uint64_t cgroup_id) const {
  Workload workload;
  workload.cgroup_id = cgroup_id;
  workload.cgroup_path = cgroups_.path_of(cgroup_id);
  if (!workload.cgroup_path) return workload;
  workload.layout = parse_kubepods_path(*workload.cgroup_path);
  if (workload.layout.status != LayoutResult::Status::kPod || !pods_) return workload;
  workload.pod = pods_->pod(workload.layout.pod.pod_uid);
  if (workload.pod) workload.tenant = pods_->tenant_of_namespace(workload.pod->namespace_name);
  return workload;
}

void WorkloadResolver::fill(rules::Event& event, uint64_t cgroup_id) const {
  const Workload workload = resolve(cgroup_id);
  event.set(FieldId::kProcCgroupId, static_cast<int64_t>(cgroup_id));
  if (workload.layout.status == LayoutResult::Status::kPod) {
    const PodCgroup& pod = workload.layout.pod;
    event.set(FieldId::kK8sPodUid, pod.pod_uid);
    if (!pod.container_id.empty()) event.set(FieldId::kK8sContainerId, pod.container_id);
  }
  if (workload.pod) {
    event.set(FieldId::kK8sNamespace, workload.pod->namespace_name);
    event.set(FieldId::kK8sPod, workload.pod->name);
    const auto container = workload.pod->containers.find(workload.layout.pod.container_id);
    if (container != workload.pod->containers.end()) {
      event.set(FieldId::kK8sContainer, container->second);
    }
  }
  if (workload.tenant && !workload.tenant->empty()) {
    event.set(FieldId::kTenantId, *workload.tenant);
    event.set(FieldId::kTenantSource, "cgroup");
  } else {
    event.set(FieldId::kTenantSource, "none");
  }
}

}  // namespace panguard::agent::identity
