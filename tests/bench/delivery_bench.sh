#!/usr/bin/env bash
# Issue 5's delivery benchmark in one script: alerts/s end to end to the per-tenant audit files,
# to NATS JetStream (next to a raw nats.c publish loop with acks, in the same process and
# server), and to a local webhook receiver with the durable spool on (docs/benchmarks.md).
#
#   tests/bench/delivery_bench.sh [BUILD_DIR=build-bench]   (configured with -DPANGUARD_BENCH=ON)
set -euo pipefail
build=${1:-build-bench}
ninja -C "$build" audit_bench nats_bench webhook_bench >/dev/null

echo "== audit files (target: none set; recorded) =="
"$build/tests/bench/audit_bench"
echo
echo "== NATS JetStream (target: sink >= 50% of the raw loop) =="
"$build/tests/bench/nats_bench" --rounds 3
echo
echo "== SOC webhook, spool on (target: >= 20,000 alerts/s) =="
"$build/tests/bench/webhook_bench"
