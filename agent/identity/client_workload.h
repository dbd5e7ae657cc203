// The workload on the other end of a connection to one of the agent's listeners (the Vault
// proxy's client), as the kernel saw it: not what the client says about itself. It goes into the
// client.* event fields next to tenant.* (which the session JWT gives), so a rule can tell a
// token used from another tenant's pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "agent/identity/workload_identity.h"
#include "rules/event.h"

namespace panguard::agent::identity {

// How the client was identified: bpf (4-tuple matched against the kernel's connect record),
// peercred (SO_PEERCRED on a Unix socket), or none (no sensor, no record, a remote client).
enum class ClientSource : uint8_t { kNone, kBpf, kPeercred };

std::string_view client_source_name(ClientSource source);

struct ClientWorkload {
  ClientSource source = ClientSource::kNone;
  uint32_t pid = 0;   // the connecting task's process id (host pid namespace)
  Workload workload;  // cgroup id -> path -> pod -> tenant; meaningful unless source is none
};

// Sets client.source always; with a known client also client.pid and client.cgroup_id, then
// client.pod_uid, client.namespace / client.pod and client.tenant_id as far as the chain
// resolved. A missing link leaves its fields absent: an unresolved tenant never reads as a match.
void set_client_fields(rules::Event& event, const ClientWorkload& client);

}  // namespace panguard::agent::identity
