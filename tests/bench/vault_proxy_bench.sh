#!/usr/bin/env bash
# Vault proxy benchmark: the same wrk load (same machine, same concurrency, back to back) against
#   1. upstream  - nginx serving a static JSON file: a fast Vault STAND-IN, not Vault
#   2. nginx     - nginx as a plain reverse proxy (keep-alive pool) in front of (1)
#   3. panguard  - `panguard run` in enforce mode with the embedded default pack, verifying the
#                  session JWT on every request, in front of (1)
# Prints requests/s, p50 and p99 for each, and the panguard/nginx ratios.
#
# Usage: tests/bench/vault_proxy_bench.sh [PANGUARD_BINARY]   (default build/agent/panguard)
# Env:   DURATION (10s) THREADS (2) CONNECTIONS (32) ROUNDS (1) BASE_PORT (18300)
#        WORKERS (1): nginx proxy worker processes and Panguard vault.io_threads, always equal.
#        The stand-in upstream keeps one worker.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
panguard="${1:-$root/build/agent/panguard}"
duration="${DURATION:-10s}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
rounds="${ROUNDS:-1}"
workers="${WORKERS:-1}"
base_port="${BASE_PORT:-18300}"
upstream_port=$base_port
nginx_port=$((base_port + 1))
panguard_port=$((base_port + 2))
admin_port=$((base_port + 3))
target="/v1/secret/data/tenants/acme/db"

[ -x "$panguard" ] || { echo "vault_proxy_bench: no panguard binary at $panguard" >&2; exit 1; }

install_missing() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
install_missing
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

work="$(mktemp -d -t panguard-vault-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# One nginx instance per role, foreground, no access log (Panguard writes none either).
start_nginx() {
  local name="$1" worker_processes="$2" server_block="$3"
  mkdir -p "$work/$name"
  cat >"$work/$name/nginx.conf" <<NGINX
worker_processes $worker_processes;
daemon off;
pid $work/$name/nginx.pid;
error_log $work/$name/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/$name/tmp;
  proxy_temp_path $work/$name/tmp;
  $server_block
}
NGINX
  "$nginx_bin" -p "$work/$name" -c "$work/$name/nginx.conf" &
  pids+=($!)
}

wait_for_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "vault_proxy_bench: nothing listening on port $1" >&2
  exit 1
}

chmod 755 "$work"  # nginx workers may run as an unprivileged user
printf '{"request_id":"bench","data":{"data":{"password":"stand-in-secret"},"metadata":{"version":1}}}\n' \
  >"$work/secret.json"
start_nginx upstream 1 "server {
    listen 127.0.0.1:$upstream_port;
    keepalive_requests 1000000;
    location /v1/ { default_type application/json; root $work; try_files /secret.json =404; }
  }"
start_nginx proxy "$workers" "upstream vault { server 127.0.0.1:$upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://vault;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"

"$root/scripts/demo/mint_session_jwt.sh" "$work" acme
cat >"$work/panguard.yaml" <<YAML
mode: enforce
admin:
  listen: 127.0.0.1:$admin_port
vault:
  enabled: true
  listen: 127.0.0.1:$panguard_port
  upstream: http://127.0.0.1:$upstream_port
  io_threads: $workers
identity:
  jwt:
    jwks_file: jwks.json
    issuer: https://idp.demo.invalid
    audience: panguard-vault
YAML
"$panguard" run --config "$work/panguard.yaml" >"$work/alerts.jsonl" 2>"$work/panguard.log" &
pids+=($!)
wait_for_port "$upstream_port"
wait_for_port "$nginx_port"
wait_for_port "$panguard_port"

# Every side gets the same request bytes, session header included. done() prints exact figures.
cat >"$work/session.lua" <<LUA
wrk.method = "GET"
wrk.path = "$target"
wrk.headers["X-Panguard-Session"] = "$(cat "$work/acme.jwt")"
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %.0f %.0f %.0f %d\n", summary.requests / seconds,
                         latency:percentile(50), latency:percentile(99), errors))
end
LUA

# A request through Panguard must be forwarded (200) for its figures to mean anything.
check_status() {
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "X-Panguard-Session: $(cat "$work/acme.jwt")" \
    "http://127.0.0.1:$1$target")"
  [ "$status" = 200 ] || { echo "vault_proxy_bench: $2 answered $status, not 200" >&2; exit 1; }
}
check_status "$upstream_port" upstream
check_status "$nginx_port" nginx
check_status "$panguard_port" panguard

measure() {  # port -> "rps p50_us p99_us errors"
  wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/session.lua" \
    "http://127.0.0.1:$1" | awk '/^RESULT/ { print $2, $3, $4, $5 }'
}

echo "wrk -t$threads -c$connections -d$duration, $rounds round(s), $(nproc) CPUs, target $target," \
  "$workers proxy worker(s) each"
printf '%-6s %-9s %12s %10s %10s %7s\n' round side "requests/s" "p50 (us)" "p99 (us)" errors
for round in $(seq 1 "$rounds"); do
  declare -A rps p50 p99
  for side in upstream nginx panguard; do
    case $side in
      upstream) port=$upstream_port ;;
      nginx) port=$nginx_port ;;
      panguard) port=$panguard_port ;;
    esac
    read -r r a b e < <(measure "$port")
    rps[$side]=$r p50[$side]=$a p99[$side]=$b
    printf '%-6s %-9s %12s %10s %10s %7s\n' "$round" "$side" "$r" "$a" "$b" "$e"
  done
  awk -v pr="${rps[panguard]}" -v nr="${rps[nginx]}" -v p5="${p50[panguard]}" \
    -v n5="${p50[nginx]}" -v p9="${p99[panguard]}" -v n9="${p99[nginx]}" 'BEGIN {
      printf "round %s panguard/nginx: throughput %.2fx (target >= 1.00), p50 %.2fx, p99 %.2fx (target <= 1.20)\n",
        "'"$round"'", pr / nr, p5 / n5, p9 / n9 }'
done

# No alert should have fired: every measured request was tenant acme reading its own secret.
alerts=$(grep -c '"rule"' "$work/alerts.jsonl" || true)
echo "alerts raised during the run: $alerts"
