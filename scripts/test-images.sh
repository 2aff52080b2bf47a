#!/usr/bin/env bash
# Builds the images the integration tests run, without any registry. Idempotent.
#   berth-test/busybox:latest  — Debian's busybox-static in an otherwise empty root filesystem,
#                                made with `docker import` (no base image needed).
# Set FORCE=1 to rebuild an image that already exists; IMAGE=name:tag to build it under another name.
set -euo pipefail

IMAGE="${IMAGE:-berth-test/busybox:latest}"
APPLETS="sh ash echo cat true false sleep ls mkdir env yes head tail seq dd id printf rm cp mv
  touch wc grep sed tr sort uniq date pwd kill ps chmod ln find tee test [ expr dirname basename
  uname hostname whoami stat du df mount top xargs gzip tar base64 md5sum sha256sum"

if [ "${FORCE:-0}" != "1" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "test-images.sh: $IMAGE already present"
  exit 0
fi

if [ ! -x /bin/busybox ]; then
  echo "test-images.sh: installing busybox-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q busybox-static
fi
# A dynamically linked busybox would need libc inside the image.
if ldd /bin/busybox >/dev/null 2>&1; then
  echo "test-images.sh: /bin/busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/bin "$ROOT"/tmp "$ROOT"/etc "$ROOT"/root "$ROOT"/proc "$ROOT"/sys "$ROOT"/dev
chmod 1777 "$ROOT"/tmp
cp /bin/busybox "$ROOT"/bin/busybox
for applet in $APPLETS; do
  ln -sf busybox "$ROOT/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$ROOT"/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOT"/etc/group

tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sh"]' \
  - "$IMAGE" >/dev/null
echo "test-images.sh: built $IMAGE"
