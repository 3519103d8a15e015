#!/usr/bin/env bash
# Makes the upgrade test's fixture, migrations/testdata/upgrade/: a database
# written by the release at REV (its migrations, the demo organizations and
# accounts, demo cases with referrals and assistance, and the audit trail
# linked and signed by a short `jardam serve`), dumped as SQL data, with the
# test-only keys it was written under. Run it when a release is made, with
# that release's tag, so the next release's migrations are tested against
# data its predecessor wrote:
#
#   bash .ci/test-db.sh bash .ci/upgrade-fixture.sh REV
set -euo pipefail
rev=${1:?usage: upgrade-fixture.sh REV}
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
root=$(git rev-parse --show-toplevel)
out=$root/migrations/testdata/upgrade
super=${TEST_DATABASE_URL:?run under .ci/test-db.sh}
hostport=$(printf '%s' "$super" | sed -E 's#^postgres(ql)?://[^@]*@([^/?]+).*#\2#')
db=jardam_upgrade_fixture
tmp=$(mktemp -d)
cleanup() {
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
	git -C "$root" worktree remove --force "$tmp/src" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

git -C "$root" worktree add --detach "$tmp/src" "$rev" >/dev/null
(cd "$tmp/src" && CGO_ENABLED=0 go build -trimpath -o "$tmp/jardam" ./cmd/jardam)
version=$(find "$tmp/src/migrations" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)

psql -q "$super" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
rm -rf "$out" && mkdir -p "$out/keys" && chmod 700 "$out/keys"
# The roles' password is the one the tests' databases use (roles belong to
# the whole cluster).
export JARDAM_ENV=development JARDAM_KEYS_DIR=$out/keys JARDAM_AUDIT_LINK_INTERVAL=200ms \
	BOOTSTRAP_DATABASE_URL=$super \
	MIGRATION_DATABASE_URL="postgres://jardam_owner:jardam-test-role@$hostport/$db?sslmode=disable" \
	DATABASE_URL="postgres://jardam_app:jardam-test-role@$hostport/$db?sslmode=disable" \
	JARDAM_LISTEN=127.0.0.1:$((50000 + RANDOM % 5000))
"$tmp/jardam" keys init --dir "$out/keys"
"$tmp/jardam" migrate --bootstrap
"$tmp/jardam" migrate
"$tmp/jardam" seed demo --cases 24
"$tmp/jardam" serve >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 60); do
	sleep 1
	unlinked=$(psql -tA "${super%/*}/$db?sslmode=disable" -c "SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_links l WHERE l.entry_id = e.id)" 2>/dev/null || echo x)
	[ "$unlinked" = 0 ] && break
done
kill -TERM "$serve_pid" && wait "$serve_pid" || true
serve_pid=
[ "$unlinked" = 0 ] || { tail -20 "$tmp/serve.log" >&2; echo "upgrade-fixture: the audit trail was not linked" >&2; exit 1; }

# Data only, as INSERT statements in dependency order, triggers off while
# loading (the rows are already what the triggers made them); psql's
# meta-commands are left out, so the file runs as plain SQL.
pg_dump "${super%/*}/$db?sslmode=disable" --data-only --inserts --disable-triggers \
	--no-owner --no-privileges --exclude-table=schema_migrations |
	grep -v '^\\' | gzip -9n >"$out/data.sql.gz"
echo "$version" >"$out/VERSION"
git -C "$tmp/src" rev-parse HEAD >"$out/REVISION"
psql -q "$super" -c "DROP DATABASE $db WITH (FORCE)"
echo "upgrade-fixture: $out (schema version $version, $(du -h "$out/data.sql.gz" | cut -f1) compressed)"
