#!/usr/bin/env bash
# Counter store benchmark, all against one redis-server this script starts on a free port:
#   1. redis-benchmark -t incr -P 32        the physical limit of that Redis (pipelined INCR)
#      redis-benchmark EVALSHA <gcra> -P 32 the GCRA script's own ceiling on that Redis (one
#                                           connection, like the store, and 50 connections)
#   2. store_bench pipelined (depth 32)     RedisStore::check_rate decisions/s (GCRA script)
#   3. redis-cli --latency vs store_bench latency: one call at a time, RTT vs p50/p99, and PING
#      one at a time through the same client (the transport alone)
#   4. store_bench memory                   MemoryStore decisions/s on one core
# and a table of the ratios against the targets: >= 50% of raw INCR/s, p99 <= 2x RTT,
# in-process >= 10,000,000/s.
#
# Usage: tests/bench/store_bench.sh [STORE_BENCH_BINARY]  (default build-bench/tests/bench/store_bench)
# Env:   SECONDS_PER_RUN (3) LATENCY_SAMPLES (20000) INCR_REQUESTS (1000000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${1:-$root/build-bench/tests/bench/store_bench}"
seconds="${SECONDS_PER_RUN:-3}"
samples="${LATENCY_SAMPLES:-20000}"
incr_requests="${INCR_REQUESTS:-1000000}"

[ -x "$bench" ] || { echo "store_bench.sh: no store_bench binary at $bench" >&2; exit 1; }
for tool in redis-server redis-cli redis-benchmark python3; do
  command -v "$tool" >/dev/null || { echo "store_bench.sh: $tool not found" >&2; exit 1; }
done

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
workdir="$(mktemp -d)"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
  --logfile "$workdir/redis.log" --daemonize yes --pidfile "$workdir/redis.pid"
cleanup() {
  [ -f "$workdir/redis.pid" ] && kill -9 "$(cat "$workdir/redis.pid")" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" PING 2>/dev/null | grep -q PONG && break
  sleep 0.05
done

echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port," \
  "$(nproc) CPUs ($(uname -m))"

# 1. Physical limit: "INCR: 612345.67 requests per second, p50=..."
incr_line="$(redis-benchmark -p "$port" -t incr -P 32 -n "$incr_requests" -q | tr '\r' '\n' |
  grep -E '^INCR: [0-9.]+ requests per second' | tail -1)"
incr_rps="$(echo "$incr_line" | sed -E 's/^INCR: ([0-9.]+) requests.*/\1/')"
sha="$(redis-cli -p "$port" SCRIPT LOAD "$("$bench" gcra-script)")"
script_rps() {  # $1: connections
  redis-benchmark -p "$port" -c "$1" -P 32 -n 300000 -r 1024 -q \
    EVALSHA "$sha" 1 'pg:{t}:rule:__rand_int__' 1 1000000 | tr '\r' '\n' |
    grep -oE '[0-9.]+ requests per second' | tail -1 | awk '{print $1}'
}
script1="$(script_rps 1)"
script50="$(script_rps 50)"
redis-cli -p "$port" FLUSHALL >/dev/null

# 2. Panguard pipelined at the same depth.
pipelined="$("$bench" pipelined "$port" 32 "$seconds")"
decisions="$(echo "$pipelined" | awk '$1=="pipelined_decisions_per_s"{print $2}')"

# 3. RTT: redis-cli --latency prints "min max avg samples" (ms) when its output is not a tty.
rtt_ms="$(timeout 5 redis-cli -p "$port" --latency </dev/null 2>/dev/null | tail -1 | awk '{print $3}' || true)"
[ -n "$rtt_ms" ] || rtt_ms="$(timeout -s INT 5 redis-cli -p "$port" --latency </dev/null | tail -1 | awk '{print $3}')"
latency="$("$bench" latency "$port" "$samples")"
p50="$(echo "$latency" | awk '$1=="latency_p50_us"{print $2}')"
p99="$(echo "$latency" | awk '$1=="latency_p99_us"{print $2}')"
avg="$(echo "$latency" | awk '$1=="latency_avg_us"{print $2}')"
ping_p50="$(echo "$latency" | awk '$1=="ping_p50_us"{print $2}')"
ping_p99="$(echo "$latency" | awk '$1=="ping_p99_us"{print $2}')"

# 4. In-process store on one core.
memory="$(taskset -c 0 "$bench" memory "$seconds" 2>/dev/null || "$bench" memory "$seconds")"
mem_decide="$(echo "$memory" | awk '$1=="memory_decide_rate_per_s"{print $2}')"
mem_async="$(echo "$memory" | awk '$1=="memory_check_rate_per_s"{print $2}')"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$incr_rps" "$decisions" "$rtt_ms" "$p50" "$p99" "$avg" "$mem_decide" "$mem_async" \
  "$script1" "$script50" "$ping_p50" "$ping_p99" <<'PY'
import sys
(incr, dec, rtt_ms, p50, p99, avg, mem, mem_async, script1, script50, ping_p50,
 ping_p99) = map(float, sys.argv[1:])
rtt = rtt_ms * 1000
rows = [
    ("raw INCR, pipelined 32 (redis-benchmark)", f"{incr:,.0f}/s", "", ""),
    ("GCRA script ceiling, EVALSHA -P 32, 1 connection", f"{script1:,.0f}/s",
     f"{script1 / incr:.0%} of INCR", ""),
    ("GCRA script ceiling, EVALSHA -P 32, 50 connections", f"{script50:,.0f}/s",
     f"{script50 / incr:.0%} of INCR", ""),
    ("check_rate, 32 outstanding (GCRA script)", f"{dec:,.0f}/s",
     f"{dec / incr:.0%} of INCR, {dec / script1:.0%} of script (1 conn)",
     "PASS" if dec >= 0.5 * incr else "MISS (target >= 50% of INCR)"),
    ("RTT (redis-cli --latency avg)", f"{rtt:.0f} us", "", ""),
    ("check_rate one at a time p50", f"{p50:.0f} us", f"{p50 / rtt:.2f}x RTT" if rtt else "", ""),
    ("check_rate one at a time p99", f"{p99:.0f} us", f"{p99 / rtt:.2f}x RTT" if rtt else "",
     "PASS" if rtt and p99 <= 2 * rtt else "MISS (target <= 2x RTT)"),
    ("check_rate one at a time avg", f"{avg:.0f} us", f"{avg / rtt:.2f}x RTT" if rtt else "", ""),
    ("PING one at a time, same client, p50 / p99", f"{ping_p50:.0f} / {ping_p99:.0f} us",
     f"check_rate p99 = {p99 / ping_p99:.2f}x PING p99", ""),
    ("MemoryStore::decide_rate, one core", f"{mem:,.0f}/s", f"{mem / 1e7:.2f}x target",
     "PASS" if mem >= 1e7 else "MISS (target >= 10,000,000/s)"),
    ("MemoryStore::check_rate (async API), one core", f"{mem_async:,.0f}/s",
     f"{mem_async / 1e7:.2f}x target", ""),
]
w = [max(len(r[i]) for r in rows) for i in range(4)]
for r in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
PY
