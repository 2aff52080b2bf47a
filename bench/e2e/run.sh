#!/usr/bin/env bash
# End-to-end benchmark: a Berth task running `true` vs `docker run --rm` of the same image.
# Usage: bench/e2e/run.sh [--n 30] [--warmup 60] [--tasks 100] [--capacities 1,2] [--image IMG]
#        [--skip-latency] [--skip-throughput]
# Builds bench and what it needs (no `mvn install`), starts Docker if needed, builds the busybox
# image when missing, then runs dev.berth.bench.EndToEndBenchmark and prints the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/jdk.sh
berth_use_jdk
berth_need_maven
berth_need_node

IMAGE=${IMAGE:-berth/busybox:latest}

if ! docker info >/dev/null 2>&1; then
  echo "bench/e2e: starting Docker (scripts/docker.sh)" >&2
  bash scripts/docker.sh >&2
fi
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "bench/e2e: building $IMAGE (scripts/test-images.sh)" >&2
  IMAGE="$IMAGE" bash scripts/test-images.sh >&2
fi

if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "bench/e2e: building (mvn -pl bench -am package)" >&2
  mvn -B -q ${MVN_OFFLINE--o} -DskipTests -pl bench -am package >&2
fi

# BENCH_CP_PREPEND: jars put first (e.g. an older berth-worker jar, for an A/B run of the same bench)
CP="${BENCH_CP_PREPEND:+$BENCH_CP_PREPEND:}bench/target/classes:$(ls berth-app/target/berth-app-*.jar | grep -v sources | head -n1):berth-app/target/lib/*"
# BENCH_JAVA_OPTS: e.g. -Dbench.profile=... (see EndToEndBenchmark.profiler)
exec "$JAVA_HOME/bin/java" -Xms256m ${BENCH_JAVA_OPTS:-} -cp "$CP" dev.berth.bench.EndToEndBenchmark --image "$IMAGE" "$@"
