#!/bin/bash
# bench/ab-hello.sh: before/after A/B of the request path on the hello server,
# interleaved: each round runs every scenario on tree A then tree B (the
# order flips every round), so a busy minute of the shared host lands on both.
#
# Usage: bash bench/ab-hello.sh TREE_A TREE_B [ROUNDS] [SECONDS]
#   e.g. bash bench/ab-hello.sh /tmp/before . 5 3
# Each tree must have dist/ built (npx tsc -p tsconfig.json). Scenarios, as
# bench/run.mjs has them: hello (wrk -c50), hello-pipelined (-c50, 16 per
# write, bench/pipeline.lua), hello-close (-c10, Connection: close). The
# server (bench/servers/ours.mjs --quiet, logging off so that the request
# path dominates) runs on core 0, wrk on core 1; 1 s warm-up, then one run.
# Prints one line per run: round, scenario, tree, req/s, server CPU µs/req.
set -e
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); R=${3:-5}; D=${4:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LUA="$ROOT/bench/pipeline.lua"
one() { # tree scenario
  local tree=$1 sc=$2 out pid port args=()
  out=$(mktemp)
  taskset -c 0 node "$tree/bench/servers/ours.mjs" 0 --quiet > "$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 100); do grep -q READY "$out" && break; sleep 0.1; done
  port=$(awk '/READY/{print $2}' "$out")
  case $sc in
    hello) args=(-c50) ;;
    pipelined) args=(-c50 -s "$LUA") ;;
    close) args=(-c10 -H "Connection: close") ;;
  esac
  taskset -c 1 wrk -t1 -d1s "${args[@]}" "http://127.0.0.1:$port/" > /dev/null
  local t0 t1 res
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  res=$(taskset -c 1 wrk -t1 -d"${D}s" "${args[@]}" "http://127.0.0.1:$port/")
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill $pid; wait $pid 2>/dev/null || true; rm -f "$out"
  local reqs rps
  reqs=$(echo "$res" | awk '/requests in/{print $1}')
  rps=$(echo "$res" | awk '/Requests\/sec/{print $2}')
  echo "$sc $([ "$tree" = "$A" ] && echo A || echo B) $rps $(echo "scale=2; ($t1-$t0)*10000/$reqs" | bc)"
}
for r in $(seq "$R"); do
  for sc in hello pipelined close; do
    if [ $((r % 2)) = 1 ]; then first=$A; second=$B; else first=$B; second=$A; fi
    echo "round $r $(one "$first" $sc)"
    echo "round $r $(one "$second" $sc)"
  done
done
