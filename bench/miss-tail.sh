#!/usr/bin/env bash
# Tail latency of one-at-a-time cache misses on the million items, for one or more JVM option sets:
#
#   bench/miss-tail.sh "" "-XX:+UseZGC" "-XX:+UseParallelGC"
#
# Needs the catalog_bench1m database that bench/search-1m.sh leaves. For each option set (in
# turn; pass the same ones again to alternate), the jar (target/catalog-service.jar) runs on port
# 18097 with Redis database 13 (flushed first) and a GC log: 2,000 warm-up misses, then 600
# measured, one at a time, each a key not asked before, in turn an item page, a category page of
# 100 items with a price floor, and a price window of 100 items sorted by name. Prints p50, p90,
# p99 and the slowest miss, the service's CPU time per measured miss (/proc), and the collector's
# pauses during the measured misses (how many, the three longest). A setting of application.yaml
# can be compared too, as a system property: bench/miss-tail.sh "" -Dspring.r2dbc.properties.forceBinary=false
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 JAVA_OPTS [JAVA_OPTS...]" >&2; exit 2; }
PORT=18097
DB=${BENCH_1M_DB:-catalog_bench1m}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CATEGORIES=$(psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "SELECT string_agg(DISTINCT category, ',') FROM (SELECT category FROM items LIMIT 100000) c")
run=0
for opts in "$@"; do
  run=$((run + 1))
  redis-cli -n 13 flushdb >/dev/null
  # shellcheck disable=SC2086 # the options are words
  SERVER_PORT=$PORT SPRING_R2DBC_URL="r2dbc:postgresql://127.0.0.1:5432/$DB" SPRING_R2DBC_USERNAME=postgres \
    SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/13 \
    CATALOG_LIMITS_LOADS_PER_SECOND=1000000 CATALOG_LIMITS_BURST=1000000 \
    java $opts -Xlog:gc:file="$OUT/gc-$run.log" -jar target/catalog-service.jar >"$OUT/service-$run.log" 2>&1 &
  pid=$!
  python3 bench/benchkit.py wait "http://127.0.0.1:$PORT/actuator/health" --timeout 60 --pid "$pid" >/dev/null
  python3 - "$PORT" "$((run * 3000))" "$CATEGORIES" "${opts:-(defaults)}" "$OUT/gc-$run.log" "$pid" <<'PY'
import re, sys, time, urllib.parse, urllib.request
port, offset, categories, label, gc_log, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(','), sys.argv[4], sys.argv[5], sys.argv[6]
def path(i):
    n = offset + i
    return [f"/catalog/items/{n}",
            f"/catalog?category={urllib.parse.quote(categories[i % len(categories)])}&minPrice={n}&limit=100",
            f"/catalog?sort=name&minPrice={n}&maxPrice={n + 400}&limit=100"][i % 3]
def pauses():
    return [float(m) for m in re.findall(r'Pause.* ([0-9.]+)ms$', open(gc_log).read(), re.M)]
def cpu_seconds():
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100
for i in range(2000):
    urllib.request.urlopen(f"http://127.0.0.1:{port}{path(i)}").read()
before, cpu_before = len(pauses()), cpu_seconds()
times = []
for i in range(2000, 2600):
    started = time.perf_counter()
    urllib.request.urlopen(f"http://127.0.0.1:{port}{path(i)}").read()
    times.append((time.perf_counter() - started) * 1000)
cpu = (cpu_seconds() - cpu_before) * 1000 / len(times)
during = sorted(pauses()[before:])
times.sort()
n = len(times)
print(f"{label}: p50 {times[n // 2]:.1f} p90 {times[int(n * .9)]:.1f} p99 {times[int(n * .99)]:.1f} max {times[-1]:.1f} ms;"
      f" service CPU {cpu:.2f} ms a miss")
print(f"  collector pauses during the 600: {len(during)}, longest {' '.join(f'{p:.1f}' for p in during[-3:])} ms")
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
