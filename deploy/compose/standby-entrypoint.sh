#!/bin/bash
# The standby's entry point: on the first start (an empty data directory) a
# copy of the primary by pg_basebackup --write-recovery-conf, which writes
# standby.signal and primary_conninfo (streaming replication as the role
# replicator, password in PGPASSWORD); then PostgreSQL as the image starts
# it, a hot standby. To make it again (after a failover, or when it fell
# further behind than the primary's wal_keep_size), remove its volume.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	gosu postgres pg_basebackup --host=postgres --port=5432 --username=replicator --pgdata="$PGDATA" \
		--checkpoint=fast --wal-method=stream --write-recovery-conf
	chmod 0700 "$PGDATA"
fi
exec docker-entrypoint.sh postgres
