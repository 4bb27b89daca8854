#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it on a fresh machine:
#   1. installs what the tests need from Debian's packages (chromium, kamailio, rtpengine, sipp, haproxy for
#      test/server/cluster.test.ts: two compiled instances behind HAProxy on one PostgreSQL),
#   2. finds PostgreSQL on 127.0.0.1:5432 (starts the local cluster if it is installed but stopped),
#   3. builds the web app (the browser tests drive the production build; beside step 1); the server tier's global setup
#      builds the server and CLI (dist/node) when stale, for the tests that run the compiled `dialer`,
#   4. runs the server tier (SQLite + PostgreSQL), then the browser tier (real Chromium, Kamailio, SIPp),
#      the latter in a private loopback-only network namespace when this machine allows it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

log "test dependencies, and the web build beside them"
# The build needs only node_modules; the install mostly waits on apt: side by side.
npx vite build --logLevel warn &
web_build=$!
bash test/lab/install-lab-deps.sh
wait "$web_build"

log "PostgreSQL"
bash scripts/ensure-postgres.sh

status=0
log "server tier (unit, repository and API tests on SQLite and PostgreSQL)"
npx vitest run --project server || status=$?

log "browser tier (real Chromium, real server, real SIP peers)"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  # Nothing leaves the machine and ports cannot clash with other runs; lo must be brought up by hand.
  unshare -n bash -c 'ip link set lo up && npx vitest run --project browser' || status=$?
else
  echo "(no network namespace here: running on the host's loopback)"
  npx vitest run --project browser || status=$?
fi
exit $status
