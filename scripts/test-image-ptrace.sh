#!/usr/bin/env bash
# Builds berth-test/ptrace:latest for the allowPtrace tests: berth-test/busybox (scripts/test-images.sh) plus
# /bin/ptrace-sibling, a static C program (scripts/test-images/ptrace-sibling.c) whose second child
# PTRACE_ATTACHes the first. No registry: FROM the local busybox image. Rebuilt when the source changes.
# Also installs apparmor_parser (Debian's apparmor), with which PtraceProfileIT compiles the run profile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-berth-test/ptrace:latest}"
BASE="${BASE:-berth-test/busybox:latest}"
SRC="$here/scripts/test-images/ptrace-sibling.c"
sum="$(sha256sum "$SRC" | cut -c1-16)"

if ! command -v apparmor_parser >/dev/null && [ ! -x /sbin/apparmor_parser ] && [ ! -x /usr/sbin/apparmor_parser ]; then
  echo "test-image-ptrace.sh: installing apparmor (apparmor_parser)"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q apparmor >/dev/null
fi

if [ "$(docker image inspect -f '{{index .Config.Labels "dev.berth.test.source"}}' "$IMAGE" 2>/dev/null || true)" = "$sum" ]; then
  echo "test-image-ptrace.sh: $IMAGE already present"
  exit 0
fi
docker image inspect "$BASE" >/dev/null 2>&1 || bash "$here/scripts/test-images.sh"

# a static binary needs libc.a (libc6-dev) beside gcc
if ! command -v gcc >/dev/null || [ ! -e "$(gcc -print-file-name=libc.a 2>/dev/null)" ]; then
  echo "test-image-ptrace.sh: installing gcc and libc6-dev"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q gcc libc6-dev
fi

CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
gcc -static -O2 -Wall -o "$CTX/ptrace-sibling" "$SRC"
cat > "$CTX/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY ptrace-sibling /bin/ptrace-sibling
LABEL dev.berth.test.source=$sum
DOCKERFILE
docker build -q -t "$IMAGE" "$CTX" >/dev/null
echo "test-image-ptrace.sh: built $IMAGE"
