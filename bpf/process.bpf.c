// SPDX-License-Identifier: GPL-2.0
/* Process lifecycle: sched_process_exec (filename, argv[0], parent) and sched_process_exit
 * (thread-group leaders only, with the exit code), as BTF tracepoints: typed arguments, no
 * tracefs. Off when pg_process_events is 0; only tasks under a watched cgroup subtree when
 * sensor.watched_cgroups is set (pg_filter_cgroups). */
#include "panguard_common.bpf.h"

#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pg_sched_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  if (!pg_process_events || pg_is_self() || !pg_in_watched_cgroups()) return 0;
  struct pg_exec_event* e = pg_reserve(sizeof(*e), PG_EV_EXEC);
  if (!e) return 0;
  pg_fill_header(&e->hdr, PG_EV_EXEC);
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  e->hdr.ppid = BPF_CORE_READ(task, real_parent, tgid);

  if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename)) <
      0) {
    e->filename[0] = '\0';
  }
  /* argv[0] sits at mm->arg_start in the new image's user memory. */
  unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
  if (!arg_start ||
      bpf_probe_read_user_str(e->argv0, sizeof(e->argv0), (const void*)arg_start) < 0) {
    e->argv0[0] = '\0';
  }
  pg_submit_batched(e);
  return 0;
}

/* Kernels before 6.16 pass only the task; the program reads nothing else. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pg_sched_exit, struct task_struct* p) {
  if (!pg_process_events || pg_is_self()) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if ((__u32)pid_tgid != (__u32)(pid_tgid >> 32)) return 0; /* a thread, not the process */
  if (!pg_in_watched_cgroups()) return 0;
  struct pg_exit_event* e = pg_reserve(sizeof(*e), PG_EV_EXIT);
  if (!e) return 0;
  pg_fill_header(&e->hdr, PG_EV_EXIT);
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  e->hdr.ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->exit_code = BPF_CORE_READ(task, exit_code);
  e->pad = 0;
  pg_submit_batched(e);
  return 0;
}
