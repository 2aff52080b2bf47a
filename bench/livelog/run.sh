#!/usr/bin/env bash
# Live-log latency: a task prints a timestamped line every ~50 ms, a reader follows public/logs/live.log over
# HTTP; prints p50/p90/p99 of print -> arrival and the append requests per second per running task.
# Usage: bench/livelog/run.sh [--live-tasks 3] [--lines 200]
# (dev.berth.bench.EndToEndBenchmark --live-log: server and Docker worker in one process, as bench/e2e.)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash bench/e2e/run.sh --skip-latency --skip-throughput --live-log "$@"
