#!/usr/bin/env bash
# Side-by-side benchmark of GET /catalog?category=cat-3&limit=200 (see bench/README.md).
#
# Starts, in one run, on loopback: the service with its cache (18080), the service with
# CATALOG_CACHE_ENABLED=false (18081), a second cached instance sharing PostgreSQL and Redis
# with the first (18082), nginx serving the same bytes from a file (18083) and, when
# ../shared/peers/fastapi_seed exists, the FastAPI recipe (18084). Seeds 10,000 items, runs
# wrk against each, a 200-request two-instance stampede on a cold key, measures the bytes
# stored in Redis, and writes bench/results/report.md and bench/results/throughput.png.
# Everything it starts is stopped on exit; the whole run is bounded by BENCH_TIME_LIMIT.
#
# Knobs (environment): BENCH_DURATION (s per wrk run, 10), BENCH_WARMUP (s of wrk on the cached
# service's hit path before measuring, 30), BENCH_PAIRS (alternating nginx/service runs, 5) and
# BENCH_PAIR_SECONDS (5), BENCH_TIME_LIMIT (s after the build, 720),
# BENCH_MIXED=0 (skip the mixed workload), BENCH_MIXED_SECONDS (20), BENCH_MIXED_WRITES (2 per s),
# BENCH_REBUILD=1 (rebuild the jar even if present), BENCH_PEER_DIR, BENCH_REDIS_DB (7; +1 and +2 are
# used too), BENCH_KEY_PREFIX (catalog), BENCH_PORT_BASE (18080), BENCH_SKIP_INSTALL=1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"

PY=/usr/bin/python3                 # Debian's python: python3-matplotlib / the peer's packages live there
[ -x "$PY" ] || PY=$(command -v python3)
KIT="$HERE/benchkit.py"
RESULTS="$HERE/results"
RAW="$RESULTS/raw"
LOGS="$RESULTS/logs"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-30}
PAIRS=${BENCH_PAIRS:-5}
PAIR_SECONDS=${BENCH_PAIR_SECONDS:-5}
TIME_LIMIT=${BENCH_TIME_LIMIT:-720}
PORT_BASE=${BENCH_PORT_BASE:-18080}
P_SVC=$PORT_BASE P_NOCACHE=$((PORT_BASE + 1)) P_SVC2=$((PORT_BASE + 2)) P_NGINX=$((PORT_BASE + 3)) P_PEER=$((PORT_BASE + 4))
RDB=${BENCH_REDIS_DB:-7}            # the two cached instances
RDB_NOCACHE=$((RDB + 1))
RDB_PEER=$((RDB + 2))
PREFIX=${BENCH_KEY_PREFIX:-catalog}
DB=bench_catalog
DB_PEER=bench_peer
PEER_DIR=${BENCH_PEER_DIR:-$ROOT/../shared/peers/fastapi_seed}
LIST='/catalog?category=cat-3&limit=200'
COLD='/catalog?category=cat-7&limit=200'     # never requested before the stampede
# --timeout 10s (wrk's default is 2 s): a slow baseline's late answers are counted, not dropped as timeouts
WRK=(wrk -t1 -c32 "-d${DURATION}s" --latency --timeout 10s)
USERS='{"catalog":{"security":{"users":{"editor":{"password":"{noop}ed-secret","roles":"EDITOR"}}}}}'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
kit() { "$PY" "$KIT" "$@"; }
meta() { kit meta "$RAW" "$@"; }

