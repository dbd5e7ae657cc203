#!/usr/bin/env bash
# Quick start: builds Panguard, starts the daemon on its embedded defaults, and replays the
# shipped example events through the default rule pack so you can see alerts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PANGUARD_JOBS:-2}"
admin="127.0.0.1:9464"
panguard="build/agent/panguard"
events="rules/packs/default/examples/demo-events.jsonl"

step() { printf '\n==> %s\n' "$*" >&2; }

step "1/5 Installing build dependencies (skipped when already present)"
./scripts/install-deps.sh

step "2/5 Building the panguard binary into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPANGUARD_WERROR=ON >/dev/null
cmake --build build -j "$jobs" --target panguard

step "3/5 Starting the daemon: '$panguard run' (embedded defaults, admin API on $admin)"
daemon_log="$(mktemp -t panguard-quickstart.XXXXXX.log)"
"$panguard" run >"$daemon_log" 2>&1 &
daemon_pid=$!

stop_daemon() {
  if kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
}
trap stop_daemon EXIT

healthy=0
for _ in $(seq 1 300); do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "quickstart: the daemon exited during startup (is $admin already in use?). Its log:" >&2
    cat "$daemon_log" >&2
    exit 1
  fi
  if curl -fsS "http://$admin/healthz" >/dev/null 2>&1; then
    healthy=1
    break
  fi
  sleep 0.1
done
if [ "$healthy" -ne 1 ]; then
  echo "quickstart: no answer on http://$admin/healthz after 30 s. Daemon log:" >&2
  cat "$daemon_log" >&2
  exit 1
fi
echo "healthz: ok (pid $daemon_pid)" >&2
echo "readyz:" >&2
curl -sS "http://$admin/readyz" >&2 || true
echo >&2

step "4/5 Replaying $events through the default rule pack"
echo "    (alerts as JSON lines on stdout, a summary on stderr)" >&2
"$panguard" replay --events "$events"

step "5/5 Stopping the daemon (SIGTERM)"
trap - EXIT
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "quickstart: the daemon exited with status $status. Its log:" >&2
  cat "$daemon_log" >&2
  exit 1
fi
rm -f "$daemon_log"
echo "Done. Next: ./scripts/test.sh runs the test suite; docs/ explains the rest." >&2
