#!/usr/bin/env bash
# Installs every Debian package Panguard builds, tests or runs with. Idempotent: a second run
# installs nothing and exits quickly. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang clang-format libclang-rt-14-dev
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libboost-dev libboost-system-dev libboost-program-options-dev
  libnats-dev libhiredis-dev nlohmann-json3-dev prometheus-cpp-dev libyaml-cpp-dev
  libre2-dev libssl-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools nats-server curl python3 openssl
  prometheus-alertmanager  # tests/integration: the Alertmanager sink against a real instance
  nodejs  # with npm: the node-vault client in tests/integration/node_vault_test.cpp
)
# Debian ships npm separately; NodeSource's nodejs bundles it and conflicts with Debian's npm,
# so ask for the package only when there is no npm at all.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