# ------------------------------------------------------------------ processes we start, stopped on exit
PIDS=() NAMES=() WATCHDOG= WORK= CUR=
# A long step runs as a child we wait for: `wait` returns at once when a signal arrives (a foreground
# command would delay the trap until it ends), and cleanup stops the child.
fgrun() { "$@" & CUR=$!; local rc=0; wait "$CUR" || rc=$?; CUR=; return $rc; }
start_bg() {   # name logfile cmd... : own session (so its process group is ours alone), logs to file
  local name=$1 logf=$2; shift 2
  setsid "$@" >"$logf" 2>&1 </dev/null &
  PIDS+=("$!") NAMES+=("$name")
  log "started $name (pid $!)"
}
stop_all() {
  local i pid
  for i in "${!PIDS[@]}"; do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "${NAMES[$i]} (pid $pid) ignored TERM for 20 s: killing its process group"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  PIDS=() NAMES=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$WATCHDOG" ] && kill -TERM -- "-$WATCHDOG" 2>/dev/null || true
  [ -n "$CUR" ] && kill -TERM "$CUR" 2>/dev/null || true
  stop_all
  [ -n "$WORK" ] && rm -rf "$WORK"
  [ $rc -eq 0 ] || log "exit $rc; logs in $LOGS"
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 143' INT TERM

# ------------------------------------------------------------------ preflight
port_open 5432 || die "PostgreSQL is not listening on 127.0.0.1:5432"
port_open 6379 || die "Redis is not listening on 127.0.0.1:6379"
for p in $P_SVC $P_NOCACHE $P_SVC2 $P_NGINX $P_PEER; do
  port_open "$p" && die "port $p is already in use (set BENCH_PORT_BASE to move all five ports)"
done

apt_updated=false
apt_install() {
  [ "${BENCH_SKIP_INSTALL:-}" = 1 ] && return 1
  if [ "$apt_updated" = false ]; then apt-get update -qq >/dev/null || return 1; apt_updated=true; fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
apt_has() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; }

command -v wrk >/dev/null || apt_install wrk || die "wrk is missing and could not be installed"
command -v nginx >/dev/null || apt_install nginx || die "nginx is missing and could not be installed"
command -v redis-cli >/dev/null || apt_install redis-tools || die "redis-cli is missing"
command -v psql >/dev/null || apt_install postgresql-client || die "psql is missing"
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
  [ "$apt_updated" = true ] || { [ "${BENCH_SKIP_INSTALL:-}" = 1 ] || { apt-get update -qq >/dev/null && apt_updated=true; }; }
  if apt_has python3-matplotlib; then apt_install python3-matplotlib || true
  else log "python3-matplotlib is not in the package lists: the chart will be a plain SVG"; fi
fi
PEER_NOTE=
if [ -f "$PEER_DIR/app.py" ]; then
  PEER_DIR=$(cd "$PEER_DIR" && pwd)
  if ! "$PY" -c 'import fastapi, uvicorn, redis, asyncpg' 2>/dev/null; then
    apt_install python3-fastapi python3-uvicorn python3-redis python3-asyncpg || true
  fi
  "$PY" -c 'import fastapi, uvicorn, redis, asyncpg' 2>/dev/null \
    || PEER_NOTE="skipped: python3-fastapi/uvicorn/redis/asyncpg not importable by $PY"
else
  PEER_NOTE="skipped: no FastAPI peer at $PEER_DIR (it is optional)"
fi

# ------------------------------------------------------------------ the jar
JAR_NOTE="existing target/catalog-service.jar"
if [ ! -f target/catalog-service.jar ] || [ "${BENCH_REBUILD:-}" = 1 ]; then
  log "building the jar: ./mvnw -B -q -DskipTests package"
  timeout 900 ./mvnw -B -q -DskipTests package || die "the build failed"
  JAR_NOTE="built by this run"
fi
[ -f target/catalog-service.jar ] || die "no target/catalog-service.jar"

# ------------------------------------------------------------------ from here on the run is time-boxed
setsid bash -c "sleep $TIME_LIMIT; echo '[bench] time limit of ${TIME_LIMIT}s reached' >&2; kill -TERM $$" </dev/null &
WATCHDOG=$!
T0=$(date +%s)

rm -rf "$RAW" "$LOGS" "$RESULTS/report.md" "$RESULTS/throughput.png" "$RESULTS/throughput.svg"
mkdir -p "$RAW" "$LOGS"
WORK=$(mktemp -d /tmp/catalog-bench.XXXXXX)
chmod 755 "$WORK"                   # nginx workers (not root) read the body file below it
JAR="$WORK/catalog-service.jar"
cp target/catalog-service.jar "$JAR"   # a rebuild by someone else during the run cannot disturb it

JAR_INFO="$JAR_NOTE, $(stat -c '%s bytes, modified %y' target/catalog-service.jar | cut -d. -f1)"
newer=$(find src/main pom.xml -newer target/catalog-service.jar -type f 2>/dev/null | head -3 | tr '\n' ' ')
[ -z "$newer" ] || JAR_INFO="$JAR_INFO; OLDER than $newer(BENCH_REBUILD=1 rebuilds it)"
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && GIT_REV="$GIT_REV (with uncommitted changes)"
MACHINE="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r)"
meta date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" git="$GIT_REV" machine="$MACHINE" jar="$JAR_INFO" \
  java="$(java -version 2>&1 | head -1)" list_path="$LIST" wrk_cmd="${WRK[*]} <url>" \
  wrk="$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-3)"

