#!/usr/bin/env bash
# What credentials cost a hit on a public route: the same cached page asked anonymously, with a
# valid bearer token (the same token every time, as a client sends it) and with HTTP Basic.
#
#   bench/credentials-hit-cost.sh [JAR]        (default target/catalog-service.jar)
#
# Starts the jar on port 18110 against the bench_catalog database that bench/run.sh leaves
# (Redis database 6), trusting the demo identity provider of scripts/mint-token.sh (its key pair
# is created on first use) and a Basic user. After BENCH_WARMUP (30) s of wrk warm-up per kind,
# BENCH_ROUNDS (6) rounds of BENCH_SECONDS (5) s `wrk -t1 -c32` runs, the kinds alternating
# within each round; prints requests/s and p99 per run, the medians, and each kind's median as a
# share of the anonymous one.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/catalog-service.jar}
ROUNDS=${BENCH_ROUNDS:-6}
SECONDS_EACH=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-30}
PORT=18110
URL="http://127.0.0.1:$PORT/catalog?category=cat-3&limit=200"
IDP=${CATALOG_DEMO_IDP:-$HOME/.catalog-demo-idp}
OUT=$(mktemp -d)
PID=
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null || true; rm -rf "$OUT"' EXIT

TOKEN=$(CATALOG_DEMO_IDP="$IDP" scripts/mint-token.sh -t 86400 bench-reader USER)
redis-cli -n 6 flushdb >/dev/null
SERVER_PORT=$PORT SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
  SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/6 \
  SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_PUBLIC_KEY_LOCATION="file:$IDP/public.pem" \
  CATALOG_SECURITY_USERS_BENCH_PASSWORD='{noop}bench-secret' CATALOG_SECURITY_USERS_BENCH_ROLES=USER \
  java -Xmx512m -jar "$JAR" >"$OUT/jar.log" 2>&1 &
PID=$!
for _ in $(seq 1 240); do curl -sf -m 2 "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null && break; sleep 0.5; done

kinds=(anonymous bearer basic)
header() { # kind -> the Authorization header, or nothing
  case $1 in
    bearer) echo "Authorization: Bearer $TOKEN" ;;
    basic) echo "Authorization: Basic $(printf 'bench:bench-secret' | base64)" ;;
  esac
}
run() { # kind seconds -> "requests/s p99"
  local h
  h=$(header "$1")
  if [ -n "$h" ]; then wrk -t1 -c32 "-d$2s" --latency -H "$h" "$URL"; else wrk -t1 -c32 "-d$2s" --latency "$URL"; fi |
    awk '/Requests\/sec/{rps=$2} $1=="99%"{p99=$2} END{print rps, p99}'
}
for kind in "${kinds[@]}"; do
  h=$(header "$kind")
  status=$(curl -s -o /dev/null -w '%{http_code}' ${h:+-H "$h"} "$URL")
  [ "$status" = 200 ] || { echo "$kind: HTTP $status, not 200" >&2; tail "$OUT/jar.log" >&2; exit 1; }
  run "$kind" "$WARMUP" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
  for kind in "${kinds[@]}"; do
    read -r rps p99 < <(run "$kind" "$SECONDS_EACH")
    echo "$rps" >>"$OUT/$kind"
    echo "round $r $kind: $rps requests/s, p99 $p99"
  done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
anonymous=$(median "$OUT/anonymous")
for kind in "${kinds[@]}"; do
  m=$(median "$OUT/$kind")
  echo "median $kind: $m requests/s ($(awk -v m="$m" -v a="$anonymous" 'BEGIN{printf "%.2f", m/a}') of anonymous)"
done
