#!/usr/bin/env bash
# Two jars' latency at low load, side by side: BEFORE.jar and AFTER.jar on the bench_catalog
# database of bench/run.sh (run that first), each on a Redis database of its own (4 and 5,
# flushed), then bench/low-load.py on both at once, its rounds interleaved, so that the machine's
# idle-time drift (runs minutes apart differ by more than most changes) falls on both sides.
#   bench/low-load-ab.sh BEFORE.jar AFTER.jar [ROUNDS (100)] [WARMUP_SECONDS (40)]
# LOW_LOAD_BEFORE_ENV / LOW_LOAD_AFTER_ENV (space-separated NAME=value) add settings to one side,
# so one jar can be compared with itself under two settings.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BEFORE.jar AFTER.jar [ROUNDS] [WARMUP_SECONDS]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
SIDE_ENV=("${LOW_LOAD_BEFORE_ENV:-}" "${LOW_LOAD_AFTER_ENV:-}")
i=0
for jar in "$1" "$2"; do
  redis-cli -n $((4 + i)) flushdb >/dev/null
  # The limits are lifted: the warm-up sends misses faster than a client's default bucket refills.
  # shellcheck disable=SC2086 # the side's settings are meant to split into words
  env ${SIDE_ENV[$i]} SERVER_PORT=$((18100 + i)) SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
    SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres \
    SPRING_DATA_REDIS_URL="redis://127.0.0.1:6379/$((4 + i))" \
    CATALOG_LIMITS_LOADS_PER_SECOND=1000000 CATALOG_LIMITS_BURST=1000000 \
    java -Xmx512m -jar "$jar" >"$OUT/jar-$i.log" 2>&1 &
  PIDS+=($!)
  i=$((i + 1))
done
python3 "$HERE/benchkit.py" wait --pid "${PIDS[0]}" http://127.0.0.1:18100/actuator/health >/dev/null
python3 "$HERE/benchkit.py" wait --pid "${PIDS[1]}" http://127.0.0.1:18101/actuator/health >/dev/null
echo "before: $1 (port 18100), after: $2 (port 18101)"
python3 "$HERE/low-load.py" http://127.0.0.1:18100,http://127.0.0.1:18101 "${3:-100}" "${4:-40}"
