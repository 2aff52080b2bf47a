#!/usr/bin/env bash
# Runs Berth's whole test suite: unit, contract, HTTP API and *IT integration tests against a real
# PostgreSQL and a real Docker engine. Installs and starts what is missing (Debian, as root):
# Maven, PostgreSQL, the Docker engine, Node.js for the taskcluster-client compatibility test, GnuPG
# for the encryptedEnv interoperability test, and
# builds the local test images (no outside registry is needed) and
# pushes one to a local registry on 127.0.0.1:5000 for the pull tests. Extra arguments go to Maven.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
. scripts/lib/jdk.sh
berth_use_jdk
echo "== JDK: $JAVA_HOME ($(berth_java_major "$JAVA_HOME"))"
berth_need_maven
berth_need_node   # the web inspector (berth-ui) is built with npm inside the Maven build

echo "== PostgreSQL"
bash scripts/postgres.sh
echo "== S3-compatible server (S3Proxy, for the S3 artifact store tests)"
bash scripts/s3.sh
echo "== nginx (load balancer of the two-server test)"
bash scripts/nginx.sh
echo "== Docker engine"
bash scripts/docker.sh
echo "== Test images"
bash scripts/test-images.sh
echo "== Berth's base image (debootstrap, once; BerthImagesComposeIT builds the service images on it) and docker-compose"
bash scripts/images.sh base
if ! command -v docker-compose >/dev/null; then
  echo "installing docker-compose from Debian"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose >/dev/null
fi
bash scripts/test-image-ptrace.sh
echo "== Test registry (pull tests)"
bash scripts/test-registry.sh

echo "== taskcluster-client (compatibility test; Node.js and npm were installed above)"
# --prefer-offline: the lock file pins every version and its checksum, so packages already in npm's cache are
# used without asking the registry again (it is asked for whatever the cache lacks, as on a fresh machine)
(cd berth-it/src/test/js && npm install --no-audit --no-fund --loglevel=error --prefer-offline)

echo "== GnuPG (encryptedEnv made by gpg must decrypt in the worker)"
if ! command -v gpg >/dev/null; then
  echo "installing gnupg from Debian"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnupg >/dev/null
fi

echo "== Chromium and chromedriver (the web inspector's browser tests drive them with Selenium)"
if ! command -v chromium >/dev/null || [ ! -x /usr/bin/chromedriver ]; then
  echo "installing chromium and chromium-driver from Debian"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null
fi

export BERTH_TEST_DATABASE_URL="${BERTH_TEST_DATABASE_URL:-jdbc:postgresql://127.0.0.1:5432/berth_test?user=berth&password=berth}"
echo "== mvn verify"
mvn -B -ntp verify "$@"
