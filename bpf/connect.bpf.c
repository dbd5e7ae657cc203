// SPDX-License-Identifier: GPL-2.0
/* connect(2): the destination at entry, the result at exit. Connections to watched ports (or
 * every port with pg_all_connects) become PG_EV_CONNECT records; successful or in-progress
 * ones to watched ports are remembered in pg_watched_fds for the send programs. */
#define PG_MAPS_OWNER
#include "panguard_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 pg_own_tgid = 0;
const volatile __u32 pg_payload_bytes = 64;
const volatile __u32 pg_all_connects = 0;
const volatile __u32 pg_process_events = 1;
const volatile __u32 pg_filter_cgroups = 0;

#define PG_EINPROGRESS 115

/* sockaddr_in / sockaddr_in6 as user space passes them; read with bpf_probe_read_user. */
struct pg_user_sockaddr {
  __u16 family;
  __u16 port_be;
  union {
    __u8 v4[4];
    struct {
      __u32 flowinfo;
      __u8 v6[16];
    };
  };
};

SEC("tracepoint/syscalls/sys_enter_connect")
int pg_enter_connect(struct trace_event_raw_sys_enter* ctx) {
  if (pg_is_self()) return 0;
  const void* uaddr = (const void*)ctx->args[1];
  __u32 addrlen = (__u32)ctx->args[2];
  struct pg_user_sockaddr sa = {};
  if (!uaddr || addrlen < 8) return 0;
  if (bpf_probe_read_user(&sa, 8, uaddr)) return 0; /* family, port, IPv4 address */

  struct pg_pending_connect pending = {};
  pending.fd = (__s32)ctx->args[0];
  pending.dst.family = sa.family;
  pending.dst.port = bpf_ntohs(sa.port_be);
  if (sa.family == PG_AF_INET) {
    __builtin_memcpy(pending.dst.addr, sa.v4, 4);
  } else if (sa.family == PG_AF_INET6) {
    if (addrlen < 24) return 0; /* sockaddr_in6 up to sin6_addr */
    if (bpf_probe_read_user(&sa, sizeof(sa), uaddr)) return 0;
    __builtin_memcpy(pending.dst.addr, sa.v6, 16);
  } else {
    return 0; /* AF_UNIX and the rest: not network traffic we attribute */
  }
  __u16 port = pending.dst.port;
  pending.watched = bpf_map_lookup_elem(&pg_watched_ports, &port) != 0;
  if (!pending.watched && !pg_all_connects) return 0;

  __u64 id = bpf_get_current_pid_tgid();
  bpf_map_update_elem(&pg_pending_connects, &id, &pending, BPF_ANY);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int pg_exit_connect(struct trace_event_raw_sys_exit* ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  struct pg_pending_connect* pending = bpf_map_lookup_elem(&pg_pending_connects, &id);
  if (!pending) return 0;
  __s32 result = (__s32)ctx->ret;

  if (pending->watched && (result == 0 || result == -PG_EINPROGRESS)) {
    __u64 key = pg_fd_key((__u32)(id >> 32), pending->fd);
    struct pg_watched_fd value = {.dst = pending->dst};
    bpf_map_update_elem(&pg_watched_fds, &key, &value, BPF_ANY);
  }

  struct pg_connect_event* e = pg_reserve(sizeof(*e), PG_EV_CONNECT);
  if (e) {
    pg_fill_header(&e->hdr, PG_EV_CONNECT);
    e->dst = pending->dst;
    e->fd = pending->fd;
    e->result = result;
    e->flags = 0;
    e->pad = 0;
    bpf_ringbuf_submit(e, 0);
  }
  bpf_map_delete_elem(&pg_pending_connects, &id);
  return 0;
}

/* close(2): forget the fd, whatever it was. */
SEC("tracepoint/syscalls/sys_enter_close")
int pg_enter_close(struct trace_event_raw_sys_enter* ctx) {
  __u64 key = pg_fd_key(pg_current_tgid(), (__s32)ctx->args[0]);
  bpf_map_delete_elem(&pg_watched_fds, &key);
  return 0;
}
