# Sourced by ./berth and scripts/test.sh: sets JAVA_HOME to a JDK >= 21 (JAVA_HOME first, then /usr/lib/jvm).
berth_java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

berth_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(berth_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$c"; return 0; fi
  done
  return 1
}

berth_use_jdk() {
  local jdk
  if ! jdk=$(berth_find_jdk); then
    echo "berth: needs a JDK 21 or newer: set JAVA_HOME, or install one under /usr/lib/jvm (e.g. apt-get install openjdk-21-jdk where available)." >&2
    return 1
  fi
  export JAVA_HOME="$jdk"
}

berth_need_maven() {
  command -v mvn >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "berth: installing Maven from Debian (apt-get install maven)" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q maven >/dev/null
  else
    echo "berth: Maven (mvn) is needed to build Berth; install it (e.g. apt-get install maven)." >&2
    return 1
  fi
}

# The Maven build runs npm for the web inspector (berth-ui): node and npm from Debian when missing.
berth_need_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "berth: installing Node.js and npm from Debian (apt-get install nodejs npm)" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
  else
    echo "berth: node and npm are needed to build Berth's web inspector; install them (e.g. apt-get install nodejs npm)." >&2
    return 1
  fi
}
