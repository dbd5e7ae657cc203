#include "agent/identity/client_workload.h"

namespace panguard::agent::identity {

using rules::FieldId;

std::string_view client_source_name(ClientSource source) {
  switch (source) {
    case ClientSource::kBpf:
      return "bpf";
    case ClientSource::kPeercred:
      return "peercred";
    case ClientSource::kNone:
      break;
  }
  return "none";
}

void set_client_fields(rules::Event& event, const ClientWorkload& client) {
  event.set(FieldId::kClientSource, client_source_name(client.source));
  if (client.source == ClientSource::kNone) return;
  const Workload& workload = client.workload;
  event.set(FieldId::kClientPid, static_cast<int64_t>(client.pid));
  event.set(FieldId::kClientCgroupId, static_cast<int64_t>(workload.cgroup_id));
  if (workload.layout.status == LayoutResult::Status::kPod) {
    event.set(FieldId::kClientPodUid, workload.layout.pod.pod_uid);
  }
  if (workload.pod) {
    event.set(FieldId::kClientNamespace, workload.pod->namespace_name);
    event.set(FieldId::kClientPod, workload.pod->name);
  }
  if (workload.tenant && !workload.tenant->empty()) {
    event.set(FieldId::kClientTenantId, *workload.tenant);
  }
}

}  // namespace panguard::agent::identity
