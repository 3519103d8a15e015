#!/usr/bin/env bash
# Private PostgreSQL cluster for local runs and tests.
#
#   .ci/pg.sh start DIR PORT   create the cluster in DIR if missing, start it on
#                              127.0.0.1:PORT (no-op when already running)
#   .ci/pg.sh stop DIR         stop it (no-op when not running)
#   .ci/pg.sh status DIR       exit 0 when running, 3 when not
#
# The cluster listens on 127.0.0.1 only, has no unix socket, and trusts local
# TCP connections; its superuser is `postgres`. Binaries come from
# /usr/lib/postgresql/*/bin (newest major), or PG_BIN when set; when none are
# installed and we are root, the Debian `postgresql` package is installed.
# initdb refuses to run as root, so as root the cluster belongs to the
# `postgres` system user and its commands run through runuser.
# PG_DURABILITY=off, when a cluster is created, turns off fsync and friends
# for speed (throwaway test clusters only).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }
log() { echo "pg.sh: $*" >&2 2>/dev/null || true; }

is_root() { [ "$(id -u)" -eq 0 ]; }

find_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		[ -x "$PG_BIN/pg_ctl" ] || die "PG_BIN=$PG_BIN has no pg_ctl"
		echo "$PG_BIN"
		return
	fi
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
		if is_root && command -v apt-get >/dev/null 2>&1; then
			log "PostgreSQL server binaries not found; installing the postgresql package"
			DEBIAN_FRONTEND=noninteractive apt-get update >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
			dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
		fi
	fi
	[ -n "$dir" ] && [ -x "$dir/initdb" ] ||
		die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install the postgresql package or set PG_BIN)"
	echo "$dir"
}

# as_owner CMD...: run CMD as the cluster's owner (postgres when we are root).
as_owner() {
	if is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

abspath() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$(pwd)/$1" ;;
	esac
}

# data_dir DIR: the directory that holds the cluster. Normally DIR itself; as
# root, when the postgres user cannot reach DIR (a parent directory such as a
# home directory is closed to other users), the cluster lives under /var/tmp
# and DIR is a symlink to it.
data_dir() {
	local dir=$1
	if [ -L "$dir" ]; then
		readlink -f "$dir"
		return
	fi
	echo "$dir"
}

ensure_postgres_user() {
	if ! id -u postgres >/dev/null 2>&1; then
		log "creating the postgres system user"
		useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
			--shell /usr/sbin/nologin postgres
	fi
}

choose_locale() {
	if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
		echo C.UTF-8
	else
		echo C
	fi
}

create_cluster() {
	local dir=$1 port=$2 bin=$3 data
	if is_root; then
		ensure_postgres_user
		mkdir -p "$(dirname "$dir")"
		if [ ! -e "$dir" ]; then
			mkdir -m 700 "$dir"
			chown postgres:postgres "$dir"
			if ! runuser -u postgres -- test -w "$dir"; then
				rmdir "$dir"
				local alt
				alt=/var/tmp/jardam-pg-$(printf '%s' "$dir" | sha256sum | cut -c1-16)
				log "user postgres cannot reach $dir; keeping the cluster in $alt"
				mkdir -p "$alt" && chmod 700 "$alt"
				chown postgres:postgres "$alt"
				ln -s "$alt" "$dir"
			fi
		fi
	else
		mkdir -p "$dir" && chmod 700 "$dir"
	fi
	data=$(data_dir "$dir")
	log "initializing a new cluster in $data"
	as_owner "$bin/initdb" --pgdata="$data" --username=postgres \
		--auth-local=trust --auth-host=trust \
		--encoding=UTF8 --locale="$(choose_locale)" >"$data.initdb.log" 2>&1 ||
		{ cat "$data.initdb.log" >&2 2>/dev/null || true; die "initdb failed"; }
	rm -f "$data.initdb.log"
	cat >>"$data/postgresql.conf" <<EOF

# Private development/test cluster (written by .ci/pg.sh).
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
EOF
	if [ "${PG_DURABILITY:-on}" = off ]; then
		# Throwaway test data: trade crash safety for speed.
		cat >>"$data/postgresql.conf" <<EOF
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	fi
}

is_running() {
	local dir=$1 bin=$2 data
	data=$(data_dir "$dir")
	[ -f "$data/PG_VERSION" ] || return 1
	as_owner "$bin/pg_ctl" status --pgdata="$data" >/dev/null 2>&1
}

cmd_start() {
	[ $# -eq 2 ] || die "usage: pg.sh start DIR PORT"
	local dir port bin data
	dir=$(abspath "$1")
	port=$2
	case "$port" in '' | *[!0-9]*) die "bad port: $port" ;; esac
	bin=$(find_bin)
	data=$(data_dir "$dir")
	if [ ! -f "$data/PG_VERSION" ]; then
		if [ -e "$dir" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
			die "$dir exists, is not empty and holds no cluster"
		fi
		[ -d "$dir" ] && ! [ -L "$dir" ] && [ -z "$(ls -A "$dir")" ] && rmdir "$dir"
		create_cluster "$dir" "$port" "$bin"
		data=$(data_dir "$dir")
	fi
	if is_running "$dir" "$bin"; then
		log "already running in $data"
		return 0
	fi
	log "starting PostgreSQL on 127.0.0.1:$port (data: $data)"
	if ! as_owner "$bin/pg_ctl" start --pgdata="$data" --wait --timeout=60 \
		--log="$data/server.log" -o "-p $port" >/dev/null; then
		tail -n 30 "$data/server.log" >&2 2>/dev/null || true
		die "PostgreSQL did not start (is port $port taken?)"
	fi
	if command -v pg_isready >/dev/null 2>&1; then
		for _ in $(seq 1 30); do
			pg_isready -q -h 127.0.0.1 -p "$port" && return 0
			sleep 1
		done
		die "PostgreSQL started but 127.0.0.1:$port does not answer"
	fi
}

# cluster_state DIR sets the caller's data (and bin, when DIR holds a
# cluster) and answers 0 when the cluster runs, 1 when it is stopped and 2
# when DIR holds no cluster.
cluster_state() {
	data=$(data_dir "$1")
	[ -f "$data/PG_VERSION" ] || return 2
	bin=$(find_bin)
	is_running "$1" "$bin" || return 1
}

cmd_stop() {
	[ $# -eq 1 ] || die "usage: pg.sh stop DIR"
	local dir bin data state=0
	dir=$(abspath "$1")
	cluster_state "$dir" || state=$?
	case $state in
	2) log "no cluster in $dir" ;;
	1) log "not running ($data)" ;;
	*)
		log "stopping PostgreSQL ($data)"
		as_owner "$bin/pg_ctl" stop --pgdata="$data" --mode=fast --wait --timeout=60 >/dev/null
		;;
	esac
}

cmd_status() {
	[ $# -eq 1 ] || die "usage: pg.sh status DIR"
	local dir bin data state=0
	dir=$(abspath "$1")
	cluster_state "$dir" || state=$?
	case $state in
	2) echo "no cluster in $dir" ;;
	1) echo "stopped ($data)" ;;
	*) echo "running ($data, port $(sed -n 4p "$data/postmaster.pid" 2>/dev/null || echo '?'))" ;;
	esac
	[ "$state" -eq 0 ] || return 3
}

[ $# -ge 1 ] || die "usage: pg.sh start DIR PORT | stop DIR | status DIR"
action=$1
shift
case "$action" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
*) die "unknown command: $action (want start, stop or status)" ;;
esac
