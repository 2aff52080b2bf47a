#!/usr/bin/env bash
# Worker memory: the resident set (VmRSS) of a `berth worker` process, idle after running a few tasks, for each
# set of JVM flags given, alternating. Usage:
#   bench/memory/run.sh [--tasks 5] [--rounds 2] [--idle 15] [--flags "<jvm flags>"]...
# With no --flags: none, and C1 only with the serial collector. A server (`berth server`, H2 in a temp dir)
# runs in its own process; each worker gets its own queue and is stopped before the next one starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/jdk.sh
berth_use_jdk
TASKS=5 ROUNDS=2 IDLE=15 IMAGE=${IMAGE:-berth/busybox:latest}
FLAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) TASKS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --flags) FLAGS+=("$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ${#FLAGS[@]} -eq 0 ]; then
  FLAGS=("" "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  mvn -B -q ${MVN_OFFLINE--o} -DskipTests -pl berth-app -am package >&2
fi
JAR=$(ls berth-app/target/berth-app-*.jar | grep -v sources | head -n1)
tmp=$(mktemp -d /tmp/berth-memory-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export TASKCLUSTER_ROOT_URL="http://127.0.0.1:$port" TASKCLUSTER_CLIENT_ID=static/berth/root TASKCLUSTER_ACCESS_TOKEN="$token"
server_pid=
worker_pid=
cleanup() {
  [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
BERTH_PORT=$port BERTH_BIND_HOST=127.0.0.1 BERTH_ROOT_URL="$TASKCLUSTER_ROOT_URL" BERTH_DATA_DIR="$tmp/server" \
  BERTH_ROOT_ACCESS_TOKEN="$token" "$JAVA_HOME/bin/java" -jar "$JAR" server >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do curl -fs "$TASKCLUSTER_ROOT_URL/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
cli() { "$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -jar "$JAR" "$@"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

echo "# Berth worker memory (bench/memory)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB"
echo "jdk: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
echo "tasks per worker: $TASKS [\"true\"], then idle ${IDLE}s; RSS = VmRSS of the worker's JVM"
n=0
for r in $(seq 1 "$ROUNDS"); do
  for flags in "${FLAGS[@]}"; do
    n=$((n + 1))
    queue="bench/mem-$n-$RANDOM"
    # shellcheck disable=SC2086
    BERTH_ROOT_URL="$TASKCLUSTER_ROOT_URL" BERTH_TASK_QUEUE="$queue" BERTH_WORKER_ID="mem-$n" BERTH_DATA_DIR="$tmp/worker-$n" \
      "$JAVA_HOME/bin/java" $flags -jar "$JAR" worker >"$tmp/worker-$n.log" 2>&1 &
    worker_pid=$!
    sleep 3
    start_rss=$(rss_kb $worker_pid)
    for i in $(seq 1 "$TASKS"); do
      id=$(cli task create -q "$queue" --image "$IMAGE" --max-run-time 60 -- true | grep -oE '[A-Za-z0-9_-]{22}' | head -n1)
      cli task wait --timeout 120 "$id" >/dev/null
    done
    busy_rss=$(rss_kb $worker_pid)
    sleep "$IDLE"
    idle_rss=$(rss_kb $worker_pid)
    printf 'round %d  flags [%s]: RSS after start %d MB, after %d tasks %d MB, idle %ds later %d MB\n' "$r" "${flags:-none}" \
      $((start_rss / 1024)) "$TASKS" $((busy_rss / 1024)) "$IDLE" $((idle_rss / 1024))
    kill "$worker_pid"; wait "$worker_pid" 2>/dev/null || true
    worker_pid=
  done
done
