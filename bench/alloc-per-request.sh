#!/usr/bin/env bash
# Heap allocated by the service per request, for one or more builds one after the other:
#
#   bench/alloc-per-request.sh JAR [JAR...]
#
# Each jar runs on port 18096 against the bench_catalog database that bench/run.sh leaves (Redis
# database 11, flushed first), with per-client limits out of reach and no trace exporter. After
# ALLOC_WARMUP (1500) item-page misses and as many hits, a JFR recording (thread allocation
# statistics only) spans ALLOC_REQUESTS (1000) item-page misses, each followed by its hit, sent
# one at a time. Prints the bytes allocated by all of the service's threads over the recording
# divided by the requests (misses and hits together), and the misses' median latency.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 JAR [JAR...]" >&2; exit 2; }
PORT=18096
BASE="http://127.0.0.1:$PORT"
WARMUP=${ALLOC_WARMUP:-1500}
REQUESTS=${ALLOC_REQUESTS:-1000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cat >"$OUT/alloc.jfc" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
XML
for jar in "$@"; do
  redis-cli -n 11 flushdb >/dev/null
  SERVER_PORT=$PORT SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
    SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/11 \
    CATALOG_LIMITS_LOADS_PER_SECOND=1000000 CATALOG_LIMITS_BURST=1000000 \
    java -Xmx512m -jar "$jar" >"$OUT/service.log" 2>&1 &
  pid=$!
  python3 bench/benchkit.py wait "$BASE/actuator/health" --timeout 60 --pid "$pid" >/dev/null
  python3 - "$BASE" 1 "$WARMUP" <<'PY'
import sys, urllib.request
base, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + n):
    for _ in (0, 1):
        urllib.request.urlopen(f"{base}/catalog/items/{i % 10000 + 1}").read()
PY
  jcmd "$pid" JFR.start name=alloc settings="$OUT/alloc.jfc" >/dev/null
  median=$(python3 - "$BASE" "$((WARMUP + 1))" "$REQUESTS" <<'PY'
import statistics, sys, time, urllib.request
base, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
misses = []
for i in range(first, first + n):
    url = f"{base}/catalog/items/{i % 10000 + 1}"
    started = time.perf_counter()
    urllib.request.urlopen(url).read()
    misses.append(time.perf_counter() - started)
    urllib.request.urlopen(url).read()
print(f"{statistics.median(misses) * 1000:.2f}")
PY
)
  jcmd "$pid" JFR.stop name=alloc filename="$OUT/alloc.jfr" >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true
  jfr print --json --events jdk.ThreadAllocationStatistics "$OUT/alloc.jfr" >"$OUT/alloc.json"
  python3 - "$OUT/alloc.json" "$((REQUESTS * 2))" "$jar" "$median" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
seen = {}
for e in events:
    thread = e["values"]["thread"]
    key = thread["javaThreadId"] if thread else None
    low, high = seen.get(key, (None, None))
    value = e["values"]["allocated"]
    seen[key] = (value if low is None else min(low, value), value if high is None else max(high, value))
allocated = sum(high - low for low, high in seen.values())
print(f"{sys.argv[3]}: {allocated / int(sys.argv[2]) / 1024:.1f} KB allocated per request; miss median {sys.argv[4]} ms")
PY
done
