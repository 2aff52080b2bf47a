#!/usr/bin/env bash
# Builds Berth's own images on this machine, with no registry (Debian, as root). Idempotent:
#  - berth/base:bookworm — a minimal Debian 12 made with debootstrap from Debian's mirror (runit, tini, bash,
#    curl, PostgreSQL), imported with `docker import`; built once (FORCE_BASE=1 rebuilds it);
#  - berth/server and berth/worker — the distribution (berth-app's jar, built when missing) on a Java runtime
#    cut from the build JDK with jlink, supervised by runit under tini, with a health check.
#  - berth/postgres — Debian's PostgreSQL 15 on the base, for the compose file.
# Tags: :latest and :<version>. Usage: scripts/images.sh [base|server|worker|postgres]...  (default: all)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
log() { echo "images.sh: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "images.sh: must run as root (it installs debootstrap and builds a root file system)" >&2
  exit 1
fi
. scripts/lib/jdk.sh
berth_use_jdk
bash scripts/docker.sh >/dev/null

BASE=berth/base:bookworm
MIRROR="${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VERSION="$(sed -n 's:.*<version>\([^<]*\)</version>.*:\1:p' pom.xml | head -n1)"
wanted="${*:-base server worker postgres}"

build_base() {
  if [ "${FORCE_BASE:-0}" != 1 ] && docker image inspect "$BASE" >/dev/null 2>&1; then
    log "$BASE already present"
    return
  fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap from Debian"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  fi
  local rootfs
  rootfs="$(mktemp -d /var/tmp/berth-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' RETURN
  log "debootstrap bookworm into $rootfs (a few minutes)"
  debootstrap --variant=minbase --include=runit,tini,bash,procps,ca-certificates,curl,postgresql,less \
    bookworm "$rootfs" "$MIRROR" >/var/tmp/berth-debootstrap.log 2>&1 \
    || { echo "images.sh: debootstrap failed; see /var/tmp/berth-debootstrap.log" >&2; exit 1; }
  # the packages' caches and the cluster Debian made at install time: a container makes its own on first start
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/lib/postgresql/15/main \
    "$rootfs"/etc/service/default-syslog
  tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash", "-l"]' \
    - "$BASE" >/dev/null
  log "built $BASE"
}

# The context both service images share: the jar, a jlinked runtime, the launcher.
prepare_context() {
  local jar="berth-app/target/berth-app-$VERSION.jar" stamp="berth-app/target/.berth-built"
  # as ./berth does: rebuilt when a source is newer than the last build (the jar itself is not rewritten when
  # only a library changed); BERTH_DIST_FRESH=1 says the caller just built it (the Maven build's own tests)
  if [ "${BERTH_DIST_FRESH:-0}" != 1 ] && { [ ! -f "$jar" ] || [ ! -f "$stamp" ] || [ -n "$(find . \( -path ./.git -o -name target -o -name node_modules \) -prune -o \
      \( -path '*/src/main/*' -o -name pom.xml -o -name package-lock.json \) -type f -newer "$stamp" -print -quit)" ]; }; then
    berth_need_maven
    berth_need_node
    log "building the distribution"
    mvn -B -q -ntp -DskipTests -pl berth-app -am package >/dev/null
    touch "$stamp"
  fi
  [ -f "$jar" ] || { echo "images.sh: $jar is missing" >&2; exit 1; }
  CONTEXT="$(mktemp -d /var/tmp/berth-image-context.XXXXXX)"
  # the jar names its libraries (lib/) in its manifest
  cp "$jar" "$CONTEXT/berth.jar"
  cp -r berth-app/target/lib "$CONTEXT/lib"
  cp -r deploy/images/bin "$CONTEXT/bin"
  # the modules the distribution uses; a runtime of ~60 MB instead of a whole JDK
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --output "$CONTEXT/jre"
}

build_service() {
  local name="$1"
  rm -rf "$CONTEXT/service"
  cp -r "deploy/images/$name/service" "$CONTEXT/service"
  docker build -q -f "deploy/images/$name/Dockerfile" -t "berth/$name:latest" -t "berth/$name:$VERSION" "$CONTEXT" >/dev/null
  log "built berth/$name:latest ($VERSION)"
}

for w in $wanted; do
  case "$w" in base|server|worker|postgres) ;; *) echo "images.sh: unknown image '$w' (base, server, worker, postgres)" >&2; exit 2 ;; esac
done
build_base
case " $wanted " in *" postgres "*)
  ctx="$(mktemp -d /var/tmp/berth-image-context.XXXXXX)"
  cp -r deploy/images/bin "$ctx/bin" && cp -r deploy/images/postgres/service "$ctx/service"
  docker build -q -f deploy/images/postgres/Dockerfile -t berth/postgres:latest -t "berth/postgres:$VERSION" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "built berth/postgres:latest ($VERSION)"
  ;;
esac
case " $wanted " in *" server "*|*" worker "*)
  prepare_context
  trap 'rm -rf "$CONTEXT"' EXIT
  for name in server worker; do
    case " $wanted " in *" $name "*) build_service "$name" ;; esac
  done
  ;;
esac
