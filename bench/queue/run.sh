#!/usr/bin/env bash
# Queue throughput benchmark: createTask -> claimWork -> reportCompleted over HTTP with 8 simulated workers,
# on H2 and on PostgreSQL, with 10k and 100k tasks already stored. Prints one report per configuration.
#
#   bench/queue/run.sh                 # the four runs (H2 10k, H2 100k, PG 10k, PG 100k)
#   TASKS=20000 WARMUP=3000 bench/queue/run.sh h2-10k pg-100k   # a subset, other sizes
#   JFR=1 bench/queue/run.sh pg-10k    # also record the measured window (of the server JVM) with JFR, summarise it
#   (PostgreSQL runs end with the baseline: PostgreSQL alone doing the same three writes per cycle over JDBC, and the ratio)
#   bench/queue/run.sh floor           # pg-10k, then the floor: the same three HTTP requests per cycle answered by
#                                      # FloorServer (Berth's HTTP stack, nothing behind it) at levels bytes, hawk,
#                                      # json, schema; prints each level's server CPU-ms/cycle, the sum with the
#                                      # run's PostgreSQL-alone baseline and Berth's ratio to it (floor-only: no PG)
#   FLOOR=1 bench/queue/run.sh pg-1m   # any PostgreSQL run followed by the floor (FLOOR_LEVELS=bytes,json to choose)
#   ASYNC_PROFILER=/tmp/ap/libasyncProfiler.so bench/queue/run.sh pg-10k   # the server JVM's CPU profile of the
#                                      # measured window (loaded through jcmd when it opens), $OUT/<config>.collapsed
#   LOG_STATEMENTS=1 TASKS=1000 WARMUP=200 bench/queue/run.sh pg-0   # count the statements PostgreSQL was sent
#                                      # (log_statement=all on the benchmark database only) into $OUT/<config>.statements.txt
#
# The server runs in its own JVM, started as `berth server` is; the load generator in this script's JVM. Each
# report gives CPU-ms per cycle for the server, PostgreSQL and the generator separately, and the server's RSS.
#
# PostgreSQL: scripts/postgres.sh installs/starts it; each PG run gets a fresh database $BENCH_PG_DB
# (default berth_bench), never the tests' berth_test. H2 runs use a fresh directory under $OUT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/jdk.sh
. "$here/scripts/lib/jdk.sh"
berth_use_jdk

TASKS="${TASKS:-20000}"
WARMUP="${WARMUP:-12000}"   # the server JIT-compiles for ~10k cycles: a shorter warm-up measures the compiler
WORKERS="${WORKERS:-8}"
PRODUCERS="${PRODUCERS:-4}"
BATCH="${BATCH:-4}"
DB_NAME="${BENCH_PG_DB:-berth_bench}"
OUT="${OUT:-/tmp/berth-bench}"
SERVER="${SERVER:-process}"          # process: the server in its own JVM (as `berth server`); in-process: one JVM
# the server JVM's options: by default what the launcher gives `berth server` without BERTH_JAVA_OPTS
# shellcheck source=../../deploy/images/bin/berth-java-options
. "$here/deploy/images/bin/berth-java-options"
SERVER_OPTS="${SERVER_OPTS:-$(BERTH_JAVA_OPTS='' berth_java_options server)}"
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(h2-10k h2-100k pg-10k pg-100k)

