// SPDX-License-Identifier: GPL-2.0
/* connect: cgroup/connect4 and cgroup/connect6, attached to the cgroup v2 root, so every
 * connect() on the node (TCP and UDP, IPv4 and IPv6, and io_uring's connect and TCP Fast Open,
 * which take the same path) passes through here before any packet leaves. No syscall tracepoint
 * is involved: enabling one puts every system call of every task on the kernel's tracing slow
 * path, which cost 14% on an unwatched syscall mix (docs/benchmarks.md). The hook runs before
 * the connect, so a record is the attempt, not its result.
 *
 * The same programs enforce enforce.vault_direct: deny. Within the enforce.attach_cgroup
 * subtree, a connect to a configured Vault address is refused (connect() fails with EPERM)
 * unless the caller is the agent or sits under an allowed cgroup (the Vault sidecar). Sensing
 * and enforcing in one program gives one record per call, with the verdict in it. */
#define PG_MAPS_OWNER
#include "panguard_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 pg_own_tgid = 0;
const volatile __u32 pg_payload_bytes = 64;
const volatile __u32 pg_all_connects = 0;
const volatile __u32 pg_process_events = 1;
const volatile __u32 pg_filter_cgroups = 0;
const volatile __u32 pg_enforce = 0;
const volatile __u32 pg_wakeup_bytes = 0;

/* 1 when enforcement refuses this connect: counted here, reported by the caller. */
static __always_inline int pg_enforce_refuses(const struct pg_enforce_addr* dst) {
  if (!pg_enforce || !bpf_map_lookup_elem(&pg_vault_addrs, dst)) return 0;
  if (pg_is_self() || !pg_current_cgroup_under(&pg_enforce_scope) ||
      pg_current_cgroup_under(&pg_allowed_cgroups)) {
    return 0;
  }
  __u32 zero = 0;
  __u64* denials = bpf_map_lookup_elem(&pg_enforce_denials, &zero);
  if (denials) *denials += 1; /* per-CPU slot: no other writer */
  return 1;
}

/* Returns what the kernel should do: 1 lets the connect through, 0 refuses it with EPERM. */
static __always_inline int pg_on_connect(const struct pg_enforce_addr* dst, __u16 family) {
  const int refused = pg_enforce_refuses(dst);
  __u16 port = dst->port;
  if (!refused && !pg_all_connects && !pg_port_watched(port)) return 1;
  if (!refused && pg_is_self()) return 1;

  struct pg_connect_event* e = pg_reserve(sizeof(*e), PG_EV_CONNECT);
  if (!e) return !refused;
  pg_fill_header(&e->hdr, PG_EV_CONNECT);
  e->dst.family = family;
  e->dst.port = port;
  e->dst.pad = 0;
  if (family == PG_AF_INET) {
    __builtin_memset(e->dst.addr, 0, sizeof(e->dst.addr));
    __builtin_memcpy(e->dst.addr, &dst->addr[12], 4);
  } else {
    __builtin_memcpy(e->dst.addr, dst->addr, sizeof(e->dst.addr));
  }
  e->result = refused ? -PG_EPERM : 0;
  e->flags = refused ? PG_CONNECT_ENFORCED : PG_CONNECT_ATTEMPT;
  pg_submit_batched(e);
  return !refused;
}

SEC("cgroup/connect4")
int pg_connect4(struct bpf_sock_addr* ctx) {
  struct pg_enforce_addr dst = {};
  __u32 ip = ctx->user_ip4;
  dst.addr[10] = 0xff;
  dst.addr[11] = 0xff;
  __builtin_memcpy(&dst.addr[12], &ip, 4);
  dst.port = bpf_ntohs((__u16)ctx->user_port);
  return pg_on_connect(&dst, PG_AF_INET);
}

SEC("cgroup/connect6")
int pg_connect6(struct bpf_sock_addr* ctx) {
  struct pg_enforce_addr dst = {};
  __u32 words[4];
  words[0] = ctx->user_ip6[0];
  words[1] = ctx->user_ip6[1];
  words[2] = ctx->user_ip6[2];
  words[3] = ctx->user_ip6[3];
  __builtin_memcpy(dst.addr, words, sizeof(words));
  dst.port = bpf_ntohs((__u16)ctx->user_port);
  return pg_on_connect(&dst, PG_AF_INET6);
}
