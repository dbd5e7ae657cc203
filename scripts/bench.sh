#!/usr/bin/env bash
# Builds bench_rules in Release (build-bench/) and runs it: ns/event and events/s of rule
# evaluation on one core, for the default pack, its hand-written baseline and a generated
# 1,000-rule pack (docs/benchmarks.md). Arguments go to bench_rules, e.g.
#   scripts/bench.sh --repetitions 11 --require-targets
# Environment: BUILD_DIR (default build-bench), PANGUARD_JOBS (default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build-bench}"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPANGUARD_BENCH=ON \
  -DPANGUARD_SANITIZE= >/dev/null
cmake --build "$build" -j "${PANGUARD_JOBS:-2}" --target bench_rules

printf 'machine: %s CPU(s), %s\n' "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
exec "$build/tests/bench/bench_rules" "$@"
