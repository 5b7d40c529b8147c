#!/usr/bin/env bash
# PostgreSQL for the tests on 127.0.0.1:5432 (tests/pg_fixtures.py): installs Debian's package when missing, makes
# and starts a cluster that trusts local connections, and a superuser named after the current user.
set -euo pipefail
as_root=""; [ "$(id -u)" = 0 ] || as_root="sudo"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
  $as_root pg_createcluster "$version" main --port 5432 -- --auth=trust >/dev/null
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! $as_root grep -qx "host all all 127.0.0.1/32 trust" "$hba"; then  # test-only machine: trust loopback
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | $as_root sh -c "cat - '$hba' > '$hba.new' && mv '$hba.new' '$hba'"
  $as_root chown postgres:postgres "$hba"
fi
$as_root pg_ctlcluster "$version" main start 2>/dev/null || $as_root pg_ctlcluster "$version" main reload
for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
me=$(id -un)
as_postgres psql -qtA -h 127.0.0.1 -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1 \
  || as_postgres psql -q -h 127.0.0.1 -d postgres -c "CREATE ROLE \"$me\" SUPERUSER LOGIN"