# ------------------------------------------------------------------ databases
export PGPASSWORD=${PGPASSWORD:-postgres}
psql_admin() { psql -h 127.0.0.1 -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -Atqc "$1"; }
for d in $DB $DB_PEER; do
  psql_admin "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null
  psql_admin "CREATE DATABASE $d" >/dev/null
done
for r in $RDB $RDB_NOCACHE $RDB_PEER; do redis-cli -n "$r" FLUSHDB >/dev/null; done
log "fresh databases $DB, $DB_PEER; Redis DBs $RDB (cached pair), $RDB_NOCACHE (cache off), $RDB_PEER (peer) flushed"

# ------------------------------------------------------------------ the service
start_svc() {   # name port redis-db [VAR=value...]
  local name=$1 port=$2 rdb=$3; shift 3
  local unset_args=() v
  for v in $(compgen -e | grep -E '^(SPRING_|CATALOG_|SERVER_|JAVA_TOOL_OPTIONS$)' || true); do unset_args+=(-u "$v"); done
  start_bg "$name" "$LOGS/$name.log" env "${unset_args[@]}" SERVER_PORT="$port" \
    SPRING_R2DBC_URL="r2dbc:postgresql://127.0.0.1:5432/$DB" SPRING_R2DBC_USERNAME=postgres \
    SPRING_R2DBC_PASSWORD=postgres SPRING_DATA_REDIS_URL="redis://127.0.0.1:6379/$rdb" \
    SPRING_APPLICATION_JSON="$USERS" "$@" java -Xmx512m -jar "$JAR"
}
pid_of() { local i; for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = "$1" ] && echo "${PIDS[$i]}"; done; }
wait_up() {     # name url timeout
  local out
  fgrun "$PY" "$KIT" wait "$2" --timeout "$3" --pid "$(pid_of "$1")" >"$RAW/up-$1.json" \
    || { tail -30 "$LOGS/$1.log" >&2; die "$1 did not come up: $(cat "$RAW/up-$1.json")"; }
  out=$(cat "$RAW/up-$1.json")
  log "$1 up: $out"
}

start_svc svc-cached "$P_SVC" "$RDB"
wait_up svc-cached "http://127.0.0.1:$P_SVC/actuator/health" 150      # runs the migrations first, alone

start_svc svc-nocache "$P_NOCACHE" "$RDB_NOCACHE" CATALOG_CACHE_ENABLED=false
start_svc svc-cached-2 "$P_SVC2" "$RDB"

# the FastAPI peer: its own database, filled here with the same 10,000 items (same shape as its seed.sql)
if [ -z "$PEER_NOTE" ]; then
  psql_admin "CREATE TABLE items(id bigserial primary key, sku text unique not null, name text not null,
      description text not null, category text not null, price_cents int not null,
      created_at timestamptz not null default '2026-01-01T00:00:00Z');
    INSERT INTO items(sku, name, description, category, price_cents)
      SELECT 'SKU-' || lpad(g::text, 6, '0'), 'Item number ' || g, repeat('Solid oak, hand finished, ships flat. ', 4),
             'cat-' || (g % 20), 100 + (g * 37) % 9900 FROM generate_series(1, 10000) g;
    CREATE INDEX ON items(category, id); ANALYZE items;" "$DB_PEER" >/dev/null
  start_bg peer "$LOGS/peer.log" env -C "$PEER_DIR" PYTHONDONTWRITEBYTECODE=1 \
    PEER_DB_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB_PEER" \
    PEER_REDIS_URL="redis://127.0.0.1:6379/$RDB_PEER" \
    "$PY" -m uvicorn app:app --host 127.0.0.1 --port "$P_PEER" --no-access-log --log-level warning
fi

log "seeding 10,000 items through POST /catalog/items on :$P_SVC (16 at a time)"
fgrun timeout 180 "$PY" "$KIT" seed "http://127.0.0.1:$P_SVC" --n 10000 --threads 16 >"$RAW/seed.json" \
  || die "seeding failed: $(cat "$RAW/seed.json")"
