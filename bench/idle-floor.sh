#!/usr/bin/env bash
# How far an idle hit is from the floor under it: the service's hit of an item page beside
# Reactor Netty alone (bench/IdleFloorServer.java, the service jar's own libraries, answering
# the same bytes) and nginx serving them from a file, each warmed up with IDLE_WARMUP seconds
# of wrk (40), then ROUNDS interleaved idle rounds (bench/idle-floor.py; one GET every 200 ms).
# Needs bench/run.sh's bench_catalog database; uses Redis database 10 (flushed).
#   bench/idle-floor.sh [JAR (target/catalog-service.jar)] [ROUNDS (100)]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${1:-$HERE/../target/catalog-service.jar}
ROUNDS=${2:-100}
WARMUP=${IDLE_WARMUP:-40}
command -v wrk >/dev/null && command -v nginx >/dev/null || apt-get install -y -qq wrk nginx >/dev/null
OUT=$(mktemp -d)
chmod 755 "$OUT" # nginx's workers read the file as another user
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null; true' EXIT
(cd "$OUT" && unzip -q "$JAR" 'BOOT-INF/lib/*')

redis-cli -n 10 flushdb >/dev/null
SERVER_PORT=18110 SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
  SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/10 \
  java -Xmx512m -jar "$JAR" >"$OUT/service.log" 2>&1 &
PIDS+=($!)
python3 "$HERE/benchkit.py" wait --pid "${PIDS[0]}" http://127.0.0.1:18110/actuator/health >/dev/null
ITEM=$(curl -sf 'http://127.0.0.1:18110/catalog?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
mkdir -m 755 -p "$OUT/www"
curl -sf "http://127.0.0.1:18110/catalog/items/$ITEM" -o "$OUT/www/item.json"

java -cp "$OUT/BOOT-INF/lib/*" "$HERE/IdleFloorServer.java" 18111 "$OUT/www/item.json" >"$OUT/floor.log" 2>&1 &
PIDS+=($!)
cat >"$OUT/nginx.conf" <<CONF
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
events { worker_connections 256; }
http { access_log off; sendfile on; server { listen 127.0.0.1:18112; root $OUT/www; default_type application/json; } }
CONF
nginx -c "$OUT/nginx.conf"
for i in $(seq 1 60); do curl -sf http://127.0.0.1:18111/ >/dev/null && break; sleep 0.5; done

SERVICE="http://127.0.0.1:18110/catalog/items/$ITEM"
for url in "$SERVICE" http://127.0.0.1:18111/ http://127.0.0.1:18112/item.json; do
  wrk -t1 -c4 -d"${WARMUP}s" "$url" >/dev/null
done
echo "service: $JAR; item $ITEM ($(wc -c <"$OUT/www/item.json") bytes); $ROUNDS rounds after ${WARMUP}s of warm-up each"
curl -s -D- -o /dev/null "$SERVICE" | tr -d '\r' | grep -i '^cache-status' || true
python3 "$HERE/idle-floor.py" "$ROUNDS" "reactor-netty alone=http://127.0.0.1:18111/" \
  "service hit=$SERVICE" "nginx file=http://127.0.0.1:18112/item.json"
