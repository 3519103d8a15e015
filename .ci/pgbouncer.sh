#!/usr/bin/env bash
# Run a command with PgBouncer, in transaction pooling mode, between the
# application role and the test server: the way docs/operations.md deploys
# Jardam. Under .ci/test-db.sh (it needs TEST_DATABASE_URL):
#
#   bash .ci/test-db.sh bash .ci/pgbouncer.sh CMD [ARGS...]
#
# It starts a private PgBouncer on 127.0.0.1 (port JARDAM_PGBOUNCER_PORT,
# default 64329) that serves every database of the test server, sets
# TEST_APP_POOLER=127.0.0.1:PORT, which the tests' databases (dbtest) use
# for the application role's connections, runs CMD and stops PgBouncer.
# The Debian package is installed when missing and we are root. PgBouncer
# refuses to run as root: as root it runs as the postgres user.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: .ci/pgbouncer.sh CMD [ARGS...]" >&2; exit 2; }
super=${TEST_DATABASE_URL:?run under .ci/test-db.sh}
hostport=$(printf '%s' "$super" | sed -E 's#^postgres(ql)?://[^@]*@([^/?]+).*#\2#')
port=${JARDAM_PGBOUNCER_PORT:-64329}

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "pgbouncer.sh: installing PgBouncer (apt-get install pgbouncer)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y pgbouncer >&2 ||
			{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y pgbouncer >&2; }
	else
		echo "pgbouncer.sh: PgBouncer is missing; run: sudo apt-get install -y pgbouncer" >&2
		exit 1
	fi
fi
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

dir=$(mktemp -d /tmp/jardam-pgbouncer-XXXXXX)
chmod 755 "$dir"
# The tests' roles and their password (internal/platform/dbtest).
cat >"$dir/users.txt" <<USERS
"jardam_app" "jardam-test-role"
"jardam_owner" "jardam-test-role"
USERS
# pool_mode transaction: a server connection serves one transaction, then
# the next client's. Prepared statements do not survive that before
# PgBouncer 1.21, so the service's URL asks pgx for unnamed statements
# (default_query_exec_mode=cache_describe); jit (which the service turns off in its
# start-up packet) is a parameter PgBouncer must be told to ignore.
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=${hostport%:*} port=${hostport##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = plain
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 2000
max_db_connections = 20
ignore_startup_parameters = jit, extra_float_digits
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
if [ "$(id -u)" = 0 ]; then
	chown -R postgres "$dir"
	run_as=(runuser -u postgres --)
else
	run_as=()
fi
"${run_as[@]}" "$bin" -d "$dir/pgbouncer.ini"
stop() {
	if [ -f "$dir/pgbouncer.pid" ]; then
		kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
	fi
	sleep 0.2
	rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 1 50); do
	pg_isready -q -h 127.0.0.1 -p "$port" && break
	sleep 0.1
done
echo "pgbouncer.sh: PgBouncer (transaction pooling) on 127.0.0.1:$port in front of $hostport" >&2
export TEST_APP_POOLER=127.0.0.1:$port
"$@"
