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

/* Destination ports (host byte order) whose connections are tracked; filled by the agent. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PG_MAX_WATCHED_PORTS);
  __type(key, __u16);
  __type(value, __u8);
} pg_watched_ports SEC(".maps");

/* (tgid << 32 | fd) of sockets that connected to a watched port; cleared on close. LRU so a
 * process that exits without closing cannot fill it. */
PG_GLOBAL struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, PG_MAX_WATCHED_FDS);
  __type(key, __u64);
  __type(value, struct pg_watched_fd);
} pg_watched_fds SEC(".maps");

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

static __always_inline __u64 pg_fd_key(__u32 tgid, __s32 fd) {
  return ((__u64)tgid << 32) | (__u32)fd;
}

#endif /* PANGUARD_COMMON_BPF_H */
