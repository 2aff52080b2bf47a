#!/usr/bin/env bash
# Task-image load benchmark: Berth's TaskImageLoader (zstd-jni → engine image load) vs `zstd -dc x.tar.zst | docker load`.
# Usage: bench/images/run.sh [--mb 100[,1000]] [--n 5] [--warmup 1] [--keep]
# Builds bench and what it needs (no `mvn install`), starts Docker if needed, builds berth-test/busybox when missing,
# then runs dev.berth.bench.ImageLoadBenchmark (which builds its image locally: no registry).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/jdk.sh
berth_use_jdk
berth_need_maven

if ! docker info >/dev/null 2>&1; then
  echo "bench/images: starting Docker (scripts/docker.sh)" >&2
  bash scripts/docker.sh >&2
fi
bash scripts/test-images.sh >&2
if ! command -v zstd >/dev/null; then
  echo "bench/images: installing zstd" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q zstd >&2
fi

if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "bench/images: building (mvn -pl bench -am package)" >&2
  mvn -B -q ${MVN_OFFLINE--o} -DskipTests -pl bench -am package >&2
fi

CP="bench/target/classes:$(ls berth-app/target/berth-app-*.jar | grep -v sources | head -n1):berth-app/target/lib/*"
exec "$JAVA_HOME/bin/java" -Xms256m -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$CP" dev.berth.bench.ImageLoadBenchmark "$@"
