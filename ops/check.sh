#!/usr/bin/env bash
# Proves the operations files against the real service, offline but for package installs:
#
#   1. ops/prometheus: promtool check rules, promtool test rules (alerts-test.yml)
#   2. ops/kubernetes: kubectl kustomize renders base and overlay, and every rendered object
#      validates against the Kubernetes OpenAPI schema (ops/kubernetes/validate, npm)
#   3. the jar against a real PostgreSQL and Redis under a short load, scraped by Debian's
#      Prometheus (with alerts.yml loaded) on free ports: every dashboard query of
#      ops/grafana/catalog-service.json parses and returns data, every metric a query or a rule
#      names is exported, every rule evaluates (ops/lib/evaluate.py)
#
# Usage, from anywhere, as root (it installs prometheus, kubectl and nodejs from Debian when
# missing):
#   OPS_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/catalog_ops OPS_REDIS_URL=redis://127.0.0.1:6379/13 \
#     ops/check.sh
# The database must exist (the service migrates it); the Redis index is written to. Without
# OPS_* the CI variables CATALOG_TEST_R2DBC_URL/_USERNAME/_PASSWORD and CATALOG_TEST_REDIS_URL
# are used. OPS_JAR names the jar (default target/catalog-service.jar, built if missing).
# Nothing is left running: the service and Prometheus are stopped on exit, whatever happens,
# and every step has a time limit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

r2dbc_url=${OPS_R2DBC_URL:-${CATALOG_TEST_R2DBC_URL:-}}
r2dbc_user=${OPS_R2DBC_USERNAME:-${CATALOG_TEST_R2DBC_USERNAME:-postgres}}
r2dbc_password=${OPS_R2DBC_PASSWORD:-${CATALOG_TEST_R2DBC_PASSWORD:-postgres}}
redis_url=${OPS_REDIS_URL:-${CATALOG_TEST_REDIS_URL:-}}
jar=${OPS_JAR:-target/catalog-service.jar}
if [ -z "$r2dbc_url" ] || [ -z "$redis_url" ]; then
  echo "set OPS_R2DBC_URL and OPS_REDIS_URL (or CATALOG_TEST_R2DBC_URL and CATALOG_TEST_REDIS_URL)" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }
failures=0
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
pass() { echo "PASS  $*"; }

# ---- tools ------------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then timeout 300 apt-get update -qq; apt_updated=true; fi
  timeout 600 apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  # The package may start a system Prometheus on 9090 where an init system lets it; this
  # check runs its own on a free port, so stop one that the install started.
  busy_before=false; port_open 9090 && busy_before=true
  apt_install prometheus
  if [ "$busy_before" = false ] && port_open 9090; then
    service prometheus stop >/dev/null 2>&1 || invoke-rc.d prometheus stop >/dev/null 2>&1 || true
  fi
fi
command -v kubectl >/dev/null || apt_install kubernetes-client
command -v node >/dev/null || apt_install nodejs npm
command -v java >/dev/null || apt_install openjdk-17-jre-headless
command -v curl >/dev/null || apt_install curl

