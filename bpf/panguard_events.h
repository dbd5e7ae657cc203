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

#define PG_WIRE_VERSION 2 /* 2: pg_connect_event.flags (in-kernel enforcement) */

#define PG_COMM_LEN 16
#define PG_PAYLOAD_MAX 256  /* the most payload bytes a send record can carry */
#define PG_FILENAME_LEN 256 /* exec: path as passed to execve, truncated */
#define PG_ARGV0_LEN 128    /* exec: argv[0], truncated */
#define PG_MAX_WATCHED_PORTS 64
#define PG_MAX_WATCHED_FDS 65536
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

/* Which system call a send record came from. */
enum pg_send_call {
  PG_SEND_SENDTO = 1,
  PG_SEND_SENDMSG = 2,
  PG_SEND_WRITE = 3,
  PG_SEND_WRITEV = 4,
};

/* AF_INET / AF_INET6 as the kernel numbers them (no libc in the BPF program). */
#define PG_AF_INET 2
#define PG_AF_INET6 10

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
  __s32 fd;
  __s32 result; /* connect()'s return: 0, -EINPROGRESS, or another -errno */
  __u32 flags;  /* PG_CONNECT_* */
  __u32 pad;
};

/* pg_connect_event.flags: refused by the cgroup/connect program (fd is -1, result -EPERM). */
#define PG_CONNECT_ENFORCED 1

struct pg_send_event {
  struct pg_event_header hdr;
  struct pg_sockaddr dst; /* where the fd connected to (from the connect record) */
  __s32 fd;
  __u16 call;          /* enum pg_send_call */
  __u16 payload_len;   /* bytes of payload[] that are valid */
  __u64 requested_len; /* bytes the caller asked to send (first iovec for sendmsg/writev) */
  __u8 payload[PG_PAYLOAD_MAX];
};

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

/* Value of the watched_fds map: the destination a tracked socket fd connected to. */
struct pg_watched_fd {
  struct pg_sockaddr dst;
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
