#!/bin/bash
# bench/h2-ir.sh: server instructions per HTTP/2 request, counted by
# callgrind (bench/perf-ir.sh's method, with h2load as the client).
#
# Usage: bash bench/h2-ir.sh SERVER N1 N2   (SERVER: a script printing
#        `READY <port>`, e.g. bench/servers/ours.mjs with SARGS="--quiet --http2",
#        or bench/servers/node-h2.mjs)
# Runs the server twice under `valgrind --tool=callgrind` with
# `node --single-threaded`, loads it with `h2load -c10 -m10 -n N` (cleartext
# prior knowledge) for N1 and then N2 requests, and prints
# (Ir(N2) - Ir(N1)) / (N2 - N1): start-up and shutdown cancel out.
# User-space instructions only. ~2-4 min.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=$1; N1=$2; N2=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
run() {
  local n=$1
  valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$n" node --single-threaded "$S" 0 $SARGS > "$TMP/srv.$n" 2>/dev/null &
  local pid=$!
  for _ in $(seq 600); do grep -q READY "$TMP/srv.$n" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(awk '/READY/{print $2}' "$TMP/srv.$n")
  h2load -c 10 -m 10 -n "$n" "http://127.0.0.1:$port/" > "$TMP/h2load.$n"
  grep -q "$n succeeded" "$TMP/h2load.$n" || { echo "h2load: not all $n requests succeeded" >&2; cat "$TMP/h2load.$n" >&2; }
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  callgrind_annotate "$TMP/cg.$n" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'
}
A=$(run "$N1")
B=$(run "$N2")
echo "$S $SARGS: Ir/request = $(( (B - A) / (N2 - N1) ))  (Ir at $N1: $A, at $N2: $B)"
