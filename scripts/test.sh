#!/usr/bin/env bash
# Set up everything the tests need (venv, test extras, Debian chromium, axe-core, PostgreSQL) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Debian's chromium for the browser tests; curl runs the Access tab's example call as a user would (issue 25).
missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; command -v curl >/dev/null || missing="$missing curl"
if [ -n "$missing" ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi
# Redis for the shared-state tests (issue 21): Debian's redis-server, daemonized on loopback, no persistence.
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if ! command -v redis-server >/dev/null; then
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
    --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/triplo-test-redis.log"
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm install --no-audit --no-fund --silent  # axe-core for the accessibility test (package.json, test-only)
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  bash scripts/start-postgres.sh  # the PostgreSQL store tests: each run makes its own database and drops it
fi
exec .venv/bin/python -m pytest "$@"