work=$(mktemp -d /tmp/catalog-ops-check.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. rules ---------------------------------------------------------------------------
step "alerting rules (promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}'))"
if timeout 60 promtool check rules ops/prometheus/alerts.yml; then pass "promtool check rules"; else fail "promtool check rules"; fi
if timeout 120 promtool test rules ops/prometheus/alerts-test.yml; then pass "promtool test rules"; else fail "promtool test rules"; fi

# ---- 2. manifests -----------------------------------------------------------------------
step "Kubernetes manifests ($(kubectl version --client 2>/dev/null | grep -i kustomize || echo kubectl))"
if [ ! -d ops/kubernetes/validate/node_modules ]; then
  (cd ops/kubernetes/validate && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
for dir in ops/kubernetes/base ops/kubernetes/overlays/example; do
  if timeout 60 kubectl kustomize "$dir" >"$work/rendered.yaml"; then
    pass "kubectl kustomize $dir ($(grep -c '^kind:' "$work/rendered.yaml") objects)"
    if timeout 60 node ops/kubernetes/validate/validate.mjs "$work/rendered.yaml"; then
      pass "schema of $dir"
    else
      fail "schema of $dir"
    fi
  else
    fail "kubectl kustomize $dir"
  fi
done

# ---- 3. dashboard and rules against the running service --------------------------------
step "the service under load, scraped by Prometheus"
if [ ! -f "$jar" ]; then timeout 600 ./mvnw -B -q -DskipTests package; fi
app_port=${OPS_APP_PORT:-$(free_port)}
prom_port=$(free_port)
SERVER_PORT=$app_port \
SPRING_R2DBC_URL=$r2dbc_url SPRING_R2DBC_USERNAME=$r2dbc_user SPRING_R2DBC_PASSWORD=$r2dbc_password \
SPRING_DATA_REDIS_URL=$redis_url \
CATALOG_SECURITY_USERS_OPSEDITOR_PASSWORD='{noop}ops-editor-secret' CATALOG_SECURITY_USERS_OPSEDITOR_ROLES=EDITOR \
CATALOG_SECURITY_USERS_OPSREADER_PASSWORD='{noop}ops-reader-secret' CATALOG_SECURITY_USERS_OPSREADER_ROLES=USER \
  java -Xmx512m -jar "$jar" >"$work/app.log" 2>&1 &
pids+=($!)
app=http://127.0.0.1:$app_port
ready=false
for _ in $(seq 1 240); do
  if curl -fsS -m 2 -o /dev/null "$app/actuator/health/readiness" 2>/dev/null; then ready=true; break; fi
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" = false ]; then
  fail "the service did not become ready on port $app_port; its log ends:"
  tail -30 "$work/app.log"
  exit 1
fi
pass "service ready on port $app_port"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/ops/prometheus/alerts.yml
scrape_configs:
  - job_name: catalog-service
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ["127.0.0.1:$app_port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
prom=http://127.0.0.1:$prom_port
for _ in $(seq 1 60); do curl -fsS -m 2 -o /dev/null "$prom/-/ready" 2>/dev/null && break; sleep 0.5; done
curl -fsS -m 2 -o /dev/null "$prom/-/ready" || { fail "Prometheus did not start"; tail -20 "$work/prometheus.log"; exit 1; }
pass "Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') on port $prom_port"

# A short, bounded load that touches every route family: creates, updates, a delete,
# misses, hits (near cache, gzip), 304s, 404s, 400s, favourites and a purge.
load() {
  local editor=(-u opseditor:ops-editor-secret) reader=(-u opsreader:ops-reader-secret)
  local run categories ids=() id
  run=$(date +%s%N)
  categories=("ops-a-$run" "ops-b-$run" "ops-c-$run")
  for i in $(seq 1 12); do
    id=$(curl -fsS -m 5 "${editor[@]}" -H 'Content-Type: application/json' \
      -d "{\"sku\":\"OPS-$run-$i\",\"name\":\"Ops check item $i\",\"description\":\"load\",\"category\":\"${categories[$((i % 3))]}\",\"priceCents\":$((i * 100))}" \
      "$app/catalog/items" | sed -E 's/.*"id":([0-9]+).*/\1/')
    ids+=("$id")
  done
  : >"$work/urls"
  get() { printf 'url = "%s"\noutput = "/dev/null"\n' "$app$1" >>"$work/urls"; }
  for round in 1 2 3 4 5 6; do
    for c in "${categories[@]}"; do
      get "/catalog?category=$c&limit=5"
      get "/catalog?category=$c&sort=-price&limit=$((round + 1))"
    done
    for id in "${ids[@]}"; do get "/catalog/items/$id"; done
    get "/catalog?limit=20"
    get "/catalog/items/999999999"
    get "/catalog?limit=0"
  done
  # three readers at once (shared loads), each keeping its connection, and one asking for gzip
  local readers=()
  for _ in 1 2 3; do
    timeout 60 curl -s -m 5 -K "$work/urls" &
    readers+=($!)
  done
  timeout 60 curl -s -m 5 --compressed -K "$work/urls" || true
  wait "${readers[@]}" || true
  for id in "${ids[@]:0:4}"; do
    curl -s -m 5 -o /dev/null "${editor[@]}" -X PUT -H 'Content-Type: application/json' \
      -d "{\"sku\":\"OPS-$run-u$id\",\"name\":\"Ops check item, changed\",\"description\":\"load\",\"category\":\"${categories[0]}\",\"priceCents\":4242}" \
      "$app/catalog/items/$id"
    curl -s -m 5 -o /dev/null "${reader[@]}" -X PUT "$app/me/favorites/$id"
    curl -s -m 5 -o /dev/null "${reader[@]}" "$app/me/favorites"
    curl -s -m 5 -o /dev/null "${reader[@]}" "$app/me/favorites"
  done
  etag=$(curl -s -m 5 -D - -o /dev/null "$app/catalog/items/${ids[5]}" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
  curl -s -m 5 -o /dev/null -H "If-None-Match: $etag" "$app/catalog/items/${ids[5]}"
  curl -s -m 5 -o /dev/null "${editor[@]}" -X DELETE "$app/catalog/items/${ids[11]}"
  curl -s -m 5 -o /dev/null "${editor[@]}" -H 'Content-Type: application/json' \
    -d "{\"categories\":[\"${categories[2]}\"]}" "$app/admin/cache/purge"
  timeout 60 curl -s -m 5 -K "$work/urls" || true
}
started=$(date +%s)
load
requests=$(curl -s -m 5 "$app/actuator/prometheus" | awk '/^http_server_requests_seconds_count/ {n += $2} END {print n + 0}')
pass "load: $requests requests in $(( $(date +%s) - started )) s"
# Rates need two samples in their window: wait until Prometheus holds at least four successful
# scrapes (a slow scrape on a busy machine stores nothing), then two more of the final counters
# and two evaluations of the rules.
scraped=0
for _ in $(seq 1 60); do
  scraped=$(curl -fsS -m 2 "$prom/api/v1/query" \
    --data-urlencode 'query=count_over_time(process_uptime_seconds{job="catalog-service"}[1m])' 2>/dev/null \
    | python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)' \
    2>/dev/null || echo 0)
  [ "$scraped" -ge 4 ] && break
  sleep 0.5
done
sleep 2
pass "Prometheus scraped the service $scraped times before the final scrapes"

timeout 120 python3 ops/lib/evaluate.py "$prom" ops/grafana/catalog-service.json | tee "$work/evaluate.out" || true
evaluated_failures=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$work/evaluate.out" | tail -1)
if [ -z "$evaluated_failures" ] || [ "$evaluated_failures" != 0 ]; then
  fail "dashboard and rules against the service"
else
  pass "dashboard and rules against the service"
fi

step "summary"
if [ "$failures" -gt 0 ]; then
  echo "ops check: $failures step(s) failed"
  exit 1
fi
echo "ops check: every step passed"
