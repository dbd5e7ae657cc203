// SPDX-License-Identifier: GPL-2.0
/* Token-to-workload binding: which task opened each TCP connection to one of the agent's own
 * listeners (the Vault proxy), so the proxy can compare the caller's pod with its session JWT.
 *
 * One tracepoint, sock/inet_sock_set_state (as a BTF tracepoint: the socket itself, no tracefs),
 * in two halves:
 * - CLOSE -> SYN_SENT runs inside connect() (process context): the task and its cgroup are the
 *   caller's, but the source port may not be chosen yet, so the origin is parked by socket;
 * - SYN_SENT -> ESTABLISHED often runs in softirq context (any task is "current"), but the
 *   4-tuple is complete: the parked origin moves to pg_peers under that tuple.
 * The client's ESTABLISHED always precedes the server's accept() (it sends the final ACK), so the
 * entry is there when the agent looks. Entries go on CLOSE; both maps are LRU so nothing a
 * workload does can fill them for good. */
#include "panguard_common.bpf.h"

#include <bpf/bpf_tracing.h>

#define PG_TCP_ESTABLISHED 1
#define PG_TCP_SYN_SENT 2
#define PG_TCP_CLOSE 7

/* Listening ports (host byte order) whose clients are recorded; filled by the agent once its
 * listeners are bound. Empty: the program records nothing. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_PROXY_PORTS);
  __type(key, __u16);
  __type(value, __u8);
} pg_proxy_ports SEC(".maps");

/* Connects in flight, by socket address: SYN_SENT to ESTABLISHED. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, PG_MAX_PEERS);
  __type(key, __u64);
  __type(value, struct pg_peer_origin);
} pg_pending_peers SEC(".maps");

/* Established connections to a proxy port -> the task that connected; read by the agent. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, PG_MAX_PEERS);
  __type(key, struct pg_peer_key);
  __type(value, struct pg_peer_origin);
} pg_peers SEC(".maps");

static __always_inline int pg_is_v4_mapped(const __u8* a) {
  for (int i = 0; i < 10; i++) {
    if (a[i]) return 0;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

/* The connection's key as the connecting socket sees it; -1 for a family we do not record. */
static __always_inline int pg_peer_key_of(const struct sock* sk, struct pg_peer_key* key) {
  key->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
  key->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
  key->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  const __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  if (family == PG_AF_INET) {
    key->family = PG_AF_INET;
    const __u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    const __u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    __builtin_memcpy(key->saddr, &saddr, 4);
    __builtin_memcpy(key->daddr, &daddr, 4);
    return 0;
  }
  if (family != PG_AF_INET6) return -1;
  __u8 saddr[16];
  __u8 daddr[16];
  BPF_CORE_READ_INTO(&saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
  BPF_CORE_READ_INTO(&daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
  if (pg_is_v4_mapped(daddr) && pg_is_v4_mapped(saddr)) {
    /* An IPv6 socket talking to an IPv4 listener: the listener reports plain IPv4. */
    key->family = PG_AF_INET;
    __builtin_memcpy(key->saddr, saddr + 12, 4);
    __builtin_memcpy(key->daddr, daddr + 12, 4);
    return 0;
  }
  key->family = PG_AF_INET6;
  __builtin_memcpy(key->saddr, saddr, 16);
  __builtin_memcpy(key->daddr, daddr, 16);
  return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pg_inet_sock_set_state, const struct sock* sock, const int oldstate,
             const int newstate) {
  if (BPF_CORE_READ(sock, sk_protocol) != PG_IPPROTO_TCP) return 0;
  __u16 dport = bpf_ntohs(BPF_CORE_READ(sock, __sk_common.skc_dport));
  if (!bpf_map_lookup_elem(&pg_proxy_ports, &dport)) return 0;
  __u64 sk = (__u64)sock;

  if (newstate == PG_TCP_SYN_SENT) {
    struct pg_peer_origin origin = {};
    origin.cgroup_id = bpf_get_current_cgroup_id();
    origin.tgid = pg_current_tgid();
    bpf_map_update_elem(&pg_pending_peers, &sk, &origin, BPF_ANY);
    return 0;
  }
  if (newstate == PG_TCP_ESTABLISHED && oldstate == PG_TCP_SYN_SENT) {
    struct pg_peer_origin* origin = bpf_map_lookup_elem(&pg_pending_peers, &sk);
    if (!origin) return 0;
    struct pg_peer_key key = {};
    if (pg_peer_key_of(sock, &key) == 0) bpf_map_update_elem(&pg_peers, &key, origin, BPF_ANY);
    bpf_map_delete_elem(&pg_pending_peers, &sk);
    return 0;
  }
  if (newstate == PG_TCP_CLOSE) {
    /* Refused or reset before ESTABLISHED, or the end of a recorded connection. */
    bpf_map_delete_elem(&pg_pending_peers, &sk);
    struct pg_peer_key key = {};
    if (pg_peer_key_of(sock, &key) == 0) bpf_map_delete_elem(&pg_peers, &key);
  }
  return 0;
}
