#!/usr/bin/env bash
# Builds the web inspector with the machine's node and npm (Debian's nodejs/npm; no toolchain download).
# npm ci runs only when node_modules was not installed from this exact lock file, and prefers the npm cache,
# so a second build works offline.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "berth-ui: node and npm are needed to build the web inspector (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.berth-lock.json
if ! cmp -s package-lock.json "$stamp"; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
exec npm run --silent build
