// The one place where event fields are declared. Adding a field is adding one line here:
// the registry, the JSON event form, `panguard fields` and the rule compiler all read this list.
//
// X(enum_name, "dotted.name", type, sources, "description")
//   sources: bitmask of the event sources that may carry the field (see Source in event.h);
//   a rule whose source can never carry a field it names is rejected at load.
#pragma once

#define PANGUARD_FIELDS(X)                                                                        \
  X(kEvtType, "evt.type", kString, kAnySource,                                                    \
    "Event type, e.g. vault.request, nats.publish, process.exec, network.connect")                \
  X(kEvtTime, "evt.time", kInt, kAnySource, "Event time, nanoseconds since the Unix epoch (UTC)") \
  X(kEvtNode, "evt.node", kString, kAnySource, "Node name of the agent that observed the event")  \
  X(kTenantId, "tenant.id", kString, kAnySource,                                                  \
    "Tenant of the actor, from a verified identity only (JWT, cgroup, NATS account)")             \
  X(kTenantSource, "tenant.source", kString, kAnySource,                                          \
    "How tenant.id was verified: jwt | cgroup | account | none")                                  \
  X(kVaultMethod, "vault.method", kString, kVault, "HTTP method of the Vault request")            \
  X(kVaultPath, "vault.path", kString, kVault,                                                    \
    "Canonical logical Vault path (namespace prefix and KV v2 infix removed)")                    \
  X(kVaultRawPath, "vault.raw_path", kString, kVault, "Request path as received, after /v1/")     \
  X(kVaultNamespace, "vault.namespace", kString, kVault, "Effective Vault namespace")             \
  X(kVaultOperation, "vault.operation", kString, kVault,                                          \
    "read | list | write | delete | login | token_create | oidc_token | unwrap | rewrap | "       \
    "lookup | sys | other")                                                                       \
  X(kVaultPathTenant, "vault.path_tenant", kString, kVault,                                       \
    "Tenant that owns vault.path according to vault.tenant_paths")                                \
  X(kVaultNamespaceTenant, "vault.namespace_tenant", kString, kVault,                             \
    "Tenant that owns vault.namespace according to vault.tenant_namespace")                       \
  X(kVaultRole, "vault.role", kString, kVault, "Role named in an auth/<mount>/login request")     \
  X(kVaultRoleTenant, "vault.role_tenant", kString, kVault,                                       \
    "Tenant that owns vault.role according to vault.tenant_roles")                                \
  X(kVaultTokenExchange, "vault.token_exchange", kBool, kVault,                                   \
    "True for login, token_create, oidc_token and wrapping operations")                           \
  X(kClientSource, "client.source", kString, kVault,                                              \
    "How the proxied request's calling workload was found: bpf | peercred | none")                \
  X(kClientPid, "client.pid", kInt, kVault, "Process id that opened the client connection")       \
  X(kClientCgroupId, "client.cgroup_id", kInt, kVault,                                            \
    "cgroup v2 id (inode) of the task that opened the client connection")                         \
  X(kClientPodUid, "client.pod_uid", kString, kVault, "Pod UID of the calling workload")          \
  X(kClientNamespace, "client.namespace", kString, kVault,                                        \
    "Kubernetes namespace of the calling workload")                                               \
  X(kClientPod, "client.pod", kString, kVault, "Pod name of the calling workload")                \
  X(kClientTenantId, "client.tenant_id", kString, kVault,                                         \
    "Tenant of the calling workload (cgroup -> pod -> namespace -> tenant); absent if unknown")   \
  X(kNatsOp, "nats.op", kString, kNats, "NATS protocol verb: PUB | HPUB | SUB | CONNECT | ...")   \
  X(kNatsSubject, "nats.subject", kString, kNats, "NATS subject (or subscription filter)")        \
  X(kNatsSubjectTenant, "nats.subject_tenant", kString, kNats,                                    \
    "Tenant that owns nats.subject (token-wise match against tenants.<tenant>.>)")                \
  X(kNatsAccount, "nats.account", kString, kNats, "NATS account of the connection")               \
  X(kProcPid, "proc.pid", kInt, kProcess | kNetwork | kNats, "Process id (host pid namespace)")   \
  X(kProcComm, "proc.comm", kString, kProcess | kNetwork | kNats, "Process command name")         \
  X(kProcExe, "proc.exe", kString, kProcess | kNetwork | kNats, "Executable path")                \
  X(kProcPpid, "proc.ppid", kInt, kProcess, "Parent process id (host pid namespace)")             \
  X(kProcArgv0, "proc.argv0", kString, kProcess, "argv[0] of an executed program, truncated")     \
  X(kProcExitCode, "proc.exit_code", kInt, kProcess,                                              \
    "process.exit: exit status (0-255), or 128 + signal number when killed by a signal")          \
  X(kProcCgroupId, "proc.cgroup_id", kInt, kProcess | kNetwork | kNats | kUsage,                  \
    "cgroup v2 id (inode) of the process")                                                        \
  X(kK8sNamespace, "k8s.namespace", kString, kAnySource, "Kubernetes namespace of the workload")  \
  X(kK8sPod, "k8s.pod", kString, kAnySource, "Kubernetes pod name")                               \
  X(kK8sPodUid, "k8s.pod_uid", kString, kAnySource, "Kubernetes pod UID")                         \
  X(kK8sContainer, "k8s.container", kString, kAnySource, "Container name within the pod")         \
  X(kK8sContainerId, "k8s.container_id", kString, kAnySource,                                     \
    "Container runtime id (64 hex digits) parsed from the cgroup path")                           \
  X(kNetDaddr, "net.daddr", kString, kNetwork | kNats, "Destination IP address (text form)")      \
  X(kNetDport, "net.dport", kInt, kNetwork | kNats, "Destination TCP/UDP port")                   \
  X(kNetResult, "net.result", kInt, kNetwork,                                                     \
    "connect() result: 0, or a negative errno (-115 EINPROGRESS when non-blocking)")              \
  X(kNetEnforced, "net.enforced", kBool, kNetwork,                                                \
    "True when Panguard's in-kernel enforcement refused the connect (net.result -1, EPERM)")      \
  X(kNetPayload, "net.payload", kString, kNetwork | kNats,                                        \
    "First bytes sent on a watched connection (sensor.payload_bytes); non-printable bytes as "    \
    "\\xNN, backslash as \\\\")                                                                   \
  X(kUsageCpuMillicores, "usage.cpu_millicores", kInt, kUsage,                                    \
    "CPU used over the sample window, millicores")                                                \
  X(kUsageGpuMemBytes, "usage.gpu_mem_bytes", kInt, kUsage, "GPU memory in use, bytes")           \
  X(kUsageQuotaCpuMillicores, "usage.quota_cpu_millicores", kInt, kUsage,                         \
    "Tenant CPU quota, millicores")                                                               \
  X(kUsageQuotaGpuMemBytes, "usage.quota_gpu_mem_bytes", kInt, kUsage,                            \
    "Tenant GPU memory quota, bytes")                                                             \
  X(kPlatformComponent, "platform.component", kString, kPlatform,                                 \
    "Panguard component that raised a platform event")                                            \
  X(kPlatformReason, "platform.reason", kString, kPlatform, "Why the platform event was raised")
