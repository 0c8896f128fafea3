#!/usr/bin/env bash
# A flood of distinct uncached queries from one client beside another client's hits: does the
# flood change the hits' p99, and what rate of loads reaches the database?
#
#   bench/flood.sh [JAR]        (default target/catalog-service.jar)
#
# Starts the jar on port 18090 against the bench_catalog database that bench/run.sh leaves
# (Redis database 13, flushed), with per-client limits of FLOOD_RATE (50) loads a second and a
# burst of FLOOD_BURST (as many; a whole number). FLOOD_RATE=0.01 FLOOD_BURST=1 admits next to no
# load of the flood: what its refusals alone cost the hits. The hits come from anonymous wrk connections (the client is their address);
# the flood is `GET /catalog?q=<random digits>` sent as the user `editor` (another client: the
# principal), so the limit applies to it alone; FLOOD_CLIENT=address sends it without credentials
# from one forwarded address instead (X-Forwarded-For: 203.0.113.9; the jar trusts it here), the
# client whose remembered refusals the near-hit handler answers itself. 15 s phases: hits alone, hits during the flood
# (both as fast as wrk can send), then the same two paced (see below), and last the paced hits
# beside the same client sending paced hits instead of a flood (the control), and the flood alone
# for the CPU a flood request costs the service, and last the flood's searches with no limit, for
# what an admitted one costs the service and PostgreSQL. Prints p99s, the flood's answers and the
# loads per second.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/catalog-service.jar}
RATE=${FLOOD_RATE:-50}
BURST=${FLOOD_BURST:-$RATE}
SECONDS_EACH=${FLOOD_SECONDS:-15}
PORT=18090
BASE="http://127.0.0.1:$PORT"
HIT='/catalog?category=cat-3&limit=20'
OUT=$(mktemp -d)
redis-cli -n 13 flushdb >/dev/null
SERVER_PORT=$PORT SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:5432/bench_catalog \
  SPRING_R2DBC_USERNAME=postgres SPRING_R2DBC_PASSWORD=postgres \
  SPRING_DATA_REDIS_URL=redis://127.0.0.1:6379/13 \
  CATALOG_SECURITY_USERS_EDITOR_PASSWORD='{noop}ed-secret' CATALOG_SECURITY_USERS_EDITOR_ROLES=EDITOR \
  CATALOG_LIMITS_LOADS_PER_SECOND="$RATE" CATALOG_LIMITS_BURST="$BURST" SERVER_FORWARD_HEADERS_STRATEGY=native \
  java -Xmx512m -jar "$JAR" >"$OUT/service.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "$BASE/actuator/health" >/dev/null && break; sleep 0.5; done
curl -sf "$BASE$HIT" >/dev/null
# the control's page (below), cached before the flood empties editor's bucket
OTHER='/catalog?category=cat-4&limit=20'
curl -sf -u editor:ed-secret "$BASE$OTHER" >/dev/null
if [ "${FLOOD_CLIENT:-editor}" = address ]; then
  FLOOD_HEADER='["X-Forwarded-For"] = "203.0.113.9"'
else
  FLOOD_HEADER='["Authorization"] = "Basic ZWRpdG9yOmVkLXNlY3JldA=="'
fi
cat >"$OUT/flood.lua" <<EOF
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/catalog?q=" .. math.random(100000, 999999999), { $FLOOD_HEADER })
end
EOF
loads() { curl -s "$BASE/actuator/prometheus" | awk '/^catalog_cache_loads_total/{print $2}'; }
p99() { awk '/ 99%/{print $2}' "$1"; }
rps() { awk '/Requests\/sec/{print $2}' "$1"; }
non2xx() { awk '/Non-2xx/{n=$5} END{print n+0}' "$1"; }

# warm-up of both paths: the flood's (security, misses, 429s) is cold until it has run a while
wrk -t1 -c8 -d10s "$BASE$HIT" >/dev/null
wrk -t1 -c8 -d10s -s "$OUT/flood.lua" "$BASE" >/dev/null
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency "$BASE$HIT" >"$OUT/alone.txt"
before=$(loads)
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/flood.lua" "$BASE" >"$OUT/flood-beside.txt" &
FLOOD=$!
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency "$BASE$HIT" >"$OUT/beside.txt"
wait $FLOOD
after=$(loads)
echo "hits alone:              p99 $(p99 "$OUT/alone.txt"), $(rps "$OUT/alone.txt") requests/s"
echo "hits during the flood:   p99 $(p99 "$OUT/beside.txt"), $(rps "$OUT/beside.txt") requests/s"
echo "the flood:               $(rps "$OUT/flood-beside.txt") requests/s, $(non2xx "$OUT/flood-beside.txt" || echo 0) not 2xx"
answered=$(awk '/requests in/{print $1}' "$OUT/flood-beside.txt")
echo "flood requests answered 2xx per second (each one database load): $(awk -v n="$answered" -v r="$(non2xx "$OUT/flood-beside.txt" || echo 0)" -v s="$SECONDS_EACH" 'BEGIN{printf "%.1f", (n-r)/s}') (limit $RATE a second after a burst of $BURST)"
echo "catalog_cache_loads_total per second during the flood: $(awk -v a="$before" -v b="$after" -v s="$SECONDS_EACH" 'BEGIN{printf "%.1f", (b-a)/s}') (loads that reached the database)"

