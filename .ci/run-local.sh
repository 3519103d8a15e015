#!/usr/bin/env bash
# Run Jardam locally (what `make run` does after building bin/jardam).
#
# Without DATABASE_URL: starts a private PostgreSQL under .data/pg on
# 127.0.0.1:54329, creates the roles and the database, migrates, seeds the
# demo data when the database is empty, and serves in development mode.
#
# With DATABASE_URL: uses that database; migrates only when
# MIGRATION_DATABASE_URL is also set, and creates roles and database only when
# BOOTSTRAP_DATABASE_URL is set.
#
# The owner's URL (the one migrations use) is written to .data/database_url
# for `make psql` and other tools. Ctrl-C stops the server; a private cluster
# started here is stopped after it.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

bin=${JARDAM_BIN:-$root/bin/jardam}
[ -x "$bin" ] || { echo "run-local: $bin not found; run 'make build' first" >&2; exit 1; }

pg_dir=$root/.data/pg
pg_port=${JARDAM_PG_PORT:-54329}

export JARDAM_ENV=${JARDAM_ENV:-development}
export JARDAM_KEYS_DIR=${JARDAM_KEYS_DIR:-$root/.data/keys}

step() { echo "==> $*" >&2 2>/dev/null || true; }

mkdir -p "$root/.data"

started_pg=0
stop_pg() {
	if [ "$started_pg" = 1 ]; then
		started_pg=0
		bash "$root/.ci/pg.sh" stop "$pg_dir" || true
	fi
}
trap stop_pg EXIT

if [ -z "${DATABASE_URL:-}" ]; then
	if ! bash "$root/.ci/pg.sh" status "$pg_dir" >/dev/null 2>&1; then
		started_pg=1
	fi
	step "private PostgreSQL in .data/pg on 127.0.0.1:$pg_port"
	bash "$root/.ci/pg.sh" start "$pg_dir" "$pg_port"
	export BOOTSTRAP_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
	export MIGRATION_DATABASE_URL="postgres://jardam_owner@127.0.0.1:$pg_port/jardam?sslmode=disable"
	export DATABASE_URL="postgres://jardam_app@127.0.0.1:$pg_port/jardam?sslmode=disable"
fi

step "keys in $JARDAM_KEYS_DIR"
mkdir -p "$JARDAM_KEYS_DIR"
chmod 700 "$JARDAM_KEYS_DIR"
"$bin" keys init --dir "$JARDAM_KEYS_DIR"

if [ -n "${BOOTSTRAP_DATABASE_URL:-}" ]; then
	step "roles and database (migrate --bootstrap)"
	"$bin" migrate --bootstrap
fi

if [ -n "${MIGRATION_DATABASE_URL:-}" ]; then
	step "migrations"
	"$bin" migrate
else
	step "MIGRATION_DATABASE_URL not set: skipping migrations"
fi

if [ "$JARDAM_ENV" = development ]; then
	step "demo data (only when the database is empty)"
	"$bin" seed demo --if-empty
fi

owner_url=${MIGRATION_DATABASE_URL:-$DATABASE_URL}
(umask 077 && printf '%s\n' "$owner_url" >"$root/.data/database_url")

step "serving (JARDAM_ENV=$JARDAM_ENV, listen ${JARDAM_LISTEN:-127.0.0.1:8080}); Ctrl-C stops"

if [ "$started_pg" != 1 ]; then
	# Nothing to clean up afterwards: hand the terminal to the server.
	trap - EXIT
	exec "$bin" serve
fi

# The server runs in its own process group so that a Ctrl-C reaches it once,
# forwarded from here; when it has stopped, the private cluster is stopped.
child=
forward() {
	[ -n "$child" ] && kill -s "$1" "$child" 2>/dev/null || true
}
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward HUP' HUP
set -m
"$bin" serve &
child=$!
set +m
status=0
while kill -0 "$child" 2>/dev/null; do
	if wait "$child"; then status=0; else status=$?; fi
done
stop_pg
exit "$status"
