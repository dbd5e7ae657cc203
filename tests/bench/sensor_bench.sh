#!/usr/bin/env bash
# What the eBPF sensor costs the workloads it watches, side by side with no probes and with
# bpftrace doing comparable work (tests/bench/sensor_bench.bt: the same events, filtered the same
# way, with the same payload prefix), then the events/s it delivers. bpftrace 0.17 (Debian 12)
# cannot attach to the sensor's own hooks (cgroup/connect programs; BTF tracepoints with pointer
# arguments), so it watches the same events at the system-call tracepoints, as a bpftrace user
# on this kernel would. Rounds interleave the three ways so machine noise hits them alike;
# figures are medians.
#
#   sudo tests/bench/sensor_bench.sh build-bench/tests/bench/sensor_bench [SECONDS] [ROUNDS]
#
# Needs root (CAP_BPF + CAP_PERFMON); installs bpftrace from Debian if it is missing.
set -euo pipefail

bench=${1:?usage: sensor_bench.sh PATH/TO/sensor_bench [SECONDS] [ROUNDS]}
seconds=${2:-2}
rounds=${3:-5}
script="$(cd "$(dirname "$0")" && pwd)/sensor_bench.bt"

if ! command -v bpftrace >/dev/null 2>&1; then
  echo "sensor_bench: installing bpftrace (the baseline)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q bpftrace >/dev/null
fi

work=$(mktemp -d)
bpftrace_pid=
cleanup() {
  [ -n "$bpftrace_pid" ] && kill -INT "$bpftrace_pid" 2>/dev/null && wait "$bpftrace_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# bpftrace's records go to a file, as Panguard's go to its poll thread: both are consumed.
start_bpftrace() {
  bpftrace "$script" >"$work/bpftrace.out" 2>"$work/bpftrace.err" &
  bpftrace_pid=$!
  for _ in $(seq 1 100); do
    grep -q '^Attaching' "$work/bpftrace.out" 2>/dev/null && sleep 0.5 && return 0
    sleep 0.1
  done
  echo "sensor_bench: bpftrace did not attach:" >&2
  cat "$work/bpftrace.err" >&2
  exit 1
}
stop_bpftrace() {
  kill -INT "$bpftrace_pid"
  wait "$bpftrace_pid" 2>/dev/null || true
  bpftrace_pid=
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

for workload in watched mixed; do
  for round in $(seq 1 "$rounds"); do
    "$bench" --workload "$workload" --seconds "$seconds" --reps 1 | field ns_per_iter >>"$work/$workload.off"
    "$bench" --workload "$workload" --seconds "$seconds" --reps 1 --sensor | tee -a "$work/$workload.panguard.lines" | field ns_per_iter >>"$work/$workload.panguard"
    start_bpftrace
    "$bench" --workload "$workload" --seconds "$seconds" --reps 1 | field ns_per_iter >>"$work/$workload.bpftrace"
    stop_bpftrace
    echo "round $round/$rounds $workload done" >&2
  done
done

echo
echo "ns per iteration, median of $rounds rounds of ${seconds}s (added ns and slowdown vs no probes)"
printf '%-9s %10s %10s %10s %9s %10s %9s %8s\n' workload no-probes panguard +ns slowdown bpftrace +ns slowdown
for workload in watched mixed; do
  off=$(median <"$work/$workload.off")
  pg=$(median <"$work/$workload.panguard")
  bt=$(median <"$work/$workload.bpftrace")
  awk -v w="$workload" -v off="$off" -v pg="$pg" -v bt="$bt" 'BEGIN {
    printf "%-9s %10.1f %10.1f %10.1f %8.1f%% %10.1f %9.1f %7.1f%%\n", w, off, pg, pg - off,
           100 * (pg - off) / off, bt, bt - off, 100 * (bt - off) / off }'
done
drops=$(cat "$work"/*.panguard.lines | field drops | awk '{s+=$1} END {print s+0}')
echo "panguard drops during the loops: $drops"

echo
echo "events/s delivered to user space: 64-byte messages on a watched TCP connection drained by a"
echo "reader, sent by sendmmsg() in batches of 64 (one send record each), paced at a rate"
printf '%-10s %10s %12s %12s %12s %8s\n' ring asked sent/s delivered/s "delivered %" drops
for ring in 1048576 16777216; do
  for rate in 250000 500000 1000000 0; do
    "$bench" --workload flood --seconds "$seconds" --reps 1 --sensor --ring-bytes "$ring" --rate "$rate" |
      awk -v ring="$ring" -v rate="$rate" -v seconds="$seconds" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        sent = f["iterations"] / seconds
        printf "%-10d %10s %12.0f %12.0f %11.1f%% %8d\n", ring, rate == 0 ? "max" : rate, sent,
               f["events_per_s"], 100 * f["events"] / f["iterations"], f["drops"] }'
  done
done