# Paced: each hit connection pauses PACE_HITS_MS (2) between requests and each flood connection
# PACE_FLOOD_MS (8), so neither saturates the cores and the p99 measures the service, not the queue
# of a closed loop competing for two cores with its own load generators.
PACE_HITS_MS=${PACE_HITS_MS:-2}
PACE_FLOOD_MS=${PACE_FLOOD_MS:-8}
printf 'delay = function() return %s end\n' "$PACE_HITS_MS" >"$OUT/paced-hits.lua"
{ cat "$OUT/flood.lua"; printf 'delay = function() return %s end\n' "$PACE_FLOOD_MS"; } >"$OUT/paced-flood.lua"
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/paced-hits.lua" "$BASE$HIT" >"$OUT/paced-alone.txt"
before=$(loads)
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/paced-flood.lua" "$BASE" >"$OUT/paced-flood-beside.txt" &
FLOOD=$!
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/paced-hits.lua" "$BASE$HIT" >"$OUT/paced-beside.txt"
wait $FLOOD
after=$(loads)
echo "paced hits alone:        p99 $(p99 "$OUT/paced-alone.txt"), $(rps "$OUT/paced-alone.txt") requests/s"
echo "paced hits beside flood: p99 $(p99 "$OUT/paced-beside.txt"), $(rps "$OUT/paced-beside.txt") requests/s"
echo "the paced flood:         $(rps "$OUT/paced-flood-beside.txt") requests/s, $(non2xx "$OUT/paced-flood-beside.txt" || echo 0) not 2xx; catalog_cache_loads_total per second $(awk -v a="$before" -v b="$after" -v s="$SECONDS_EACH" 'BEGIN{printf "%.1f", (b-a)/s}')"

# The control: the same paced hits beside another client (editor, Basic) sending paced requests
# that are all hits, at the flood's pacing: what any second client's load costs these hits on
# this machine, against which the flood's own cost can be read.
{ printf 'wrk.headers["Authorization"] = "Basic ZWRpdG9yOmVkLXNlY3JldA=="\n'; printf 'delay = function() return %s end\n' "$PACE_FLOOD_MS"; } >"$OUT/paced-other-hits.lua"
wrk -t1 -c8 -d5s -s "$OUT/paced-other-hits.lua" "$BASE$OTHER" >/dev/null
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/paced-other-hits.lua" "$BASE$OTHER" >"$OUT/paced-other.txt" &
OTHERS=$!
wrk -t1 -c8 "-d${SECONDS_EACH}s" --latency -s "$OUT/paced-hits.lua" "$BASE$HIT" >"$OUT/paced-beside-hits.txt"
wait $OTHERS
echo "paced hits beside another client's paced hits (the control): p99 $(p99 "$OUT/paced-beside-hits.txt"), $(rps "$OUT/paced-beside-hits.txt") requests/s; the other client $(rps "$OUT/paced-other.txt") requests/s, $(non2xx "$OUT/paced-other.txt" || echo 0) not 2xx"

# What a flood request costs the service: CPU time of the jar (utime + stime from /proc, in clock
# ticks) over 15 s of the flood alone, divided by the requests answered.
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
c0=$(cpu)
wrk -t1 -c8 "-d${SECONDS_EACH}s" -s "$OUT/flood.lua" "$BASE" >"$OUT/flood-alone.txt"
c1=$(cpu)
n=$(awk '/requests in/{print $1}' "$OUT/flood-alone.txt")
echo "the flood alone: $(rps "$OUT/flood-alone.txt") requests/s, $(non2xx "$OUT/flood-alone.txt") not 2xx; CPU of the service per flood request: $(awk -v c=$((c1 - c0)) -v t="$ticks" -v n="$n" 'BEGIN{printf "%.3f", c * 1000 / t / n}') ms"

# What an admitted load of the flood costs: the same `q` searches, each from another forwarded
# address (the jar trusts X-Forwarded-For here, so each is a client of its own and no limit
# applies), 15 s back to back from four connections: the service's and PostgreSQL's CPU per load.
cat >"$OUT/loads.lua" <<'EOF'
math.randomseed(os.time())
request = function()
  local ip = math.random(1, 250) .. "." .. math.random(1, 250) .. "." .. math.random(1, 250) .. "." .. math.random(1, 250)
  return wrk.format("GET", "/catalog?q=" .. math.random(100000, 999999999), { ["X-Forwarded-For"] = ip })
end
EOF
pgcpu() { local sum=0; for p in $(pgrep -x postgres || true); do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $sum; }
c0=$(cpu); p0=$(pgcpu)
wrk -t1 -c4 "-d${SECONDS_EACH}s" -s "$OUT/loads.lua" "$BASE" >"$OUT/loads.txt"
c1=$(cpu); p1=$(pgcpu)
n=$(awk '/requests in/{print $1}' "$OUT/loads.txt")
echo "the flood's searches without a limit: $(rps "$OUT/loads.txt") requests/s, $(non2xx "$OUT/loads.txt") not 2xx; CPU per search: service $(awk -v c=$((c1 - c0)) -v t="$ticks" -v n="$n" 'BEGIN{printf "%.3f", c * 1000 / t / n}') ms, PostgreSQL $(awk -v c=$((p1 - p0)) -v t="$ticks" -v n="$n" 'BEGIN{printf "%.3f", c * 1000 / t / n}') ms"
echo "raw output: $OUT"
