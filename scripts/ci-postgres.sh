#!/usr/bin/env bash
# ci-postgres.sh — start (or reuse) a throwaway PostgreSQL cluster for the Postgres metadata tests, and print the
# environment for them:
#
#   eval "$(scripts/ci-postgres.sh)"     # prints: export LF_TEST_PG_URL=postgres://postgres@127.0.0.1:55432/postgres
#
# Needs Debian's postgresql package (apt-get install -y postgresql); run as root it runs initdb and pg_ctl as the
# postgres user. The cluster (trust auth, 127.0.0.1 only, fsync off: test data only) lives in LF_CI_PG_DIR
# (default /tmp/lf-ci-postgres) on LF_CI_PG_PORT (default 55432); a second run reuses the running server.
# Stop it with: runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$LF_CI_PG_DIR/data" stop
# Progress goes to stderr. On failure it prints nothing to stdout and exits 1, so the Postgres suites skip (or
# start their own cluster) instead of the whole run failing.
set -uo pipefail

dir="${LF_CI_PG_DIR:-/tmp/lf-ci-postgres}"
port="${LF_CI_PG_PORT:-55432}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

bindir="${PG_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
if [[ -z $bindir || ! -x $bindir/initdb ]]; then
  echo "ci-postgres: PostgreSQL binaries not found (apt-get install -y postgresql); Postgres tests will be skipped" >&2
  exit 1
fi

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  echo "ci-postgres: reusing the server on port $port" >&2
  printf 'export LF_TEST_PG_URL=%q\n' "$url"
  exit 0
fi

mkdir -p "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
if [[ ! -f $dir/data/PG_VERSION ]]; then
  echo "ci-postgres: initdb in $dir/data" >&2
  if ! as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >&2; then
    echo "ci-postgres: initdb failed; Postgres tests will be skipped" >&2
    exit 1
  fi
fi

opts="-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >&2; then
  echo "ci-postgres: the server did not start (see $dir/server.log); Postgres tests will be skipped" >&2
  exit 1
fi
printf 'export LF_TEST_PG_URL=%q\n' "$url"
