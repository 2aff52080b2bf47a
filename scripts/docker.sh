#!/usr/bin/env bash
# Makes a Docker engine answer on this machine (Debian, run as root). Idempotent:
#  - installs Debian's docker.io when dockerd is missing,
#  - starts dockerd in the background when `docker info` fails,
#  - waits until the engine answers (or gives up after DOCKER_WAIT_SECONDS, default 60).
set -euo pipefail

LOG_FILE="${DOCKERD_LOG:-/var/log/berth-dockerd.log}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"

if [ "$(id -u)" -ne 0 ]; then
  echo "docker.sh: must run as root" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker.sh: installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q docker.io
fi

if docker info >/dev/null 2>&1; then
  echo "docker.sh: engine already answers"
  exit 0
fi

# A stale pid file from a crashed daemon stops a new one from starting.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "docker.sh: starting dockerd (log: $LOG_FILE)"
  mkdir -p "$(dirname "$LOG_FILE")"
  nohup dockerd >>"$LOG_FILE" 2>&1 &
fi

for _ in $(seq 1 "$WAIT_SECONDS"); do
  if docker info >/dev/null 2>&1; then
    echo "docker.sh: engine answers"
    exit 0
  fi
  sleep 1
done
echo "docker.sh: engine did not answer within ${WAIT_SECONDS}s; last log lines:" >&2
tail -n 20 "$LOG_FILE" >&2 || true
exit 1