meta seed="$("$PY" -c 'import json,sys; print("%(created)s items via POST /catalog/items in %(seconds)s s (%(per_second)s/s, 16 concurrent; %(retries)s retried after 503 or a connection error)" % json.load(open(sys.argv[1])))' "$RAW/seed.json")"
log "seeded: $(cat "$RAW/seed.json")"
wait_up svc-nocache "http://127.0.0.1:$P_NOCACHE/actuator/health" 150
wait_up svc-cached-2 "http://127.0.0.1:$P_SVC2/actuator/health" 150
if [ -z "$PEER_NOTE" ]; then
  if ! fgrun "$PY" "$KIT" wait "http://127.0.0.1:$P_PEER/catalog?limit=1" --timeout 60 --pid "$(pid_of peer)" >"$RAW/up-peer.json"; then
    PEER_NOTE="skipped: the peer did not start ($(tail -3 "$LOGS/peer.log" | tr '\n' ' '))"
    log "$PEER_NOTE"
  else
    log "peer up: $(cat "$RAW/up-peer.json")"
  fi
fi
meta peer="${PEER_NOTE:-$PEER_DIR on :$P_PEER, one uvicorn worker, own database $DB_PEER and Redis DB $RDB_PEER}"

# ------------------------------------------------------------------ the first GET and the bytes in Redis
rscan() { redis-cli -n "$RDB" --scan --pattern "$PREFIX:resp:*"; }
[ -z "$(rscan)" ] || log "note: keys matching $PREFIX:resp:* existed before the first GET"
kit get "http://127.0.0.1:$P_SVC$LIST" --out "$WORK/body.json" >"$RAW/first-get.json" \
  || die "first GET $LIST failed: $(cat "$RAW/first-get.json")"
log "first GET: $(cat "$RAW/first-get.json")"
for _ in $(seq 1 30); do [ -n "$(rscan)" ] && break; sleep 0.1; done
sleep 0.2
best_key= best_bytes=0 best_type= how= nkeys=0
while IFS= read -r k; do
  [ -n "$k" ] || continue
  nkeys=$((nkeys + 1))
  t=$(redis-cli -n "$RDB" TYPE "$k")
  if [ "$t" = string ]; then n=$(redis-cli -n "$RDB" STRLEN "$k"); h=STRLEN
  else n=$(redis-cli -n "$RDB" MEMORY USAGE "$k"); h="MEMORY USAGE (not a string)"; fi
  if [ "${n:-0}" -gt "$best_bytes" ]; then best_key=$k best_bytes=$n best_type=$t how=$h; fi
done < <(rscan)
JSON_BYTES=$(stat -c %s "$WORK/body.json")
"$PY" - "$RAW/redis_bytes.json" "$best_key" "$best_bytes" "$best_type" "$how" "$nkeys" "$JSON_BYTES" "$PREFIX:resp:*" <<'EOF'
import json, sys
out, key, n, typ, how, nkeys, jb, pat = sys.argv[1:]
n, jb = int(n), int(jb)
json.dump({'key': key or None, 'bytes': n if key else None, 'type': typ or None, 'how': how or None,
           'keys_matching': int(nkeys), 'json_bytes': jb, 'pattern': pat,
           'ratio': (n / jb) if key and jb else None}, open(out, 'w'))
EOF
log "Redis: $(cat "$RAW/redis_bytes.json")"
meta json_bytes="$JSON_BYTES" items_in_page="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("items", "?"))' "$RAW/first-get.json")"

# ------------------------------------------------------------------ nginx serving the same bytes
kit get "http://127.0.0.1:$P_SVC$LIST" --gzip --out "$WORK/body.svc-gzip" >"$RAW/probe-svc-gzip-first.json" || true
NG="$WORK/nginx"
mkdir -p "$NG/root" "$NG/tmp"
cp "$WORK/body.json" "$NG/root/catalog"
if grep -q '"Content-Encoding": "gzip"' "$RAW/probe-svc-gzip-first.json" \
   && "$PY" -c 'import gzip,sys; sys.exit(gzip.decompress(open(sys.argv[1],"rb").read()) != open(sys.argv[2],"rb").read())' \
        "$WORK/body.svc-gzip" "$WORK/body.json" 2>/dev/null; then
  cp "$WORK/body.svc-gzip" "$NG/root/catalog.gz"; GZ_NOTE="the service's own gzip bytes"
