#!/usr/bin/env bash
# The service's CPU per cache miss, for one or more builds one after the other:
#
#   bench/miss-cpu.sh JAR [JAR...]
#
# Each jar runs on port 18095 against the bench_catalog database that bench/run.sh leaves (Redis
# database 11, flushed before each phase), with per-client limits far out of reach and
# X-Forwarded-For trusted. After 30 s of warm-up (q searches, item pages), one connection sends
# for 10 s: `GET /catalog?q=<random digits>` (each a miss and a search), then item pages in turn
# (each a miss until every item has been read once, then hits). Prints requests/s and the jar's
# CPU time (/proc utime + stime) per request. MISS_CPU_WARMUP="SEARCH_SECONDS ITEM_SECONDS" (default
# "20 10") lengthens the warm-up: with the default the first jar of a pair can still be paying for
# the JIT during its measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 JAR [JAR...]" >&2; exit 2; }
PORT=18095
BASE="http://127.0.0.1:$PORT"
OUT=$(mktemp -d)
cat >"$OUT/searches.lua" <<'LUA'
math.randomseed(os.time())
request = function() return wrk.format("GET", "/catalog?q=" .. math.random(100000, 999999999)) end
LUA
cat >"$OUT/items.lua" <<'LUA'
local n = 0
request = function() n = n + 1; return wrk.format("GET", "/catalog/items/" .. (n % 10000 + 1)) end
LUA
read -r WARM_SEARCHES WARM_ITEMS <<<"${MISS_CPU_WARMUP:-20 10}"
ticks=$(getconf CLK_TCK)
for jar in "$@"; do
  redis-cli -n 11 flushdb >/dev/null
  SERVER_PORT=$PORT SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
    SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/11 \
    CATALOG_LIMITS_LOADS_PER_SECOND=1000000 CATALOG_LIMITS_BURST=1000000 \
    java -Xmx512m -jar "$jar" >"$OUT/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do curl -sf "$BASE/actuator/health" >/dev/null && break; sleep 0.5; done
  wrk -t1 -c4 -d"${WARM_SEARCHES}s" -s "$OUT/searches.lua" "$BASE" >/dev/null
  wrk -t1 -c4 -d"${WARM_ITEMS}s" -s "$OUT/items.lua" "$BASE" >/dev/null
  for phase in searches items; do
    redis-cli -n 11 flushdb >/dev/null
    c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    wrk -t1 -c1 -d10s -s "$OUT/$phase.lua" "$BASE" >"$OUT/$phase.txt"
    c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    n=$(awk '/requests in/{print $1}' "$OUT/$phase.txt")
    echo "$jar $phase: $(awk '/Requests\/sec/{print $2}' "$OUT/$phase.txt") requests/s, CPU $(awk -v c=$((c1 - c0)) -v t="$ticks" -v n="$n" 'BEGIN{printf "%.3f", c * 1000 / t / n}') ms per request"
  done
  kill $pid; wait $pid 2>/dev/null || true
done
