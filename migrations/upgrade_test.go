package migrations_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/migrations"
)

var fixture = filepath.Join("testdata", "upgrade")

// A database the previous release wrote (testdata/upgrade) migrates to the
// newest schema without losing a row, and then passes what the service
// checks at start and `jardam backup check` checks: the schema is current,
// the master and index keys belong to it, the audit trail verifies, and a
// caseworker reads a case's identity, decrypted with its data key.
func TestUpgradeFromThePreviousRelease(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(fixture, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	from, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	d := dbtest.NewMigratedBy(t, firstMigrations(t, from))
	// The dump holds every table whole, the rows the migrations insert
	// (measure lists, reference data) included: it replaces them.
	d.Exec(t, `DO $$ DECLARE tbl text; filled boolean; BEGIN
		FOR tbl IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
			EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', tbl) INTO filled;
			IF filled THEN EXECUTE format('TRUNCATE %I CASCADE', tbl); END IF;
		END LOOP; END $$`)
	d.Exec(t, fixtureSQL(t))
	before := rowCounts(t, d)
	months := builtMonths(t, d)

	applied, err := database.Migrate(ctx, d.OwnerURL, migrations.FS)
	if err != nil {
		t.Fatalf("migrating the previous release's database: %v", err)
	}
	t.Logf("fixture at version %d, %d tables with rows; applied %v", from, len(before), applied)
	after := rowCounts(t, d)
	for table, n := range before {
		if rebuilt[table] && after[table] == 0 {
			continue // emptied by a migration; the refresh below must rebuild it
		}
		if after[table] != n {
			t.Errorf("%s: %d rows before the upgrade, %d after", table, n, after[table])
		}
	}
	refreshRollups(t, d, months, before)
	if err := database.CheckSchema(ctx, d.App, migrations.FS); err != nil {
		t.Fatal(err)
	}

	keys := fixtureKeyring(t)
	if err := keys.EnsureKeyCheck(ctx, d.App); err != nil {
		t.Fatalf("the start-up key check: %v", err)
	}
	if rep, err := keys.CheckKeys(ctx, d.App); err != nil || rep.Master != nil || rep.Index != nil {
		t.Fatalf("keys against the upgraded database: %+v %v", rep, err)
	}
	signer, err := audit.LoadSigner(fixtureKeyFile(t, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	// The trail was linked when the fixture was made; it is old now, which
	// is not a fault.
	rep, err := audit.Verify(ctx, d.App, signer.Verifier(), audit.VerifyOptions{StaleAfter: 100 * 365 * 24 * time.Hour})
	if err != nil || !rep.OK || rep.Entries == 0 {
		t.Fatalf("audit trail after the upgrade: %+v %v", rep, err)
	}
	readAnIdentity(t, d, keys)
}

// rebuilt lists the tables that hold only what can be computed again from
// the records (the statistics rollups): a migration that changes their shape
// may empty them, and the next refresh fills them again.
var rebuilt = map[string]bool{"stats_monthly_cells": true, "stats_rollup_months": true}

// builtMonths returns the months whose statistics rollups are built.
func builtMonths(t *testing.T, d *dbtest.DB) []time.Time {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.SuperDBURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT month::timestamp AT TIME ZONE 'Asia/Bishkek' FROM stats_rollup_months ORDER BY month`)
	if err != nil {
		t.Fatal(err)
	}
	months, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	return months
}

// refreshRollups refreshes the statistics rollups of months as the service
// does and checks that every rebuildable table is filled again, and every
// month built before the upgrade is built again.
func refreshRollups(t *testing.T, d *dbtest.DB, months []time.Time, before map[string]int64) {
	t.Helper()
	if len(months) == 0 {
		return
	}
	bishkek := time.FixedZone("Asia/Bishkek", 6*3600)
	from, to := months[0], months[len(months)-1].In(bishkek).AddDate(0, 1, 0)
	if err := d.App.Exec(`SELECT jardam_stats_refresh(?, ?)`, from, to).Error; err != nil {
		t.Fatalf("refreshing the rollups after the upgrade: %v", err)
	}
	for table := range rebuilt {
		if before[table] > 0 && d.Count(t, `SELECT count(*) FROM public.`+pgIdent(table)) == 0 {
			t.Errorf("%s: empty after the refresh", table)
		}
	}
	if got := builtMonths(t, d); len(got) < len(months) {
		t.Errorf("%d months built after the refresh, %d before the upgrade", len(got), len(months))
	}
}

// firstMigrations holds the migrations up to version n.
func firstMigrations(t *testing.T, n int) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil || v > n {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	if len(out) != n {
		t.Fatalf("the fixture is at version %d; %d migrations found up to it", n, len(out))
	}
	return out
}

func fixtureSQL(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(fixture, "data.sql.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rowCounts counts the rows of every table that has any.
func rowCounts(t *testing.T, d *dbtest.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.SuperDBURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, table := range tables {
		if n := d.Count(t, `SELECT count(*) FROM public.`+pgIdent(table)); n > 0 {
			out[table] = n
		}
	}
	return out
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func pgIdent(s string) string {
	if !plainIdent.MatchString(s) {
		panic("unexpected table name " + s)
	}
	return s
}

// fixtureKeyFile copies a key of the fixture to a private file (git does
// not keep the 0600 mode the key loaders insist on).
func fixtureKeyFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixture, "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func fixtureKeyring(t *testing.T) *cases.Keyring {
	t.Helper()
	master, err := jcrypto.LoadMasterKeyFile(fixtureKeyFile(t, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	index, err := cases.LoadIndexKeyFile(fixtureKeyFile(t, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := cases.NewKeyring(master, index)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// readAnIdentity reads, as the demo caseworker, a case assigned to them
// that holds an identity, through the case service.
func readAnIdentity(t *testing.T, d *dbtest.DB, keys *cases.Keyring) {
	t.Helper()
	var r struct{ UserID, OrganizationID, CaseID uuid.UUID }
	bg := context.Background()
	conn, err := pgx.Connect(bg, d.SuperDBURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(bg) }()
	if err := conn.QueryRow(bg, `SELECT u.id, u.organization_id, a.case_id
		FROM users u JOIN case_assignments a ON a.user_id = u.id JOIN cases c ON c.id = a.case_id
		WHERE u.email = 'caseworker@sezim.kg' AND c.identity_enc IS NOT NULL ORDER BY c.created_at LIMIT 1`).
		Scan(&r.UserID, &r.OrganizationID, &r.CaseID); err != nil {
		t.Fatalf("a case with an identity assigned to the demo caseworker: %v", err)
	}
	ctx := reqctx.WithPrincipal(reqctx.WithMeta(context.Background(), reqctx.Meta{RequestID: "upgrade-test"}),
		reqctx.Principal{UserID: r.UserID, OrganizationID: r.OrganizationID, Role: "caseworker"})
	svc := cases.NewService(d.App, keys, cases.Settings{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := svc.Get(ctx, r.CaseID)
	if err != nil {
		t.Fatalf("reading a case after the upgrade: %v", err)
	}
	if c.Identity == nil || c.Identity.GivenName == nil || *c.Identity.GivenName == "" {
		t.Fatalf("the case's identity did not decrypt: %+v", c.Identity)
	}
}

// Every migration says whether it locks a table that holds data, and for
// how long, in a line starting "-- Locks:", so an operator knows before
// upgrading a large database.
func TestEveryMigrationSaysWhatItLocks(t *testing.T) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("\n-- Locks: ")) && !bytes.HasPrefix(b, []byte("-- Locks: ")) {
			t.Errorf("%s has no line starting \"-- Locks: \"", e.Name())
		}
	}
}
