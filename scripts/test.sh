#!/usr/bin/env bash
# Builds Panguard and runs the whole test suite (unit, integration, fuzz seeds when built).
# Installs missing build dependencies first (scripts/install-deps.sh). Build dir: build/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="${PANGUARD_JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

step "Installing build dependencies (skipped when already present)"
./scripts/install-deps.sh

step "Configuring build/ (RelWithDebInfo, warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPANGUARD_WERROR=ON

step "Building"
cmake --build build -j "$jobs"

step "Running tests"
ctest --test-dir build --output-on-failure -j "$jobs"

step "All tests passed"
