#!/usr/bin/env bash
# Quick start: builds Panguard and runs its main job on the embedded default rule pack —
# the inline Vault proxy in enforce mode, in front of a local Vault STAND-IN — then a scripted
# session for tenant acme: its own secret (200), globex's secret (403 and a critical alert),
# a path traversal (400 and an alert). Finally it replays the shipped example events.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PANGUARD_JOBS:-2}"
admin="127.0.0.1:9464"
proxy="127.0.0.1:8201"
stand_in_port=18200
panguard="build/agent/panguard"
events="rules/packs/default/examples/demo-events.jsonl"

step() { printf '\n==> %s\n' "$*" >&2; }

step "1/6 Installing build dependencies (skipped when already present)"
./scripts/install-deps.sh

step "2/6 Building the panguard binary into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPANGUARD_WERROR=ON >/dev/null
cmake --build build -j "$jobs" --target panguard

work="$(mktemp -d -t panguard-quickstart.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

step "3/6 Starting a Vault STAND-IN on 127.0.0.1:$stand_in_port and Panguard in front of it"
scripts/demo/mint_session_jwt.sh "$work" acme
python3 scripts/demo/vault_stand_in.py "$stand_in_port" 2>>"$work/stand-in.log" &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$stand_in_port/v1/sys/health" 2>/dev/null && break
  sleep 0.1
done
: >"$work/stand-in.log"  # forget the readiness probe
cat >"$work/panguard.yaml" <<YAML
mode: enforce
admin:
  listen: $admin
vault:
  enabled: true
  listen: $proxy
  upstream: http://127.0.0.1:$stand_in_port
identity:
  jwt:
    jwks_file: jwks.json
    issuer: https://idp.demo.invalid
    audience: panguard-vault
YAML
"$panguard" run --config "$work/panguard.yaml" >"$work/alerts.jsonl" 2>"$work/panguard.log" &
daemon_pid=$!
pids+=("$daemon_pid")

ready=0
for _ in $(seq 1 300); do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "quickstart: panguard exited during startup (are $admin and $proxy free?). Its log:" >&2
    cat "$work/panguard.log" >&2
    exit 1
  fi
  if grep -q "vault proxy listening" "$work/panguard.log" &&
    curl -fsS "http://$admin/readyz" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  echo "quickstart: panguard was not ready after 30 s. Its log:" >&2
  cat "$work/panguard.log" >&2
  exit 1
fi
sed 's/^/    /' "$work/panguard.log" >&2

step "4/6 A session as tenant acme, through the proxy on $proxy"
token="$(cat "$work/acme.jwt")"
request() {
  local what="$1" path="$2"
  local status
  status="$(curl -sS --path-as-is -o "$work/body" -w '%{http_code}' \
    -H "X-Panguard-Session: $token" "http://$proxy$path")"
  printf '    %-44s %s -> HTTP %s  %s\n' "$what" "$path" "$status" "$(head -c 120 "$work/body")" >&2
}
request "acme reads its own secret:" /v1/secret/data/tenants/acme/db
request "acme reads globex's secret:" /v1/secret/data/tenants/globex/db
request "acme tries a traversal:" /v1/secret/data/tenants/acme/../globex/db
sleep 0.2
echo "    What reached the Vault stand-in:" >&2
sed 's/^/      /' "$work/stand-in.log" >&2
echo "    Alerts Panguard raised (JSON lines, also on stdout):" >&2
cat "$work/alerts.jsonl"

step "5/6 Replaying $events through the default rule pack"
echo "    (alerts as JSON lines on stdout, a summary on stderr)" >&2
"$panguard" replay --events "$events"

step "6/6 Stopping Panguard (SIGTERM)"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "quickstart: panguard exited with status $status. Its log:" >&2
  cat "$work/panguard.log" >&2
  exit 1
fi
rm -rf "$work"
echo "Done. Next: ./scripts/test.sh runs the test suite; docs/ explains the rest." >&2