# BENCH_JAR: a bench jar built elsewhere (with its lib/), e.g. the "before" side of an A/B comparison
jar="${BENCH_JAR:-$here/bench/target/berth-bench-0.1.0-SNAPSHOT.jar}"
if [ -z "${BENCH_JAR:-}" ] && { [ ! -f "$jar" ] || [ -n "$(find "$here" \( -path "$here/.git" -o -name target \) -prune -o \
      \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$jar" -print -quit)" ]; }; then
  berth_need_maven
  berth_need_node
  echo "run.sh: building bench (and the modules it needs)" >&2
  (cd "$here" && mvn -B -q -o -DskipTests -pl bench -am package) >&2
fi

need_pg=0
for c in "${configs[@]}"; do [[ $c == pg-* || $c == floor ]] && need_pg=1; done
if [ $need_pg = 1 ]; then
  bash "$here/scripts/postgres.sh" >/dev/null
  PG_PORT="$(pg_lsclusters -h | awk '$2=="main" {print $3}' | head -n1)"
fi

# The floor (see FloorBenchmark): FloorServer in its own JVM with SERVER_OPTS, the same load generator; with the
# figures of the PostgreSQL run just made ($1: its report) for the sum and the ratio.
run_floor() {
  local from="${1:-}" extra=()
  if [ -n "$from" ]; then
    local berth pg
    berth="$(sed -n 's/^CPU\/CYCLE    server+PostgreSQL \([0-9.]*\) ms.*/\1/p' "$from")"
    pg="$(sed -n 's/^BASELINE .* PostgreSQL \([0-9.]*\) CPU-ms\/cycle.*/\1/p' "$from")"
    [ -n "$berth" ] && [ -n "$pg" ] && extra+=(--berth-ms="$berth" --postgres-ms="$pg" --berth-label="$(basename "$from" .txt)")
  fi
  [ -n "${ASYNC_PROFILER:-}" ] && extra+=(--async-profiler="$ASYNC_PROFILER:$OUT")
  echo "run.sh: floor (levels ${FLOOR_LEVELS:-bytes,hawk,json,schema}, measured $TASKS after $WARMUP warm-up)" >&2
  mkdir -p "$OUT/floor"
  { echo "uptime      $(uptime)"
    "$JAVA_HOME/bin/java" -Xmx1g -cp "$jar" dev.berth.bench.FloorBenchmark --levels="${FLOOR_LEVELS:-bytes,hawk,json,schema}" \
      --tasks="$TASKS" --warmup="$WARMUP" --workers="$WORKERS" --producers="$PRODUCERS" --server-opts="$SERVER_OPTS" \
      --data-dir="$OUT/floor" "${extra[@]}" 2>"$OUT/floor.log"; } | tee "$OUT/floor.txt"
}

mkdir -p "$OUT"
for c in "${configs[@]}"; do
  floor_after="${FLOOR:-}"
  if [ "$c" = floor-only ]; then run_floor; echo; continue; fi
  if [ "$c" = floor ]; then c=pg-10k; floor_after=1; fi
  kind="${c%%-*}"; size="${c#*-}"
  case "$size" in 10k) stored=10000 ;; 100k) stored=100000 ;; 1m) stored=1000000 ;; *) stored="$size" ;; esac
  args=(--stored="$stored" --tasks="$TASKS" --warmup="$WARMUP" --workers="$WORKERS" --producers="$PRODUCERS"
        --batch="$BATCH" --max-seconds=240 --label="$c" --server="$SERVER" --server-opts="$SERVER_OPTS")
  rm -rf "${OUT:?}/$c"; mkdir -p "$OUT/$c"
  args+=(--data-dir="$OUT/$c")
  if [ "$kind" = pg ]; then
    runuser -u postgres -- psql -p "$PG_PORT" -qAtX -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS \"$DB_NAME\"" -c "CREATE DATABASE \"$DB_NAME\" OWNER berth" 2>/dev/null
    args+=(--jdbc-url="jdbc:postgresql://127.0.0.1:$PG_PORT/$DB_NAME?user=berth&password=berth")
    if [ -n "${LOG_STATEMENTS:-}" ]; then
      runuser -u postgres -- psql -p "$PG_PORT" -qAtX -c "ALTER DATABASE \"$DB_NAME\" SET log_statement = 'all'"
      pg_log="/var/log/postgresql/postgresql-15-main.log"
      log_from=$(( $(stat -c %s "$pg_log") + 1 ))
    fi
  fi
  [ -n "${JFR:-}" ] && args+=(--jfr="$OUT/$c.jfr")
  # itimer: CPU-time sampling without perf_events (async-profiler 4.0's perf_events walker crashed the server JVM here)
  [ -n "${ASYNC_PROFILER:-}" ] && args+=(--async-profiler="$ASYNC_PROFILER:$OUT/$c.collapsed"
                                         --profile-event="${ASYNC_PROFILER_EVENT:-itimer}")
  echo "run.sh: $c (stored $stored, measured $TASKS after $WARMUP warm-up)" >&2
  { echo "uptime       $(uptime)"; "$JAVA_HOME/bin/java" -Xmx1g -jar "$jar" "${args[@]}" 2>"$OUT/$c.log"; } | tee "$OUT/$c.txt"
  if [ -n "${LOG_STATEMENTS:-}" ] && [ "$kind" = pg ]; then
    # every statement this run's database was sent (the preload's too), normalised and counted
    { echo "# statements sent to $DB_NAME during $c: $TASKS measured after $WARMUP warm-up, stored $stored"
      tail -c +"$log_from" "$pg_log" | grep -a " [^ ]*@$DB_NAME LOG:  \(statement\|execute\)" \
        | sed -E 's/.* LOG:  //; s/^execute [^:]*:/execute:/' | cut -c1-170 | sort | uniq -c | sort -rn
    } > "$OUT/$c.statements.txt"
    echo "run.sh: statement counts in $OUT/$c.statements.txt" >&2
  fi
  if [ -n "${JFR:-}" ]; then
    "$JAVA_HOME/bin/java" -cp "$jar" dev.berth.bench.JfrSummary "$OUT/$c.jfr" | tee "$OUT/$c.profile.txt"
  fi
  if [ -n "$floor_after" ] && [ "$kind" = pg ]; then echo; run_floor "$OUT/$c.txt"; fi
  echo
done
