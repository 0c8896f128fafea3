#!/usr/bin/env bash
# Two jars' hit path side by side: BEFORE.jar and AFTER.jar on one database, 30 s of wrk warm-up
# each, then AB_ROUNDS (6) alternating AB_SECONDS (5) s wrk runs of GET /catalog?category=cat-3&limit=200,
# printing requests/s per run and the medians. Uses the bench_catalog database bench/run.sh leaves
# behind (run that first) and Redis databases 4 and 5.
#   bench/ab-hit-path.sh BEFORE.jar AFTER.jar
# AB_BEFORE_ENV / AB_AFTER_ENV (space-separated NAME=value) add settings to one side, so one jar
# can be compared with itself under two settings:
#   AB_AFTER_ENV=SPRING_REACTOR_CONTEXT_PROPAGATION=limited bench/ab-hit-path.sh app.jar app.jar
# AB_BASIC=1 sends the hits with the Basic credentials of a user `editor` that both jars are given,
# so they take the full WebFlux and Spring Security chain instead of the near-hit path;
# AB_WARMUP (30) sets the seconds of warm-up; AB_URL another page to hit (the default is the one above).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BEFORE.jar AFTER.jar" >&2; exit 2; }
ROUNDS=${AB_ROUNDS:-6}
SECONDS_EACH=${AB_SECONDS:-5}
URL=${AB_URL:-'/catalog?category=cat-3&limit=200'}
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
i=0
SIDE_ENV=("${AB_BEFORE_ENV:-}" "${AB_AFTER_ENV:-}")
WARMUP=${AB_WARMUP:-30}
WRK_AUTH=()
CURL_AUTH=()
if [ "${AB_BASIC:-0}" = 1 ]; then
  printf 'wrk.headers["Authorization"] = "Basic ZWRpdG9yOmVkLXNlY3JldA=="\n' >"$OUT/basic.lua"
  WRK_AUTH=(-s "$OUT/basic.lua")
  CURL_AUTH=(-u editor:ed-secret)
fi
for jar in "$1" "$2"; do
  # shellcheck disable=SC2086 # the side's settings are meant to split into words
  env ${SIDE_ENV[$i]} SERVER_PORT=$((18100 + i)) SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
    SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres \
    SPRING_DATA_REDIS_URL="redis://127.0.0.1:6379/$((4 + i))" CATALOG_CACHE_KEY_PREFIX="ab-$i" \
    CATALOG_SECURITY_USERS_EDITOR_PASSWORD='{noop}ed-secret' CATALOG_SECURITY_USERS_EDITOR_ROLES=EDITOR \
    java -Xmx512m -jar "$jar" >"$OUT/jar-$i.log" 2>&1 &
  PIDS+=($!)
  i=$((i + 1))
done
for port in 18100 18101; do
  for _ in $(seq 1 120); do curl -sf "localhost:$port/actuator/health" >/dev/null && break; sleep 0.5; done
  curl -sf ${CURL_AUTH[@]+"${CURL_AUTH[@]}"} "localhost:$port$URL" >/dev/null
  wrk -t1 -c32 "-d${WARMUP}s" ${WRK_AUTH[@]+"${WRK_AUTH[@]}"} "http://127.0.0.1:$port$URL" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
  for port in 18100 18101; do
    rps=$(wrk -t1 -c32 "-d${SECONDS_EACH}s" ${WRK_AUTH[@]+"${WRK_AUTH[@]}"} "http://127.0.0.1:$port$URL" | awk '/Requests\/sec/{print $2}')
    echo "$rps" >>"$OUT/rps-$port"
    echo "round $r $([ $port = 18100 ] && echo before || echo after): $rps requests/s"
  done
done
for port in 18100 18101; do
  echo "$([ $port = 18100 ] && echo before || echo after) median: $(sort -n "$OUT/rps-$port" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}') requests/s"
done
