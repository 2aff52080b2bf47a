#!/usr/bin/env bash
# Provisioner benchmark: cold start of a pool worker (task created on an empty pool -> its run starts) against
# `docker run --rm` of the same worker image (berth --version: container + JVM; /bin/true: container), a warm
# start, and the CPU of one provisioner round over 100 idle pools.
# Usage: bench/provisioner/run.sh [--n 5] [--interval 1] [--pools 100] [--rounds 40]
# Builds bench and what it needs (no `mvn install`), Berth's worker image when missing (scripts/images.sh
# worker), lays this build's distribution over it as berth-bench/pool-worker:latest (as ProvisionerIT does),
# then runs dev.berth.bench.ProvisionerBenchmark and prints the machine and the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/jdk.sh
berth_use_jdk
berth_need_maven

TASK_IMAGE=${TASK_IMAGE:-berth-test/busybox:latest}
WORKER_IMAGE=berth-bench/pool-worker:latest

if ! docker info >/dev/null 2>&1; then
  echo "bench/provisioner: starting Docker (scripts/docker.sh)" >&2
  bash scripts/docker.sh >&2
fi
if ! docker image inspect "$TASK_IMAGE" >/dev/null 2>&1; then
  echo "bench/provisioner: building $TASK_IMAGE (scripts/test-images.sh)" >&2
  bash scripts/test-images.sh >&2
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "bench/provisioner: building (mvn -pl bench -am package)" >&2
  mvn -B -q ${MVN_OFFLINE--o} -DskipTests -pl bench -am package >&2
fi
if ! docker image inspect berth/worker:latest >/dev/null 2>&1; then
  echo "bench/provisioner: building Berth's worker image (scripts/images.sh worker)" >&2
  BERTH_DIST_FRESH=1 bash scripts/images.sh worker >&2
fi
JAR="$(ls berth-app/target/berth-app-*.jar | grep -v sources | head -n1)"
CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
cp "$JAR" "$CTX/berth.jar"
cp -r berth-app/target/lib "$CTX/lib"
printf 'FROM berth/worker:latest\nCOPY berth.jar /opt/berth/berth.jar\nCOPY lib /opt/berth/lib\n' > "$CTX/Dockerfile"
docker build -q -t "$WORKER_IMAGE" "$CTX" >/dev/null

CP="bench/target/classes:$JAR:berth-app/target/lib/*"
"$JAVA_HOME/bin/java" -Xms256m -cp "$CP" dev.berth.bench.ProvisionerBenchmark --image "$WORKER_IMAGE" --task-image "$TASK_IMAGE" "$@"
