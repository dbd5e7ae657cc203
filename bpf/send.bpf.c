// SPDX-License-Identifier: GPL-2.0
/* Send paths: the tcp_sendmsg_locked tracepoint (BTF-typed raw tracepoint), which every TCP
 * send reaches with the socket and the message — send, sendto, sendmsg, sendmmsg, write and
 * writev on a socket, io_uring's sends. Vault and NATS speak TCP. No syscall tracepoint is
 * involved (see connect.bpf.c for why that matters), and the socket says where it is
 * connected, so there is no fd bookkeeping and no close hook.
 *
 * tcp_sendmsg_locked fires once per chunk it queues, so a large message, or one that waits
 * for buffer space, fires it several times. Only the first firing of each message emits a
 * record (its iterator still at the start): a per-thread flag set here and cleared by the
 * sock_send_length tracepoint, which fires once when each sendmsg returns. */
#include "panguard_common.bpf.h"

#include <bpf/bpf_tracing.h>

/* Kernels before 6.4 named the iovec array `iov`; CO-RE picks whichever this kernel has. */
struct iov_iter___pre_6_4 {
  const struct iovec* iov;
} __attribute__((preserve_access_index));

/* Per thread: 1 while a message's record has been emitted and its sendmsg has not returned. */
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u8);
} pg_in_message SEC(".maps");

/* The user buffer the message starts with, and how many bytes of it are there. Kernel-backed
 * messages (kvec, bvec: in-kernel senders, splice) have no user buffer: 0. */
static __always_inline const void* pg_first_user_bytes(const struct msghdr* msg, __u64* len) {
  const struct iov_iter* it = &msg->msg_iter;
  __u8 type = it->iter_type;
  __u64 offset = it->iov_offset;
  __u64 count = it->count;
  if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
      type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
    *len = count;
    return (const char*)it->ubuf + offset;
  }
  if (type != bpf_core_enum_value(enum iter_type, ITER_IOVEC)) return 0;
  const struct iovec* iov = 0;
  if (bpf_core_field_exists(it->__iov)) {
    iov = it->__iov;
  } else {
    const struct iov_iter___pre_6_4* old = (const void*)it;
    iov = BPF_CORE_READ(old, iov);
  }
  struct iovec first = {};
  if (!iov || bpf_probe_read_kernel(&first, sizeof(first), iov)) return 0;
  if (first.iov_len <= offset) return 0;
  __u64 in_first = first.iov_len - offset;
  *len = in_first < count ? in_first : count;
  return (const char*)first.iov_base + offset;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(pg_tcp_sendmsg, const struct sock* sk, const struct msghdr* msg,
             const struct sk_buff* skb, int size_goal) {
  __u16 port = bpf_ntohs(sk->__sk_common.skc_dport);
  if (!pg_port_watched(port)) return 0;
  if (pg_is_self()) return 0;
  __u8* in_message = bpf_task_storage_get(&pg_in_message, bpf_get_current_task_btf(), 0,
                                          BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!in_message || *in_message) return 0; /* a later chunk of a message already reported */
  *in_message = 1;

  /* pg_payload_bytes is read-only data, a constant to the verifier: the reservation carries
   * only the configured prefix, not PG_PAYLOAD_MAX every time. */
  __u32 capacity = pg_payload_bytes < PG_PAYLOAD_MAX ? pg_payload_bytes : PG_PAYLOAD_MAX;
  struct pg_send_event* e = pg_reserve(PG_SEND_RECORD_BYTES(capacity), PG_EV_SEND);
  if (!e) return 0;
  pg_fill_header(&e->hdr, PG_EV_SEND);
  __u16 family = sk->__sk_common.skc_family;
  e->dst.family = family;
  e->dst.port = port;
  e->dst.pad = 0;
  __builtin_memset(e->dst.addr, 0, sizeof(e->dst.addr));
  if (family == PG_AF_INET) {
    __u32 daddr = sk->__sk_common.skc_daddr;
    __builtin_memcpy(e->dst.addr, &daddr, 4);
  } else {
    BPF_CORE_READ_INTO(&e->dst.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
  }
  e->requested_len = msg->msg_iter.count;
  e->payload_len = 0;
  e->pad = 0;
  __u64 len = 0;
  const void* buf = pg_first_user_bytes(msg, &len);
  __u32 n = capacity;
  if (n > len) n = (__u32)len;
  if (buf && n > 0 && bpf_probe_read_user(e->payload, n, buf) == 0) e->payload_len = n;
  pg_submit_batched(e);
  return 0;
}

/* A sendmsg returned: the thread's next message is a new one. Deliberately unfiltered: the
 * socket's port or protocol can differ here from where the flag was set (another thread's
 * connect(AF_UNSPEC) clears the port mid-send; a protocol may queue through a TCP subsocket),
 * and a flag left set would hide the thread's next message. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(pg_send_done, struct sock* sk, int ret, int flags) {
  __u8* in_message = bpf_task_storage_get(&pg_in_message, bpf_get_current_task_btf(), 0, 0);
  if (in_message) *in_message = 0;
  return 0;
}
