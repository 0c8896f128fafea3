#!/usr/bin/env bash
# Read-after-write as a user meets it: two jars on one PostgreSQL and one Redis, production
# settings, wrk keeping a page hot on both, two writers and readers for RAW_SECONDS (30).
# Every write goes to one instance, and right after its response a reader asks the other
# instance for the item page and the listings the write changed; a page older than the write is
# a stale read. Prints the stale reads, the writes' answers, how long Redis took to confirm
# invalidations (from /actuator/prometheus) and the "Could not invalidate" lines in the logs.
#
# Knobs: RAW_SECONDS (30), RAW_WRK_CONNECTIONS (8), RAW_PORT_BASE (18090), RAW_REDIS_DB (6),
# RAW_STALL_MS (0: no stalls; e.g. 150 keeps Redis busy that long once a second), RAW_JAR (the jar to
# run, default target/catalog-service.jar, built if missing).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"
SECONDS_RUN=${RAW_SECONDS:-30}
CONNECTIONS=${RAW_WRK_CONNECTIONS:-8}
PORT_BASE=${RAW_PORT_BASE:-18090}
RDB=${RAW_REDIS_DB:-6}
STALL_MS=${RAW_STALL_MS:-0}
OUT="$HERE/results/read-after-write"
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
SOURCE_JAR=${RAW_JAR:-target/catalog-service.jar}
[ -f "$SOURCE_JAR" ] || ./mvnw -B -q -DskipTests package
JAR="$OUT/catalog-service.jar"
cp "$SOURCE_JAR" "$JAR"

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS raw_trial WITH (FORCE)" -c "CREATE DATABASE raw_trial" >/dev/null
redis-cli -n "$RDB" flushdb >/dev/null
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
USERS='{"catalog":{"security":{"users":{"editor":{"password":"{noop}editor-secret","roles":"EDITOR"}}}}}'
for i in 0 1; do
  SPRING_APPLICATION_JSON="$USERS" SERVER_PORT=$((PORT_BASE + i)) \
    SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/raw_trial SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres \
    SPRING_DATA_REDIS_URL="redis://127.0.0.1:6379/$RDB" \
    java -Xmx512m -jar "$JAR" >"$OUT/instance-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 0 1; do
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$((PORT_BASE + i))/actuator/health" >/dev/null && break; sleep 0.5
  done
done
/usr/bin/python3 "$HERE/read_after_write.py" --bases "http://127.0.0.1:$PORT_BASE,http://127.0.0.1:$((PORT_BASE + 1))" \
  --seconds "$SECONDS_RUN" --connections "$CONNECTIONS" --redis-db "$RDB" --stall-ms "$STALL_MS" \
  --logs "$OUT/instance-0.log,$OUT/instance-1.log" | tee "$OUT/report.txt"