else
  gzip -6 -n -c "$WORK/body.json" >"$NG/root/catalog.gz"; GZ_NOTE="gzip -6 of the JSON (the service did not answer gzip)"
fi
chmod -R a+rX "$NG"
cat >"$NG/nginx.conf" <<EOF
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 65;
  client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp; fastcgi_temp_path $NG/tmp;
  uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
  types { }
  default_type application/json;
  server {
    listen 127.0.0.1:$P_NGINX;
    root $NG/root;
    location = /catalog { gzip_static on; }
  }
}
EOF
cp "$NG/nginx.conf" "$LOGS/nginx.conf"
start_bg nginx "$LOGS/nginx.log" nginx -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" -g 'daemon off;'
wait_up nginx "http://127.0.0.1:$P_NGINX$LIST" 10
meta nginx="$(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes 1, sendfile, access_log off; \
plain: the captured body ($JSON_BYTES bytes); gzip: gzip_static serving $GZ_NOTE ($(stat -c %s "$NG/root/catalog.gz") bytes)"

# ------------------------------------------------------------------ same bytes everywhere?
NOTES=()
kit get "http://127.0.0.1:$P_NGINX$LIST" --out "$WORK/body.nginx" >/dev/null
cmp -s "$WORK/body.json" "$WORK/body.nginx" || NOTES+=("nginx's body differs from the captured one")
kit get "http://127.0.0.1:$P_NOCACHE$LIST" --out "$WORK/body.nocache" >/dev/null \
  || NOTES+=("the cache-off instance did not answer 200")
cmp -s "$WORK/body.json" "$WORK/body.nocache" \
  || NOTES+=("the cache-off instance's body ($(stat -c %s "$WORK/body.nocache") bytes) differs from the cached one's ($JSON_BYTES bytes)")

# ------------------------------------------------------------------ warm-up (JIT, connection pools, peer cache)
warm() { fgrun timeout $(($2 + 30)) wrk -t1 -c32 "-d${2}s" --timeout 10s "${@:3}" "$1" >/dev/null 2>&1 || true; }
log "warming up"
# the JIT of a 2-core machine shared with wrk needs about half a minute to settle on the hit path
warm "http://127.0.0.1:$P_SVC$LIST" "$WARMUP"
warm "http://127.0.0.1:$P_SVC$LIST" 2 -H 'Accept-Encoding: gzip'
warm "http://127.0.0.1:$P_NOCACHE$LIST" 4
warm "http://127.0.0.1:$P_NGINX$LIST" 1
[ -z "$PEER_NOTE" ] && warm "http://127.0.0.1:$P_PEER$LIST" 2

