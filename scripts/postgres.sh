#!/usr/bin/env bash
# Installs (if needed) and starts Debian's PostgreSQL, then makes sure the role and database the
# integration tests use exist. Idempotent and non-interactive; run as root. There is no systemd here,
# so the cluster is driven with pg_ctlcluster. Debian's binaries are used explicitly because
# /usr/local/bin may hold unrelated pg_ctl/postgres/initdb builds.
set -euo pipefail

DB_USER="${BERTH_PG_USER:-berth}"
DB_PASSWORD="${BERTH_PG_PASSWORD:-berth}"
DB_NAME="${BERTH_PG_DATABASE:-berth_test}"
PORT="${BERTH_PG_PORT:-5432}"

log() { echo "postgres.sh: $*"; }

if [[ $EUID -ne 0 ]]; then
  echo "postgres.sh: must run as root (it installs packages and starts the cluster)" >&2
  exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls -d /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "PostgreSQL server not installed; installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y postgresql
else
  log "PostgreSQL server already installed"
fi

# The newest installed major version.
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER=main
log "using PostgreSQL $VERSION, cluster $CLUSTER"

if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {found=1} END {exit !found}'; then
  log "cluster $VERSION/$CLUSTER missing; creating it on port $PORT"
  pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER"
fi

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [[ "$STATUS" != online* ]]; then
  log "starting cluster $VERSION/$CLUSTER (status: $STATUS)"
  pg_ctlcluster "$VERSION" "$CLUSTER" start
else
  log "cluster $VERSION/$CLUSTER already running"
fi

CLUSTER_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $3}')"
PG_ISREADY="/usr/lib/postgresql/$VERSION/bin/pg_isready"
log "waiting for connections on 127.0.0.1:$CLUSTER_PORT"
for i in $(seq 1 60); do
  if "$PG_ISREADY" -q -h 127.0.0.1 -p "$CLUSTER_PORT"; then break; fi
  if [[ $i -eq 60 ]]; then
    echo "postgres.sh: PostgreSQL did not accept connections within 30 s; see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log" >&2
    exit 1
  fi
  sleep 0.5
done

# runs from / so psql does not complain that the postgres user cannot enter the caller's directory
psql_admin() { (cd / && runuser -u postgres -- psql -p "$CLUSTER_PORT" -v ON_ERROR_STOP=1 -qAtX "$@"); }

if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]]; then
  log "creating role $DB_USER"
  psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
else
  log "role $DB_USER exists; making sure it can log in with the expected password"
  psql_admin -c "ALTER ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi

# Tests drop their databases WITH (FORCE); when autovacuum happens to be working in one, that needs
# the right to end other roles' backends, or the drop fails with "must be a member of the role".
psql_admin -c "GRANT pg_signal_backend TO \"$DB_USER\""

if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]]; then
  log "creating database $DB_NAME owned by $DB_USER"
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
else
  log "database $DB_NAME exists"
fi

log "ready: jdbc:postgresql://127.0.0.1:$CLUSTER_PORT/$DB_NAME?user=$DB_USER&password=$DB_PASSWORD"
