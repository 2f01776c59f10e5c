#!/bin/bash
# bench/perf-cpu.sh: server CPU µs per request under wrk, from /proc (utime+stime).
#
# Usage: bash bench/perf-cpu.sh SERVER.mjs CONNECTIONS SECONDS [wrk-script.lua] [-- server args]
#   e.g. bash bench/perf-cpu.sh bench/servers/ours.mjs 50 5
#        bash bench/perf-cpu.sh bench/servers/node-http.mjs 50 5 bench/pipeline.lua
# Server on core 0, wrk on core 1, 1 s warm-up, then one measured run.
# CPU time is charged in 10 ms ticks and inflated by other load on the
# machine: compare rows measured back to back, and prefer bench/perf-ir.sh.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=$1; C=$2; D=$3; LUA=$4
shift 4 2>/dev/null || shift $#
[ "$1" = "--" ] && shift
cd "$ROOT"
OUT=$(mktemp)
taskset -c 0 node "$S" 0 "$@" > "$OUT" 2>/dev/null &
PID=$!
for _ in $(seq 100); do grep -q READY "$OUT" && break; sleep 0.1; done
PORT=$(awk '/READY/{print $2}' "$OUT")
SCRIPT=()
[ -n "$LUA" ] && SCRIPT=(-s "$LUA")
taskset -c 1 wrk -t1 -c"$C" -d1s "${SCRIPT[@]}" "http://127.0.0.1:$PORT/" > /dev/null
T0=$(awk '{print $14+$15}' /proc/$PID/stat)
RES=$(taskset -c 1 wrk -t1 -c"$C" -d"${D}s" "${SCRIPT[@]}" "http://127.0.0.1:$PORT/")
T1=$(awk '{print $14+$15}' /proc/$PID/stat)
kill $PID; wait $PID 2>/dev/null; rm -f "$OUT"
REQS=$(echo "$RES" | awk '/requests in/{print $1}')
RPS=$(echo "$RES" | awk '/Requests\/sec/{print $2}')
echo "$S -c$C ${LUA:+$LUA }$*: req/s=$RPS requests=$REQS server CPU µs/req=$(echo "scale=1; ($T1-$T0)*10000/$REQS" | bc)"
