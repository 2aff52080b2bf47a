#!/usr/bin/env bash
# A private Docker engine for tests that restart an engine (run as root): its own socket, data root,
# exec root, pid file and containerd (started by dockerd under its exec root), its own bridge
# interface and address range, no iptables rules, so that starting, stopping or restarting it never
# touches the shared engine.
#
# Never --bridge=none: a dockerd without a bridge deletes the docker0 interface at start, which
# breaks the shared engine's default network.
#
#   scripts/test-dockerd.sh start|stop|restart|crash-restart|status [image...]
#
# `restart` stops the engine as a service manager does (SIGTERM: it stops its containers first);
# `crash-restart` kills it (SIGKILL, as a crash or the OOM killer would) and starts it again.
#
# `start` also loads the given images (default berth-test/busybox:latest) from the shared engine.
# BERTH_TEST_DOCKERD_DIR (default /tmp/berth-test-dockerd) holds everything; the socket is
# unix://$BERTH_TEST_DOCKERD_DIR/docker.sock. Two engines at once need different DIR, BRIDGE and CIDR.
#
# With BERTH_TEST_DOCKERD_TLS_PORT=<port> the engine also listens on tcp://127.0.0.1:<port> with TLS, clients
# verified (--tlsverify): the script makes a CA, a server certificate for 127.0.0.1 and a client certificate
# with openssl (installed when missing) under $DIR/certs, once. A client uses $DIR/certs/client (ca.pem,
# cert.pem, key.pem: what DOCKER_CERT_PATH and docker-java expect), e.g.
#   docker --tlsverify --tlscacert $DIR/certs/client/ca.pem --tlscert $DIR/certs/client/cert.pem \
#          --tlskey $DIR/certs/client/key.pem -H tcp://127.0.0.1:<port> version
set -euo pipefail

DIR="${BERTH_TEST_DOCKERD_DIR:-/tmp/berth-test-dockerd}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/docker.pid"
LOG="$DIR/dockerd.log"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
# A bridge of its own, in a range that neither docker0 (172.17/16) nor Docker's address pools use.
BRIDGE="${BERTH_TEST_DOCKERD_BRIDGE:-berthtest0}"
BRIDGE_CIDR="${BERTH_TEST_DOCKERD_CIDR:-10.213.77.1/24}"
TLS_PORT="${BERTH_TEST_DOCKERD_TLS_PORT:-}"
CERTS="$DIR/certs"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-dockerd.sh: must run as root" >&2
  exit 1
fi

if ! command -v ip >/dev/null 2>&1; then
  echo "test-dockerd.sh: installing iproute2 from Debian (for the engine's bridge)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2
fi

if [ -n "$TLS_PORT" ] && ! command -v openssl >/dev/null 2>&1; then
  echo "test-dockerd.sh: installing openssl from Debian (for the engine's TLS certificates)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl
fi

# A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by that CA (kept: once per DIR).
make_certs() {
  [ -f "$CERTS/client/key.pem" ] && [ -f "$CERTS/server/key.pem" ] && return 0
  local tmp="$CERTS/tmp"
  rm -rf "$CERTS" && mkdir -p "$tmp" "$CERTS/server" "$CERTS/client"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=berth test dockerd CA" \
    -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tmp/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' > "$tmp/client.ext"
  for who in server client; do
    openssl req -new -newkey rsa:2048 -nodes -subj "/CN=berth-test-$who" \
      -keyout "$CERTS/$who/key.pem" -out "$tmp/$who.csr" 2>/dev/null
    openssl x509 -req -days 30 -in "$tmp/$who.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial \
      -extfile "$tmp/$who.ext" -out "$CERTS/$who/cert.pem" 2>/dev/null
    cp "$tmp/ca.pem" "$CERTS/$who/ca.pem"
  done
  rm -rf "$tmp" # the CA's key too: nothing more is signed with it
  chmod 600 "$CERTS"/*/key.pem
}

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

answers() {
  docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start() {
  mkdir -p "$DIR/data" "$DIR/exec"
  if running && answers; then
    echo "test-dockerd.sh: engine already answers on unix://$SOCK"
    return 0
  fi
  if [ -f "$PIDFILE" ] && ! running; then rm -f "$PIDFILE"; fi
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  local tls=()
  if [ -n "$TLS_PORT" ]; then
    make_certs
    tls=(--host "tcp://127.0.0.1:$TLS_PORT" --tlsverify --tlscacert "$CERTS/server/ca.pem"
         --tlscert "$CERTS/server/cert.pem" --tlskey "$CERTS/server/key.pem")
  fi
  # --exec-root holds containerd's sockets too: keep the path short (unix socket paths are <= 108 bytes).
  nohup dockerd \
    --host "unix://$SOCK" "${tls[@]}" \
    --data-root "$DIR/data" \
    --exec-root "$DIR/exec" \
    --pidfile "$PIDFILE" \
    --bridge="$BRIDGE" \
    --iptables=false \
    --ip-masq=false \
    --ip-forward=false \
    --storage-driver=overlay2 \
    >>"$LOG" 2>&1 &
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    if answers; then
      echo "test-dockerd.sh: engine answers on unix://$SOCK${TLS_PORT:+ and tcp://127.0.0.1:$TLS_PORT (TLS; client certificates in $CERTS/client)}"
      return 0
    fi
    sleep 1
  done
  echo "test-dockerd.sh: engine did not answer within ${WAIT_SECONDS}s; last log lines:" >&2
  tail -n 30 "$LOG" >&2 || true
  return 1
}

remove_bridge() {
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
}

stop() {
  if ! running; then
    echo "test-dockerd.sh: not running"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "test-dockerd.sh: stopped"
      remove_bridge
      return 0
    fi
    sleep 0.5
  done
  echo "test-dockerd.sh: dockerd $pid did not stop; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  sleep 1
  remove_bridge
}

load_images() {
  local images=("$@")
  [ ${#images[@]} -gt 0 ] || images=(berth-test/busybox:latest)
  for image in "${images[@]}"; do
    if ! docker -H "unix://$SOCK" image inspect "$image" >/dev/null 2>&1; then
      docker save "$image" | docker -H "unix://$SOCK" load -q
    fi
  done
}

crash() {
  if ! running; then
    echo "test-dockerd.sh: not running"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill -KILL "$pid"
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  rm -f "$PIDFILE"
  echo "test-dockerd.sh: killed dockerd $pid"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start) start && load_images "$@" ;;
  stop) stop ;;
  restart) stop && start ;;
  crash-restart) crash && start ;;
  status) if running && answers; then echo "running on unix://$SOCK"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|restart|crash-restart|status [image...]" >&2; exit 2 ;;
esac
