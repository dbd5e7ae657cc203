// SPDX-License-Identifier: GPL-2.0
/* Send paths: sendto, sendmsg, write, writev. Only fds that connected to a watched port (see
 * connect.bpf.c) produce a record, carrying the first pg_payload_bytes of what is being sent
 * (the first iovec for sendmsg and writev). Everything else costs one hash lookup. */
#include "panguard_common.bpf.h"

/* struct iovec as user space lays it out. */
struct pg_user_iovec {
  __u64 base;
  __u64 len;
};

static __always_inline int pg_emit_send(__s32 fd, __u16 call, const void* buf, __u64 len) {
  if (pg_is_self()) return 0;
  __u64 key = pg_fd_key(pg_current_tgid(), fd);
  struct pg_watched_fd* watched = bpf_map_lookup_elem(&pg_watched_fds, &key);
  if (!watched) return 0;

  struct pg_send_event* e = pg_reserve(sizeof(*e), PG_EV_SEND);
  if (!e) return 0;
  pg_fill_header(&e->hdr, PG_EV_SEND);
  e->dst = watched->dst;
  e->fd = fd;
  e->call = call;
  e->requested_len = len;
  __u32 n = pg_payload_bytes;
  if (n > len) n = (__u32)len;
  if (n > PG_PAYLOAD_MAX) n = PG_PAYLOAD_MAX;
  e->payload_len = 0;
  if (buf && n > 0 && bpf_probe_read_user(e->payload, n, buf) == 0) e->payload_len = (__u16)n;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

/* The first iovec of an array in user memory. */
static __always_inline int pg_first_iovec(const void* iov, __u64 count, struct pg_user_iovec* out) {
  if (!iov || count == 0) return -1;
  return bpf_probe_read_user(out, sizeof(*out), iov);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int pg_enter_sendto(struct trace_event_raw_sys_enter* ctx) {
  return pg_emit_send((__s32)ctx->args[0], PG_SEND_SENDTO, (const void*)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_write")
int pg_enter_write(struct trace_event_raw_sys_enter* ctx) {
  return pg_emit_send((__s32)ctx->args[0], PG_SEND_WRITE, (const void*)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int pg_enter_writev(struct trace_event_raw_sys_enter* ctx) {
  struct pg_user_iovec first = {};
  if (pg_first_iovec((const void*)ctx->args[1], ctx->args[2], &first)) return 0;
  return pg_emit_send((__s32)ctx->args[0], PG_SEND_WRITEV, (const void*)first.base, first.len);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int pg_enter_sendmsg(struct trace_event_raw_sys_enter* ctx) {
  const struct user_msghdr* msg = (const struct user_msghdr*)ctx->args[1];
  if (!msg) return 0;
  struct iovec* iov = 0;
  __kernel_size_t iovlen = 0;
  /* user_msghdr lives in user memory: CO-RE offsets, user-space reads. */
  if (BPF_CORE_READ_USER_INTO(&iov, msg, msg_iov)) return 0;
  if (BPF_CORE_READ_USER_INTO(&iovlen, msg, msg_iovlen)) return 0;
  struct pg_user_iovec first = {};
  if (pg_first_iovec(iov, iovlen, &first)) return 0;
  return pg_emit_send((__s32)ctx->args[0], PG_SEND_SENDMSG, (const void*)first.base, first.len);
}
