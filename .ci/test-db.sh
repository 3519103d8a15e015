#!/usr/bin/env bash
# Run a command with TEST_DATABASE_URL set to a PostgreSQL superuser URL.
#
#   .ci/test-db.sh CMD [ARGS...]
#
# The URL is, in order of preference:
#   1. TEST_DATABASE_URL when already set;
#   2. postgres://postgres@127.0.0.1:5432/postgres when a server answers there;
#   3. a private cluster under .data/test-pg on 127.0.0.1:54330 (started here
#      with .ci/pg.sh, and stopped again afterwards when this script started it).
# Tests create and drop their own databases through this URL.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: .ci/test-db.sh CMD [ARGS...]" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
test_pg_dir=$root/.data/test-pg
test_pg_port=${JARDAM_TEST_PG_PORT:-54330}

started_pg=0
cleanup() {
	if [ "$started_pg" = 1 ]; then
		bash "$root/.ci/pg.sh" stop "$test_pg_dir" || true
	fi
}
trap cleanup EXIT

if [ -n "${TEST_DATABASE_URL:-}" ]; then
	echo "test-db: using TEST_DATABASE_URL from the environment" >&2
elif command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
	TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	echo "test-db: using the PostgreSQL server on 127.0.0.1:5432" >&2
else
	if ! bash "$root/.ci/pg.sh" status "$test_pg_dir" >/dev/null 2>&1; then
		started_pg=1
	fi
	echo "test-db: using a private cluster in .data/test-pg on 127.0.0.1:$test_pg_port" >&2
	PG_DURABILITY=off bash "$root/.ci/pg.sh" start "$test_pg_dir" "$test_pg_port"
	TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$test_pg_port/postgres?sslmode=disable"
fi
export TEST_DATABASE_URL

"$@"
