#!/bin/bash
# bench/perf-file.sh: server CPU ms per GB for N single-stream downloads of
# bench/out/fixture/100m.bin with curl (to /dev/null), from /proc (utime+stime).
#
# Usage: bash bench/perf-file.sh [N]    (default 10; run bench/run.mjs once first for the fixture)
# Server (bench/servers/ours-static.mjs) on core 0, curl on core 1. Prints the
# CPU per GB and the mean curl speed. Compare rows measured back to back.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10}
cd "$ROOT"
OUT=$(mktemp)
taskset -c 0 node bench/servers/ours-static.mjs 0 bench/out/fixture > "$OUT" 2>/dev/null &
PID=$!
for _ in $(seq 100); do grep -q READY "$OUT" && break; sleep 0.1; done
PORT=$(awk '/READY/{print $2}' "$OUT")
URL="http://127.0.0.1:$PORT/100m.bin"
taskset -c 1 curl -s -o /dev/null "$URL"
T0=$(awk '{print $14+$15}' /proc/$PID/stat)
SPEEDS=$(for _ in $(seq "$N"); do taskset -c 1 curl -s -o /dev/null -w '%{size_download} %{speed_download}\n' "$URL"; done)
T1=$(awk '{print $14+$15}' /proc/$PID/stat)
kill $PID; wait $PID 2>/dev/null; rm -f "$OUT"
echo "$SPEEDS" | awk -v t="$((T1 - T0))" '{b += $1; s += $2; n++} END {printf "100m.bin x%d: server CPU ms/GB=%.0f  mean curl MB/s=%.0f\n", n, t * 10 / (b / 1e9), s / n / 1e6}'
