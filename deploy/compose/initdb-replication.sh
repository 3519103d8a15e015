# Sourced by the postgres image once, when the primary's data directory is
# created (/docker-entrypoint-initdb.d): the role the standby replicates as,
# with REPLICATION_PASSWORD, and the line of pg_hba.conf that lets it in
# from the compose network. On a data directory made before, run the same
# two steps by hand (docs/operations.md, "A streaming replica").
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v pw="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'pw';
SQL
echo "host replication replicator 172.30.0.0/24 scram-sha-256" >>"$PGDATA/pg_hba.conf"
