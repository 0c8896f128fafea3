#!/usr/bin/env bash
# The 1,000,000-item scenario (see bench/README.md): a database of its own filled by the
# service's own demo data loader (catalog.demo-data, 1,000,000 items in 200 categories), then
# bench/search_1m.py: cache-miss latency of every query shape one at a time and from 8
# clients, and the hit ratio of hot pages during a burst of distinct q searches.
# Writes bench/results/search-1m.{md,json} and the service's log; stops what it started.
#
# Knobs (environment): BENCH_1M_DB (catalog_bench1m; dropped and created), BENCH_1M_PORT (8182),
# BENCH_1M_REDIS (redis://127.0.0.1:6379/12; nothing is flushed: keys get a prefix of this run's
# own), BENCH_1M_ITEMS (1000000), BENCH_REBUILD=1 (rebuild the jar), BENCH_1M_ARGS (passed to
# search_1m.py, e.g. "--sequential 200").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"

DB=${BENCH_1M_DB:-catalog_bench1m}
PORT=${BENCH_1M_PORT:-8182}
REDIS=${BENCH_1M_REDIS:-redis://127.0.0.1:6379/12}
ITEMS=${BENCH_1M_ITEMS:-1000000}
RESULTS="$HERE/results"
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
PY=$(command -v python3)

log() { printf '[search-1m %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$RESULTS"

if [ ! -f target/catalog-service.jar ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
  log "building target/catalog-service.jar"
  ./mvnw -B -q -DskipTests package
fi
WORK=$(mktemp -d)
cp target/catalog-service.jar "$WORK/service.jar"
APP=
cleanup() {
  if [ -n "$APP" ] && kill -0 "$APP" 2>/dev/null; then
    kill -TERM "$APP" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$APP" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$APP" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

log "database $DB: dropped and created"
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"

log "starting the service on port $PORT: migrations, then $ITEMS demo items"
STARTED=$(date +%s.%N)
SERVER_PORT=$PORT SPRING_R2DBC_URL="r2dbc:postgresql://127.0.0.1:5432/$DB" \
  SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL="$REDIS" \
  CATALOG_CACHE_KEY_PREFIX="bench1m-$(date +%s)" \
  java -jar "$WORK/service.jar" --catalog.demo-data=true --catalog.demo.items="$ITEMS" --catalog.demo.categories=200 \
  >"$RESULTS/search-1m-service.log" 2>&1 &
APP=$!
"$PY" "$HERE/benchkit.py" wait "http://127.0.0.1:$PORT/actuator/health" --timeout 600 --pid "$APP" >/dev/null
# Health answers once the web server is up, which is before the demo data loader has run.
for _ in $(seq 1 1200); do
  grep -q 'Filled the empty catalog' "$RESULTS/search-1m-service.log" && break
  kill -0 "$APP" 2>/dev/null || { log "the service exited"; exit 1; }
  sleep 0.5
done
READY=$(date +%s.%N)
FILLED=$(grep -o 'Filled the empty catalog with .*' "$RESULTS/search-1m-service.log" || true)
COUNT=$("${PSQL[@]}" -d "$DB" -c 'SELECT count(*) FROM items')
SIZE=$("${PSQL[@]}" -d "$DB" -c "SELECT pg_size_pretty(pg_total_relation_size('items'))")
log "ready after $(printf '%.1f' "$(echo "$READY - $STARTED" | bc)") s; $FILLED; $COUNT items, $SIZE with indexes"

log "measuring"
# shellcheck disable=SC2086
"$PY" "$HERE/search_1m.py" "http://127.0.0.1:$PORT" --out "$RESULTS/search-1m" ${BENCH_1M_ARGS:-}
{
  echo
  echo "Load: $FILLED; $COUNT items, $SIZE with indexes; start to filled $(printf '%.1f' "$(echo "$READY - $STARTED" | bc)") s."
  echo "Machine: $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)."
} | tee -a "$RESULTS/search-1m.md"
