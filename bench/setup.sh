#!/usr/bin/env bash
# bench/setup.sh: make sure the tools the benchmark needs are on this machine.
#
# Idempotent: a tool that is already there is left alone, and `apt-get update`
# runs at most once per invocation, only when something has to be installed.
# Needs: wrk (load generator), taskset (util-linux, CPU pinning), python3
# (the reference server), node >= 20; for the file-serving scenarios also curl
# (the 100 MB download), nginx (Debian's nginx-light, else nginx; run by the
# benchmark as its own foreground process, never as the system service) and
# npm's http-server, serve and sirv-cli, installed from bench/package-lock.json into
# bench/node_modules (bench-only: never in the root package.json).
# Exits non-zero, saying what is missing, when a tool cannot be had.
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
    "${sudo[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300 >&2 || { echo "bench/setup.sh: apt-get update failed" >&2; return 1; }
    apt_updated=1
  fi
  echo "bench/setup.sh: apt-get install -y $1" >&2
  # Another process may be installing packages at the same time: wait for its lock.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$1" >&2
}

ensure() {
  # $1: command, $2: Debian package that provides it.
  if have "$1"; then return 0; fi
  apt_install "$2" || true
  if ! have "$1"; then missing+=("$1 (Debian package '$2')"); fi
}

ensure wrk wrk
ensure taskset util-linux
# prlimit (util-linux too) raises the open-files limit for the idle-10k scenario.
ensure prlimit util-linux
ensure python3 python3
ensure curl curl
# The tls-handshake scenario builds bench/wrk-no-resume.c, a small LD_PRELOAD shim for wrk.
ensure cc gcc
ensure openssl openssl
# nginx-light is the small build (autoindex and sendfile are all we use); on
# releases where it is gone or only a transitional package, nginx itself.
if ! have nginx; then
  apt_install nginx-light || apt_install nginx || true
  if ! have nginx; then missing+=("nginx (Debian package 'nginx-light' or 'nginx')"); fi
fi

if ! have node; then
  missing+=("node (Node.js >= 20)")
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  missing+=("node >= 20 (found $(node --version))")
fi

# CPU pinning needs two cores: the server on core 0, wrk on core 1.
if have nproc && [ "$(nproc)" -lt 2 ]; then
  missing+=("a second CPU core (nproc=$(nproc); server and wrk are pinned to cores 0 and 1)")
fi

# npm's http-server, serve and sirv-cli, pinned by bench/package-lock.json.
bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if have npm; then
  if [ ! -f "$bench_dir/node_modules/http-server/package.json" ] || [ ! -f "$bench_dir/node_modules/serve/package.json" ] \
    || [ ! -f "$bench_dir/node_modules/sirv-cli/package.json" ] \
    || [ "$bench_dir/package-lock.json" -nt "$bench_dir/node_modules/.package-lock.json" ]; then
    echo "bench/setup.sh: npm ci in bench/" >&2
    (cd "$bench_dir" && npm ci --no-audit --no-fund >&2) || missing+=("bench/node_modules (npm ci in bench/ failed)")
  fi
else
  missing+=("npm (to install bench/node_modules)")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench/setup.sh: cannot run the benchmark; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi

echo "bench/setup.sh: ok ($(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), $(python3 --version 2>&1), node $(node --version), $(nginx -v 2>&1 | cut -d' ' -f3), $(curl --version | head -n1 | cut -d' ' -f1-2))"
