#!/bin/bash
# bench/perf-ir.sh: server instructions per request, counted by callgrind —
# repeatable on a shared machine, where wall-clock and even CPU time are not.
#
# Usage: [SARGS="server args"] bash bench/perf-ir.sh SERVER.mjs N1 N2 [perf-client args...]
#   e.g. bash bench/perf-ir.sh bench/servers/ours.mjs 3000 13000
#        bash bench/perf-ir.sh bench/servers/ours.mjs 4000 20000 --pipeline 16
#        SARGS=/path/to/fixture bash bench/perf-ir.sh bench/servers/ours-static.mjs 2000 8000 --path /1k.bin
# Runs the server twice under `valgrind --tool=callgrind` with
# `node --single-threaded` (compilation and GC on the main thread, so the
# count does not depend on scheduling), loads it with bench/perf-client.mjs
# for N1 and then N2 requests, and prints (Ir(N2) - Ir(N1)) / (N2 - N1):
# start-up, warm-up and shutdown cancel out. User-space instructions only:
# the kernel's share (socket reads and writes) is not counted. ~2-4 min.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=$1; N1=$2; N2=$3; shift 3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
run() {
  local n=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$n" node --single-threaded "$S" 0 $SARGS > "$TMP/srv.$n" 2>/dev/null &
  local pid=$!
  for _ in $(seq 600); do grep -q READY "$TMP/srv.$n" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(awk '/READY/{print $2}' "$TMP/srv.$n")
  node bench/perf-client.mjs "$port" "$n" "$@" > /dev/null
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  callgrind_annotate "$TMP/cg.$n" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'
}
A=$(run "$N1" "$@")
B=$(run "$N2" "$@")
echo "$S $SARGS $*: Ir/request = $(( (B - A) / (N2 - N1) ))  (Ir at $N1: $A, at $N2: $B)"
