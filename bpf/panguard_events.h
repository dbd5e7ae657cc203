/* The wire format between Panguard's kernel programs and the agent: one header, compiled by
 * clang -target bpf (with vmlinux.h) and by the C++ agent (with <linux/types.h>).
 *
 * Every record starts with struct pg_event_header. Fields are fixed-width and naturally
 * aligned so both compilers lay them out identically (the agent static_asserts the sizes).
 * Bump PG_WIRE_VERSION on any layout change; the agent drops records of another version.
 */
#ifndef PANGUARD_BPF_EVENTS_H
#define PANGUARD_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PG_WIRE_VERSION                                                    \
  3 /* 3: cgroup/connect and tcp_sendmsg hooks: no fds, no connect result, \
       variable-length send records */

#define PG_COMM_LEN 16
#define PG_PAYLOAD_MAX 256  /* the most payload bytes a send record can carry */
#define PG_FILENAME_LEN 256 /* exec: path as passed to execve, truncated */
#define PG_ARGV0_LEN 128    /* exec: argv[0], truncated */
#define PG_MAX_WATCHED_PORTS 64
#define PG_MAX_WATCHED_CGROUPS 64 /* sensor.watched_cgroups */
#define PG_MAX_VAULT_ADDRESSES 64 /* enforce.vault_addresses */
#define PG_MAX_ALLOWED_CGROUPS 64 /* enforce.allowed_cgroups */
#define PG_CGROUP_LEVELS 32       /* ancestor levels checked against a cgroup set */

enum pg_event_kind {
  PG_EV_CONNECT = 1,
  PG_EV_SEND = 2,
  PG_EV_EXEC = 3,
  PG_EV_EXIT = 4,
  PG_EV_KIND_MAX = 5, /* size of the drop counter array, indexed by kind */
};

/* AF_INET / AF_INET6 as the kernel numbers them (no libc in the BPF program). */
#define PG_AF_INET 2
#define PG_AF_INET6 10
#define PG_IPPROTO_TCP 6
#define PG_EPERM 1

struct pg_event_header {
  __u16 version;   /* PG_WIRE_VERSION */
  __u16 kind;      /* enum pg_event_kind */
  __u32 pid;       /* thread id (host pid namespace) */
  __u32 tgid;      /* process id (host pid namespace) */
  __u32 ppid;      /* parent's tgid; 0 when not read for this kind */
  __u64 cgroup_id; /* cgroup v2 id of the task: the inode of its cgroup directory */
  __u64 ts_ns;     /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  char comm[PG_COMM_LEN];
};

/* A destination socket address: IPv4 uses the first 4 bytes of addr. Network byte order. */
struct pg_sockaddr {
  __u16 family; /* PG_AF_INET | PG_AF_INET6 */
  __u16 port;   /* host byte order */
  __u32 pad;
  __u8 addr[16];
};

struct pg_connect_event {
  struct pg_event_header hdr;
  struct pg_sockaddr dst;
  __s32 result; /* -EPERM when refused (PG_CONNECT_ENFORCED), else 0: the outcome is not known */
  __u32 flags;  /* PG_CONNECT_* */
};

/* pg_connect_event.flags: refused by enforcement (result -EPERM); or seen before the kernel
 * tried, so result says nothing (an attempt: the connect may still fail). */
#define PG_CONNECT_ENFORCED 1
#define PG_CONNECT_ATTEMPT 2

/* A send record is variable-length: the fixed part, then payload[] up to the configured
 * sensor.payload_bytes (the kernel reserves PG_SEND_RECORD_BYTES(that) per record, not
 * PG_PAYLOAD_MAX, so the ring holds more records). Readers check payload_len against the
 * record's length. */
struct pg_send_event {
  struct pg_event_header hdr;
  struct pg_sockaddr dst; /* where the message goes: the socket's peer, or the named address */
  __u64 requested_len;    /* bytes in the whole message */
  __u32 payload_len;      /* bytes of payload[] that are valid */
  __u32 pad;
  __u8 payload[PG_PAYLOAD_MAX];
};

#define PG_SEND_HEADER_BYTES 88 /* offsetof(struct pg_send_event, payload) */
#define PG_SEND_RECORD_BYTES(payload_capacity) (PG_SEND_HEADER_BYTES + (payload_capacity))

struct pg_exec_event {
  struct pg_event_header hdr;
  char filename[PG_FILENAME_LEN];
  char argv0[PG_ARGV0_LEN];
};

struct pg_exit_event {
  struct pg_event_header hdr;
  __s32 exit_code; /* task->exit_code: status << 8 | terminating signal */
  __u32 pad;
};

/* Value of the watched-port map: bit (port % 8) of bits[port / 8] set for a watched port. */
struct pg_port_set {
  __u8 bits[8192];
};

/* Key of the enforcement address map: IPv6, or IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so
 * one entry matches a v4 connect and a v4-mapped connect on a dual-stack socket alike. */
struct pg_enforce_addr {
  __u8 addr[16]; /* network byte order */
  __u16 port;    /* host byte order */
  __u16 pad;
};

/* Token-to-workload binding (peer.bpf.c): who opened each TCP connection to the agent's own
 * listeners. Map layouts only, not ring-buffer records, so PG_WIRE_VERSION is unchanged. */
#define PG_MAX_PROXY_PORTS 16
#define PG_MAX_PEERS 16384

/* Key of pg_peers: a connection as its connecting side saw it, in the network namespace it was
 * made in (two pods may both use 10.1.0.5:40000 -> 127.0.0.1:8200 inside their own netns).
 * IPv4-mapped IPv6 is stored as IPv4, which is what the accepting IPv4 socket reports. */
struct pg_peer_key {
  __u32 netns;    /* inode of the socket's network namespace */
  __u16 family;   /* PG_AF_INET | PG_AF_INET6 */
  __u16 sport;    /* host byte order */
  __u16 dport;    /* host byte order */
  __u16 pad;      /* zero */
  __u8 saddr[16]; /* network byte order; IPv4 in the first 4 bytes, the rest zero */
  __u8 daddr[16];
};

/* Value of pg_peers: the task that called connect(). */
struct pg_peer_origin {
  __u64 cgroup_id; /* bpf_get_current_cgroup_id() at connect() */
  __u32 tgid;
  __u32 pad;
};

#endif /* PANGUARD_BPF_EVENTS_H */
