#!/usr/bin/env bash
# What `./berth quickstart` needs before Berth itself starts: a Docker engine that answers, and a small
# local image for the sample task (no registry is needed). Says what it does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${BERTH_QUICKSTART_IMAGE:-berth/busybox:latest}"

if docker info >/dev/null 2>&1; then
  echo "quickstart: a Docker engine answers"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "quickstart: no Docker engine answers; installing/starting Debian's docker.io (scripts/docker.sh)"
  bash "$here/scripts/docker.sh"
else
  echo "quickstart: no Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}." >&2
  echo "  Start one (e.g. 'sudo systemctl start docker' or 'sudo dockerd &'), or run this as root on Debian" >&2
  echo "  and quickstart installs Debian's docker.io for you." >&2
  exit 1
fi

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "quickstart: image $image is present"
else
  echo "quickstart: building the small local image $image from Debian's busybox-static (no registry needed)"
  IMAGE="$image" bash "$here/scripts/test-images.sh"
fi
