/* Maps, configuration and helpers shared by every Panguard kernel program. Each x.bpf.c
 * includes this; exactly one (connect.bpf.c) defines PG_MAPS_OWNER and so owns the storage.
 * The others see `extern` declarations that the BPF static linker (`bpftool gen object`)
 * resolves to the owner's, so the linked object has one of each map. */
#ifndef PANGUARD_COMMON_BPF_H
#define PANGUARD_COMMON_BPF_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "panguard_events.h"

#ifdef PG_MAPS_OWNER
#define PG_GLOBAL
#else
#define PG_GLOBAL extern
#endif

/* Set by the agent between open and load (read-only once loaded). */
PG_GLOBAL const volatile __u32 pg_own_tgid;       /* the agent's own traffic is not reported */
PG_GLOBAL const volatile __u32 pg_payload_bytes;  /* <= PG_PAYLOAD_MAX */
PG_GLOBAL const volatile __u32 pg_all_connects;   /* 1: report connects to any port */
PG_GLOBAL const volatile __u32 pg_process_events; /* 1: report exec and exit */
PG_GLOBAL const volatile __u32 pg_filter_cgroups; /* 1: exec/exit only under pg_watched_cgroups */
PG_GLOBAL const volatile __u32 pg_enforce;        /* 1: enforce.vault_direct is deny */
PG_GLOBAL const volatile __u32 pg_wakeup_bytes;   /* pg_submit_batched: an eighth of the ring */

/* The one ring buffer to user space; max_entries set by the agent before load. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} pg_events SEC(".maps");

/* Per-CPU count of records lost because the ring buffer was full, indexed by event kind. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PG_EV_KIND_MAX);
  __type(key, __u32);
  __type(value, __u64);
} pg_drops SEC(".maps");

/* Watched destination ports as one bitmap, filled by the agent: asked on every connect and every
 * TCP send of the node, so one array lookup (inlined by the verifier) and a bit test, not a hash
 * lookup. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pg_port_set);
} pg_watched_ports SEC(".maps");

static __always_inline int pg_port_watched(__u16 port) {
  __u32 zero = 0;
  const struct pg_port_set* set = bpf_map_lookup_elem(&pg_watched_ports, &zero);
  return set && ((set->bits[port >> 3] >> (port & 7)) & 1);
}

/* cgroup v2 ids of the watched subtrees (sensor.watched_cgroups); used when pg_filter_cgroups. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_WATCHED_CGROUPS);
  __type(key, __u64);
  __type(value, __u8);
} pg_watched_cgroups SEC(".maps");

/* enforce.vault_direct: deny (connect.bpf.c). Vault addresses, IPv4 as IPv4-mapped IPv6. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_VAULT_ADDRESSES);
  __type(key, struct pg_enforce_addr);
  __type(value, __u8);
} pg_vault_addrs SEC(".maps");

/* cgroup ids whose subtrees may connect to Vault (enforce.allowed_cgroups). */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_ALLOWED_CGROUPS);
  __type(key, __u64);
  __type(value, __u8);
} pg_allowed_cgroups SEC(".maps");

/* The subtree enforcement applies to (enforce.attach_cgroup): one cgroup id. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, __u64);
  __type(value, __u8);
} pg_enforce_scope SEC(".maps");

/* Refusals, per CPU: counted even when the ring buffer is full and the record is lost. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} pg_enforce_denials SEC(".maps");

/* True when the current task's cgroup, or one of its ancestors, is in `set` (a hash map keyed
 * by cgroup id): levels from the root down, stopping past the task's own depth (id 0). A subtree
 * is so one map entry, whatever pods and containers appear under it later. */
static __always_inline int pg_current_cgroup_under(void* set) {
  for (int level = 0; level < PG_CGROUP_LEVELS; level++) {
    __u64 id = bpf_get_current_ancestor_cgroup_id(level);
    if (id == 0) return 0;
    if (bpf_map_lookup_elem(set, &id)) return 1;
  }
  return 0;
}

/* exec/exit filter: every task when no watched cgroups are configured. */
static __always_inline int pg_in_watched_cgroups(void) {
  return !pg_filter_cgroups || pg_current_cgroup_under(&pg_watched_cgroups);
}

static __always_inline __u32 pg_current_tgid(void) {
  return (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* True when the current task is the agent itself. */
static __always_inline int pg_is_self(void) {
  return pg_own_tgid != 0 && pg_current_tgid() == pg_own_tgid;
}

static __always_inline void pg_count_drop(__u32 kind) {
  __u64* count = bpf_map_lookup_elem(&pg_drops, &kind);
  if (count) *count += 1; /* per-CPU slot: no other writer */
}

/* Reserves a record of `size` bytes, counting a drop when the ring buffer is full. */
static __always_inline void* pg_reserve(__u64 size, __u32 kind) {
  void* record = bpf_ringbuf_reserve(&pg_events, size, 0);
  if (!record) pg_count_drop(kind);
  return record;
}

/* Submits a record without waking the consumer for each one: a wakeup (an irq_work, then a
 * context switch) costs more than the record itself. The consumer is woken once an eighth of
 * the ring is waiting, and otherwise drains on its poll timeout (BpfSensor::poll: 20 ms in the
 * agent), which bounds how long a lone record waits. */
static __always_inline void pg_submit_batched(void* record) {
  __u64 pending = bpf_ringbuf_query(&pg_events, BPF_RB_AVAIL_DATA);
  bpf_ringbuf_submit(record, pending >= pg_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void pg_fill_header(struct pg_event_header* hdr, __u16 kind) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  hdr->version = PG_WIRE_VERSION;
  hdr->kind = kind;
  hdr->pid = (__u32)pid_tgid;
  hdr->tgid = (__u32)(pid_tgid >> 32);
  hdr->ppid = 0;
  hdr->cgroup_id = bpf_get_current_cgroup_id();
  hdr->ts_ns = bpf_ktime_get_ns();
  bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

#endif /* PANGUARD_COMMON_BPF_H */
