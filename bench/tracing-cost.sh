#!/usr/bin/env bash
# What tracing costs on the hit paths: one jar without tracing support (BEFORE.jar, e.g. a
# build of the commit before tracing came in) and this build three times: tracing off (no
# OTLP endpoint), endpoint set with sampling 0.0, endpoint set with sampling 1.0. The endpoint
# is a local sink that answers every export with 200 (the spans are really serialised and
# sent). Two paths, each a cache hit:
#   near   GET /catalog?category=decor&limit=200, no credentials: answered before WebFlux
#   full   GET /me/favorites with Basic credentials: the whole WebFlux and security chain
# After BENCH_WARMUP (10) s of wrk warm-up per target, BENCH_ROUNDS (4) rounds of BENCH_SECONDS (5) s wrk runs,
# the targets alternating within each round; prints requests/s per run and the medians.
#
#   TC_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/catalog_ops TC_REDIS_URL=redis://127.0.0.1:6379/13 \
#     bench/tracing-cost.sh BEFORE.jar target/catalog-service.jar
#
# The database must hold items in category decor and item 1 (start the service once with
# CATALOG_DEMO_DATA=true on an empty one). The four instances share the database and the
# Redis index, each with a key prefix of its own.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BEFORE.jar AFTER.jar" >&2; exit 2; }
: "${TC_R2DBC_URL:?set TC_R2DBC_URL}" "${TC_REDIS_URL:?set TC_REDIS_URL}"
ROUNDS=${BENCH_ROUNDS:-4}
SECONDS_EACH=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-10}
PORT=${BENCH_PORT_BASE:-18180}
NEAR='/catalog?category=decor&limit=200'
FULL='/me/favorites'
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"' EXIT

# the OTLP sink: accepts every POST
python3 - "$((PORT + 9))" <<'EOF' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
EOF
PIDS+=($!)
endpoint="http://127.0.0.1:$((PORT + 9))/v1/traces"

names=(no-tracing-support tracing-off sampling-0.0 sampling-1.0)
start() { # index jar extra-env...
  local i=$1 jar=$2
  shift 2
  env SERVER_PORT=$((PORT + i)) SPRING_R2DBC_URL="$TC_R2DBC_URL" SPRING_DATA_REDIS_URL="$TC_REDIS_URL" \
    SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres CATALOG_CACHE_KEY_PREFIX="tc-$i-$$" \
    CATALOG_SECURITY_USERS_BENCH_PASSWORD='{noop}bench-secret' \
    CATALOG_SECURITY_USERS_BENCH_ROLES=USER "$@" \
    java -Xmx512m -jar "$jar" >"$OUT/jar-$i.log" 2>&1 &
  PIDS+=($!)
}
ready() { # index: wait (up to 5 minutes: one after the other, on a busy machine) and seed a favourite
  for _ in $(seq 1 600); do curl -sf -m 2 "localhost:$((PORT + $1))/actuator/health/readiness" >/dev/null && break; sleep 0.5; done
  curl -sf -m 5 "localhost:$((PORT + $1))/actuator/health/readiness" >/dev/null || { echo "${names[$1]} did not start" >&2; tail "$OUT/jar-$1.log" >&2; exit 1; }
  curl -sf -m 5 -u bench:bench-secret -X PUT "localhost:$((PORT + $1))/me/favorites/1" >/dev/null
}
start 0 "$1"; ready 0
start 1 "$2"; ready 1
start 2 "$2" MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT="$endpoint" MANAGEMENT_TRACING_SAMPLING_PROBABILITY=0.0; ready 2
start 3 "$2" MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT="$endpoint" MANAGEMENT_TRACING_SAMPLING_PROBABILITY=1.0; ready 3
run() { # port path seconds -> requests/s
  if [ "$2" = "$FULL" ]; then
    wrk -t1 -c32 "-d$3s" -H 'Authorization: Basic YmVuY2g6YmVuY2gtc2VjcmV0' "http://127.0.0.1:$1$2"
  else
    wrk -t1 -c32 "-d$3s" "http://127.0.0.1:$1$2"
  fi | awk '/Requests\/sec/{print $2}'
}
for i in 0 1 2 3; do
  for path in "$NEAR" "$FULL"; do run $((PORT + i)) "$path" "$WARMUP" >/dev/null; done
done
for r in $(seq 1 "$ROUNDS"); do
  for path in near full; do
    p=$NEAR; [ $path = full ] && p=$FULL
    for i in 0 1 2 3; do
      rps=$(run $((PORT + i)) "$p" "$SECONDS_EACH")
      echo "$rps" >>"$OUT/rps-$path-$i"
      echo "round $r $path ${names[$i]}: $rps requests/s"
    done
  done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for path in near full; do
  for i in 0 1 2 3; do
    echo "median $path ${names[$i]}: $(median "$OUT/rps-$path-$i") requests/s"
  done
done
