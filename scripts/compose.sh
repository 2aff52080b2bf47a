#!/usr/bin/env bash
# Runs Berth with docker-compose on this machine (Debian, as root): installs Debian's docker-compose when
# missing, builds Berth's images (scripts/images.sh), writes deploy/compose/.env with a fresh root token and
# database password on first use (kept: the volumes' data needs the same ones), then passes its arguments to
# docker-compose. `bash scripts/compose.sh up -d`, `... ps`, `... logs -f server`, `... down` (`down -v` drops data).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if [ "$(id -u)" -ne 0 ]; then echo "compose.sh: must run as root" >&2; exit 1; fi
bash scripts/docker.sh >/dev/null
if ! command -v docker-compose >/dev/null; then
  echo "compose.sh: installing docker-compose from Debian"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose >/dev/null
fi
case "${1:-}" in up|create|run|start|restart) bash scripts/images.sh ;; esac
env_file=deploy/compose/.env
if [ ! -f "$env_file" ]; then
  umask 077
  token() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; }
  printf 'BERTH_ROOT_ACCESS_TOKEN=%s\nBERTH_DB_PASSWORD=%s\nBERTH_PORT=%s\n' "$(token)" "$(token)" "${BERTH_PORT:-8080}" > "$env_file"
  echo "compose.sh: wrote $env_file (root clientId static/berth/root, its access token is BERTH_ROOT_ACCESS_TOKEN there)"
fi
docker-compose --project-directory deploy/compose -f deploy/compose/docker-compose.yml "$@"
if [ "${1:-}" = down ]; then
  # the pool's workers are the provisioner's containers, not compose's; they go with it
  workers="$(docker ps -aq --filter label=berth.provisioner=compose)"
  [ -z "$workers" ] || docker rm -f $workers >/dev/null
fi
