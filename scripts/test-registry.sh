#!/usr/bin/env bash
# A real container registry for the pull tests (RegistryPullIT), on 127.0.0.1:5000 only. Idempotent;
# Debian, as root. Needs the Docker engine (scripts/docker.sh) and the test image (scripts/test-images.sh).
#  - installs Debian's docker-registry (and apache2-utils for htpasswd) when missing,
#  - starts the registry in the background with its own config when nothing answers on /v2/,
#    with htpasswd basic auth: user berth, password berth-test (plain HTTP: Docker allows
#    registries on 127.0.0.0/8 without TLS),
#  - pushes berth-test/busybox:latest as 127.0.0.1:5000/berth/pulltest:1.
# The Debian package's own service (config /etc/docker/registry/config.yml) is not used.
set -euo pipefail

ADDR="127.0.0.1:5000"
USER_NAME="berth"
PASSWORD="berth-test"
STATE_DIR="${BERTH_REGISTRY_STATE:-/var/lib/berth-test-registry}"
LOG_FILE="${BERTH_REGISTRY_LOG:-/var/log/berth-test-registry.log}"
SOURCE_IMAGE="berth-test/busybox:latest"
PUSHED_IMAGE="$ADDR/berth/pulltest:1"
WAIT_SECONDS="${REGISTRY_WAIT_SECONDS:-30}"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-registry.sh: must run as root" >&2
  exit 1
fi

missing=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test-registry.sh: installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # the package's maintainer script may try to start its own service; ours runs on its own config
  apt-get install -y -q "${missing[@]}"
fi

# answers = anything HTTP on /v2/ (401 with auth on, 200 without)
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$ADDR/v2/" || true)"
  [ "$code" = "200" ] || [ "$code" = "401" ]
}

mkdir -p "$STATE_DIR/storage"
if ! answers; then
  htpasswd -Bbn "$USER_NAME" "$PASSWORD" > "$STATE_DIR/htpasswd"
  cat > "$STATE_DIR/config.yml" <<YAML
version: 0.1
log:
  level: info
  fields:
    service: berth-test-registry
storage:
  filesystem:
    rootdirectory: $STATE_DIR/storage
  delete:
    enabled: true
http:
  addr: $ADDR
  secret: berth-test-registry-not-secret
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: berth-test-registry
    path: $STATE_DIR/htpasswd
YAML
  echo "test-registry.sh: starting docker-registry on $ADDR (log: $LOG_FILE)"
  mkdir -p "$(dirname "$LOG_FILE")"
  nohup /usr/bin/docker-registry serve "$STATE_DIR/config.yml" >>"$LOG_FILE" 2>&1 </dev/null &
  echo $! > "$STATE_DIR/registry.pid"
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    answers && break
    sleep 1
  done
  if ! answers; then
    echo "test-registry.sh: registry did not answer on http://$ADDR/v2/ within ${WAIT_SECONDS}s; last log lines:" >&2
    tail -n 20 "$LOG_FILE" >&2 || true
    exit 1
  fi
fi
echo "test-registry.sh: registry answers on http://$ADDR/v2/"

# the credentials must be required and accepted: a registry someone else started without auth would
# make the pull tests prove nothing
code="$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$ADDR/v2/")"
if [ "$code" != "401" ]; then
  echo "test-registry.sh: http://$ADDR/v2/ answers $code without credentials; expected 401 (basic auth)." \
    "Something else holds $ADDR (Debian's own docker-registry service? stop it)" >&2
  exit 1
fi
code="$(curl -s -o /dev/null -w '%{http_code}' -m 5 -u "$USER_NAME:$PASSWORD" "http://$ADDR/v2/")"
if [ "$code" != "200" ]; then
  echo "test-registry.sh: http://$ADDR/v2/ answers $code to $USER_NAME's credentials; expected 200" >&2
  exit 1
fi

if ! docker image inspect "$SOURCE_IMAGE" >/dev/null 2>&1; then
  echo "test-registry.sh: $SOURCE_IMAGE is missing — run scripts/test-images.sh first" >&2
  exit 1
fi
# push through a throwaway client config: the login must not land in root's ~/.docker/config.json
DOCKER_CONFIG="$(mktemp -d)"
export DOCKER_CONFIG
trap 'rm -rf "$DOCKER_CONFIG"' EXIT
# (docker login warns on stderr that the throwaway config stores the password unencrypted)
if ! out="$(echo "$PASSWORD" | docker login --username "$USER_NAME" --password-stdin "$ADDR" 2>&1)"; then
  echo "test-registry.sh: docker login $ADDR failed: $out" >&2
  exit 1
fi
docker tag "$SOURCE_IMAGE" "$PUSHED_IMAGE"
docker push -q "$PUSHED_IMAGE" >/dev/null
docker logout "$ADDR" >/dev/null
echo "test-registry.sh: pushed $PUSHED_IMAGE"
