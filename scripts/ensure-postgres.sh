#!/usr/bin/env bash
# Finds the PostgreSQL the tests use (TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres).
# If it does not answer and a local cluster is installed, starts it; otherwise says exactly what is missing.
set -euo pipefail
url="${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ "${TEST_PG:-1}" = 0 ]; then echo "TEST_PG=0: PostgreSQL tests are skipped"; exit 0; fi
ready() { pg_isready -q -d "$url" 2>/dev/null || node -e "
  const pg=require('pg'); const c=new pg.Client({connectionString:process.argv[1]});
  c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1));" "$url"; }
if ready; then echo "PostgreSQL answers at $url"; exit 0; fi
if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
  ver=$(ls /etc/postgresql | head -1)
  echo "starting local PostgreSQL cluster $ver/main"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do ready && { echo "PostgreSQL is up"; exit 0; }; sleep 1; done
fi
echo "ERROR: PostgreSQL does not answer at $url." >&2
echo "Install it (apt-get install postgresql) or point TEST_PG_URL at a server where user postgres may create databases." >&2
exit 1
