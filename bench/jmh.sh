#!/usr/bin/env bash
# JMH micro-benchmarks of the cache key builder and the cache-hit path (src/jmh/java).
# Builds with the `jmh` Maven profile (into target/jmh/, benchmarks only), then runs JMH
# with short settings. Extra arguments go to JMH, e.g.:
#   bench/jmh.sh                       # everything, -f 1 -wi 2 -i 3 -w 1s -r 1s
#   bench/jmh.sh HitPath               # only benchmarks matching a regexp
#   bench/jmh.sh -prof gc HitPath      # with allocation rates
# Results: the JMH table on stdout and bench/results/jmh.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=target/jmh
mkdir -p bench/results
# spring-javaformat is skipped: this build must not fail over formatting of files being edited
./mvnw -B -q -Pjmh -Dspring-javaformat.skip=true test-compile \
  dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test
[ -f "$OUT/test-classes/META-INF/BenchmarkList" ] || { echo "no benchmarks were generated" >&2; exit 1; }
CP="$OUT/test-classes:$OUT/classes:$(cat "$OUT/classpath.txt")"
exec java -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 2 -i 3 -w 1s -r 1s \
  -rf json -rff bench/results/jmh.json "$@"