# ------------------------------------------------------------------ measured runs
measure() {     # id label base [wrk -H args...]
  local id=$1 label=$2 base=$3; shift 3
  local gz=() req="plain"
  if [ $# -gt 0 ]; then gz=(--gzip); req="Accept-Encoding: gzip"; fi
  kit get "$base$LIST" "${gz[@]}" >"$RAW/probe-$id.json" || log "$id: probe was not a 200: $(cat "$RAW/probe-$id.json")"
  log "wrk $label ($req)"
  if fgrun timeout $((DURATION + 40)) "${WRK[@]}" "$@" "$base$LIST" >"$RAW/wrk-$id.txt" 2>&1; then
    kit record "$RAW" --id "$id" --label "$label" --request "$req" --probe "$RAW/probe-$id.json" --wrk "$RAW/wrk-$id.txt"
  else
    kit record "$RAW" --id "$id" --label "$label" --request "$req" --probe "$RAW/probe-$id.json" \
      --skipped "wrk failed: $(tail -2 "$RAW/wrk-$id.txt" | tr '\n' ' ')"
  fi
  log "  $(grep -E 'Requests/sec' "$RAW/wrk-$id.txt" || echo 'no result')"
}
SVC="http://127.0.0.1:$P_SVC"
measure nginx-plain "nginx, static file" "http://127.0.0.1:$P_NGINX"
kit counters "$SVC" >"$RAW/counters-before-hit.json"
measure svc-plain "service, cache on (hits)" "$SVC"
kit counters "$SVC" >"$RAW/counters-after-hit.json"
meta hit_run_counters="$(kit counter-diff "$RAW/counters-before-hit.json" "$RAW/counters-after-hit.json" "$SVC")"
measure nocache-plain "service, cache off" "http://127.0.0.1:$P_NOCACHE"
if [ -z "$PEER_NOTE" ]; then
  measure peer-plain "FastAPI recipe (hits)" "http://127.0.0.1:$P_PEER"
else
  kit record "$RAW" --id peer-plain --label "FastAPI recipe" --request plain --skipped "$PEER_NOTE"
fi
measure nginx-gzip "nginx, static file" "http://127.0.0.1:$P_NGINX" -H 'Accept-Encoding: gzip'
measure svc-gzip "service, cache on (hits)" "$SVC" -H 'Accept-Encoding: gzip'

# ------------------------------------------------------------------ alternating pairs, hits against nginx
# One wrk run per target leaves the ratio to whatever the shared machine did in those seconds;
# short runs of nginx and the service back to back, several times, let that drift cancel out.
log "$PAIRS alternating pairs of ${PAIR_SECONDS} s: nginx, then the cached service (plain)"
for i in $(seq 1 "$PAIRS"); do
  for target in nginx svc; do
    if [ "$target" = nginx ]; then base="http://127.0.0.1:$P_NGINX"; else base=$SVC; fi
    fgrun timeout $((PAIR_SECONDS + 30)) wrk -t1 -c32 "-d${PAIR_SECONDS}s" --timeout 10s "$base$LIST" \
      >"$RAW/pair-$i-$target.txt" 2>&1 || log "pair $i $target: wrk failed"
  done
  log "  pair $i: nginx $(grep -E 'Requests/sec' "$RAW/pair-$i-nginx.txt" | awk '{print $2}'), service $(grep -E 'Requests/sec' "$RAW/pair-$i-svc.txt" | awk '{print $2}')"
done
meta pairs="$PAIRS" pair_seconds="$PAIR_SECONDS"

# ------------------------------------------------------------------ stampede on a cold key, two instances
# the second instance has only answered health checks so far: let its JIT and connections warm up on
# another key, so that the stampede measures coalescing rather than a cold JVM
warm "http://127.0.0.1:$P_SVC2$LIST" 3
meta stampede_note="Before it, the second instance was warmed for 3 s with wrk on the hot page (another key)."
log "stampede: 200 concurrent GET $COLD over :$P_SVC and :$P_SVC2"
fgrun timeout 120 "$PY" "$KIT" stampede "$COLD" "$SVC" "http://127.0.0.1:$P_SVC2" --n 200 >"$RAW/stampede.json" \
  || log "stampede script failed"
log "stampede: $(cat "$RAW/stampede.json")"

# ------------------------------------------------------------------ mixed workload: precise invalidation
# readers over 260 hot keys of every kind with and without a writer changing prices, and SQL changes
if [ "${BENCH_MIXED:-1}" = 1 ]; then
  log "mixed workload: hot keys with and without ${BENCH_MIXED_WRITES:-2} writes/s, then SQL changes"
  fgrun timeout 300 "$PY" "$HERE/mixed_workload.py" "$SVC" --db "$DB" --raw "$RAW" \
    --seconds "${BENCH_MIXED_SECONDS:-20}" --writes-per-second "${BENCH_MIXED_WRITES:-2}" \
    --user editor --password ed-secret >"$RESULTS/mixed.md" 2>"$RAW/mixed.err" \
    || { log "mixed workload failed: $(tail -3 "$RAW/mixed.err")"; echo "Mixed workload failed: see raw/mixed.err" >"$RESULTS/mixed.md"; }
fi

# ------------------------------------------------------------------ report
[ ${#NOTES[@]} -gt 0 ] && meta notes="$(IFS=';'; echo "${NOTES[*]}")"
meta elapsed="$(( $(date +%s) - T0 )) s after the build"
kit report "$RAW" "$RESULTS/report.md" "$RESULTS/throughput.png"
[ -f "$RESULTS/mixed.md" ] && { echo; cat "$RESULTS/mixed.md"; } >>"$RESULTS/report.md"
log "done in $(( $(date +%s) - T0 )) s: $RESULTS/report.md"
cat "$RESULTS/report.md"
