#!/usr/bin/env bash
# One round of an alternating A/B series of the e2e bench: the same bench and server, on the worker jar given
# (an older build of berth-worker, put first on the class path) or on the one built here ("-").
# Prints the label, the load before and after, and the bench's output; run it under the bench lock, e.g.
#   flock -x /work/wt/bench.lock bench/e2e/ab-round.sh A /tmp/old-worker.jar --n 20 --warmup 3 | tee -a results/x.txt
# Usage: bench/e2e/ab-round.sh LABEL JAR|- [bench/e2e/run.sh args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
label=$1 jar=$2
shift 2
echo "=== round $label (worker: ${jar/#-/this build}) $(date -u +%FT%TZ)"
echo "load before: $(uptime)"
if [ "$jar" = - ]; then
  BENCH_SKIP_BUILD=1 bash bench/e2e/run.sh "$@"
else
  BENCH_SKIP_BUILD=1 BENCH_CP_PREPEND="$jar" bash bench/e2e/run.sh "$@"
fi
echo "load after: $(uptime)"
