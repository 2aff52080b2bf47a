#!/usr/bin/env bash
# Starts S3Proxy (org.gaul:s3proxy from Maven Central, its jar-with-dependencies) on 127.0.0.1 as the
# S3-compatible server the S3 blob store tests run against, unless one already answers there. It keeps
# objects on disk under $BERTH_S3_DIR (jclouds' filesystem backend) and checks AWS v4 signatures, so
# presigned URLs are verified as a real S3 would. Idempotent; the tests create their own buckets.
# Prints nothing secret: the test credentials below are fixed and only valid for this local server.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${BERTH_S3PROXY_VERSION:-2.6.0}"
PORT="${BERTH_S3_PORT:-9500}"
DIR="${BERTH_S3_DIR:-/var/tmp/berth-s3proxy}"
ACCESS_KEY="${BERTH_TEST_S3_ACCESS_KEY:-berth-test}"
SECRET_KEY="${BERTH_TEST_S3_SECRET_KEY:-berth-test-secret}"
log() { echo "s3.sh: $*"; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if answers; then
  log "an S3 server already answers on 127.0.0.1:$PORT"
  exit 0
fi

. "$here/scripts/lib/jdk.sh"
berth_use_jdk
JAR="$DIR/s3proxy-$VERSION.jar"
mkdir -p "$DIR/data"
chmod 700 "$DIR"
if [[ ! -s "$JAR" ]]; then
  log "fetching org.gaul:s3proxy:$VERSION (jar-with-dependencies) from Maven Central"
  (cd "$DIR" && mvn -B -ntp -q dependency:copy -Dartifact="org.gaul:s3proxy:$VERSION:jar:jar-with-dependencies" \
      -DoutputDirectory="$DIR" -Dmdep.stripVersion=false >/dev/null 2>&1)
  mv "$DIR/s3proxy-$VERSION-jar-with-dependencies.jar" "$JAR"
fi

cat > "$DIR/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS_KEY
s3proxy.credential=$SECRET_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$DIR/data
CONF

log "starting S3Proxy $VERSION on 127.0.0.1:$PORT (data under $DIR/data, log $DIR/s3proxy.log)"
nohup "$JAVA_HOME/bin/java" -jar "$JAR" --properties "$DIR/s3proxy.conf" >"$DIR/s3proxy.log" 2>&1 &
echo $! > "$DIR/s3proxy.pid"
for i in $(seq 1 120); do
  if answers; then log "S3Proxy answers on 127.0.0.1:$PORT"; exit 0; fi
  if ! kill -0 "$(cat "$DIR/s3proxy.pid")" 2>/dev/null; then
    echo "s3.sh: S3Proxy exited; its log:" >&2; tail -n 30 "$DIR/s3proxy.log" >&2; exit 1
  fi
  sleep 0.5
done
echo "s3.sh: S3Proxy did not answer within 60 s; see $DIR/s3proxy.log" >&2
exit 1
