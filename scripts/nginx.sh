#!/usr/bin/env bash
# Installs Debian's nginx (the load balancer of the two-server IT) when missing. Only the binary is used:
# the IT writes its own config into a temp dir and runs nginx as its child on 127.0.0.1. The system's
# nginx service is neither configured nor started here; if no policy-rc.d exists, one is put in place for
# the install so that the package's post-install step does not start the service, and removed after.
set -euo pipefail
log() { echo "nginx.sh: $*"; }

if command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then
  log "nginx already installed ($(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //'))"
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  echo "nginx.sh: nginx is missing and installing it needs root (apt-get install nginx)" >&2
  exit 1
fi
made_policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[[ -n "$made_policy" ]] && rm -f /usr/sbin/policy-rc.d' EXIT
log "installing Debian's nginx package (service not started)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends nginx >/dev/null
log "installed $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //')"
