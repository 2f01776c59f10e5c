#!/usr/bin/env bash
# bench/setup.sh: make sure the tools the benchmark needs are on this machine.
#
# Idempotent: a tool that is already there is left alone, and `apt-get update`
# runs at most once per invocation, only when something has to be installed.
# Needs: wrk (load generator), taskset (util-linux, CPU pinning), python3
# (the reference server), node >= 20. Exits non-zero, saying what is missing,
# when a tool cannot be had.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  # $1: Debian package name.
  if ! have apt-get; then
    echo "bench/setup.sh: apt-get not found; install '$1' by hand" >&2
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then sudo=(sudo); else
      echo "bench/setup.sh: need root (or sudo) to install '$1'" >&2
      return 1
    fi
  fi
  if [ "$apt_updated" -eq 0 ]; then
    echo "bench/setup.sh: apt-get update" >&2
    "${sudo[@]}" apt-get update -qq >&2 || { echo "bench/setup.sh: apt-get update failed" >&2; return 1; }
    apt_updated=1
  fi
  echo "bench/setup.sh: apt-get install -y $1" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$1" >&2
}

ensure() {
  # $1: command, $2: Debian package that provides it.
  if have "$1"; then return 0; fi
  apt_install "$2" || true
  if ! have "$1"; then missing+=("$1 (Debian package '$2')"); fi
}

ensure wrk wrk
ensure taskset util-linux
ensure python3 python3

if ! have node; then
  missing+=("node (Node.js >= 20)")
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  missing+=("node >= 20 (found $(node --version))")
fi

# CPU pinning needs two cores: the server on core 0, wrk on core 1.
if have nproc && [ "$(nproc)" -lt 2 ]; then
  missing+=("a second CPU core (nproc=$(nproc); server and wrk are pinned to cores 0 and 1)")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench/setup.sh: cannot run the benchmark; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi

echo "bench/setup.sh: ok ($(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), $(python3 --version 2>&1), node $(node --version))"
