// SPDX-License-Identifier: GPL-2.0
/* enforce.vault_direct: deny. cgroup/connect4 and cgroup/connect6, attached to one cgroup
 * (default the root of the unified hierarchy), refuse a connect to a configured Vault address
 * unless the caller is the agent itself or sits under an allowed cgroup (the Vault sidecar).
 * Returning 0 makes connect() fail with EPERM before any packet leaves. Each refusal is counted
 * and reported as a PG_EV_CONNECT with PG_CONNECT_ENFORCED. Loaded only when deny is set. */
#include "panguard_common.bpf.h"

#define PG_EPERM 1

/* Vault addresses (IPv4 as IPv4-mapped IPv6) and ports; filled by the agent before attach. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_VAULT_ADDRESSES);
  __type(key, struct pg_enforce_addr);
  __type(value, __u8);
} pg_vault_addrs SEC(".maps");

/* cgroup ids whose subtrees may connect to Vault (enforce.allowed_cgroups). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_ALLOWED_CGROUPS);
  __type(key, __u64);
  __type(value, __u8);
} pg_allowed_cgroups SEC(".maps");

/* Refusals, per CPU: counted even when the ring buffer is full and the record is lost. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} pg_enforce_denials SEC(".maps");

/* 1: let the connect through; 0: refuse it (EPERM), count and report it. */
static __always_inline int pg_vault_verdict(const struct pg_enforce_addr* dst, __u16 family) {
  if (!bpf_map_lookup_elem(&pg_vault_addrs, dst)) return 1;
  if (pg_is_self() || pg_current_cgroup_under(&pg_allowed_cgroups)) return 1;

  __u32 zero = 0;
  __u64* denials = bpf_map_lookup_elem(&pg_enforce_denials, &zero);
  if (denials) *denials += 1; /* per-CPU slot: no other writer */

  /* The connect tracepoint would report this call again with a bare -EPERM: ours says why. */
  __u64 id = bpf_get_current_pid_tgid();
  bpf_map_delete_elem(&pg_pending_connects, &id);

  struct pg_connect_event* e = pg_reserve(sizeof(*e), PG_EV_CONNECT);
  if (e) {
    pg_fill_header(&e->hdr, PG_EV_CONNECT);
    e->dst.family = family;
    e->dst.port = dst->port;
    e->dst.pad = 0;
    if (family == PG_AF_INET) {
      __builtin_memset(e->dst.addr, 0, sizeof(e->dst.addr));
      __builtin_memcpy(e->dst.addr, &dst->addr[12], 4);
    } else {
      __builtin_memcpy(e->dst.addr, dst->addr, sizeof(e->dst.addr));
    }
    e->fd = -1; /* not known at this hook */
    e->result = -PG_EPERM;
    e->flags = PG_CONNECT_ENFORCED;
    e->pad = 0;
    bpf_ringbuf_submit(e, 0);
  }
  return 0;
}

SEC("cgroup/connect4")
int pg_enforce_connect4(struct bpf_sock_addr* ctx) {
  struct pg_enforce_addr dst = {};
  __u32 ip = ctx->user_ip4;
  dst.addr[10] = 0xff;
  dst.addr[11] = 0xff;
  __builtin_memcpy(&dst.addr[12], &ip, 4);
  dst.port = bpf_ntohs((__u16)ctx->user_port);
  return pg_vault_verdict(&dst, PG_AF_INET);
}

SEC("cgroup/connect6")
int pg_enforce_connect6(struct bpf_sock_addr* ctx) {
  struct pg_enforce_addr dst = {};
  __u32 words[4];
  words[0] = ctx->user_ip6[0];
  words[1] = ctx->user_ip6[1];
  words[2] = ctx->user_ip6[2];
  words[3] = ctx->user_ip6[3];
  __builtin_memcpy(dst.addr, words, sizeof(words));
  dst.port = bpf_ntohs((__u16)ctx->user_port);
  return pg_vault_verdict(&dst, PG_AF_INET6);
}
