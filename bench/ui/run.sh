#!/usr/bin/env bash
# Web inspector benchmark: time to first usable render of the task-group page for groups of 1,000 and 10,000
# pending tasks, in Debian's headless Chromium, against a Berth server on PostgreSQL (a fresh database, dropped
# afterwards). Prints the machine and a table of each load's figures (docs/benchmarks.md).
# Usage: bench/ui/run.sh [--loads 5] [--sizes 1000,10000] [--db pg|h2] [--admin-url jdbc:postgresql://...]
# Builds berth-app and what it needs (no `mvn install`; BENCH_SKIP_BUILD=1 to skip), then runs
# bench/ui/UiBenchmark.java as a single-file program on berth-app's classpath.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/jdk.sh
berth_use_jdk
berth_need_maven
berth_need_node

if [ ! -x /usr/bin/chromium ]; then
  echo "bench/ui: Chromium is needed (scripts/test.sh installs Debian's chromium)" >&2
  exit 1
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "bench/ui: building (mvn -pl berth-app -am package)" >&2
  mvn -B -q ${MVN_OFFLINE--o} -DskipTests -pl berth-app -am package >&2
fi

CP="$(ls berth-app/target/berth-app-*.jar | grep -v sources | head -n1):berth-app/target/lib/*"
exec "$JAVA_HOME/bin/java" -Xms256m -cp "$CP" bench/ui/UiBenchmark.java "$@"
