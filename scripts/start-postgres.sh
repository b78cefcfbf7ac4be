#!/usr/bin/env bash
# Starts the Debian-packaged PostgreSQL server and creates the role the tests use.
# Prints the URL to put in KAIROS_TEST_POSTGRES_URL, and nothing else, on stdout.
set -euo pipefail
# Callers capture stdout as the URL: keep it on fd 3, send everything else to stderr, and close
# fd 3 for the commands below so the server daemon does not hold the caller's pipe open.
exec 3>&1 1>&2
{
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main
  fi
  pg_ctlcluster "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  (cd / && su postgres -c "psql -q -v ON_ERROR_STOP=1") <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kairos') THEN
    CREATE ROLE kairos LOGIN SUPERUSER PASSWORD 'kairos';
  END IF;
END $$;
SQL
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start"; exit 1; }
} 3>&-
echo "postgresql+psycopg://kairos:kairos@127.0.0.1:5432/postgres" >&3
