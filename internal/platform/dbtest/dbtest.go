// Package dbtest gives tests a fresh PostgreSQL database, created on the
// server named by TEST_DATABASE_URL (a superuser URL; default the local
// server on 127.0.0.1:5432) and migrated by Jardam's real migrations. The
// test connects as the application role, exactly as the service does.
//
// The migrations run once per set of migrations, into a template database
// whose name carries a hash of them (TemplateName); every test database is
// a copy of it (CREATE DATABASE ... TEMPLATE). Templates stay on the server
// between runs; those of migrations no longer in any branch can be dropped
// by hand (ALTER DATABASE ... IS_TEMPLATE false, then DROP DATABASE).
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/migrations"
)

// DefaultSuperURL is used when TEST_DATABASE_URL is unset.
const DefaultSuperURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const testPassword = "jardam-test-role"

// DB is one fresh, migrated database.
type DB struct {
	Name     string
	SuperURL string
	OwnerURL string
	AppURL   string
	// App is a pool connected as the application role.
	App *gorm.DB
}

// SuperURL returns the superuser URL tests use.
func SuperURL() string {
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	return DefaultSuperURL
}

// URLFor returns superURL with its user, password and database replaced.
func URLFor(superURL, user, password, dbName string) string {
	u, err := url.Parse(superURL)
	if err != nil {
		panic(err)
	}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	u.Path = "/" + dbName
	return u.String()
}

// New creates a database for t, a copy of the template migrated once by
// Jardam's migrations (see TemplateName), and drops it when t ends. Copying
// takes a fraction of the time migrating does, so tests that need a
// database each may have their own and run in parallel.
func New(t testing.TB) *DB {
	t.Helper()
	super := SuperURL()
	tpl, err := template(super)
	if err != nil {
		t.Fatalf("template database: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := newDB(super)
	if err := copyTemplate(ctx, super, tpl, d.Name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { drop(super, d.Name) })
	d.open(ctx, t)
	return d
}

// NewFromScratch creates, bootstraps and migrates a database for t from
// nothing, as `jardam migrate --bootstrap` and `jardam migrate` do, and
// drops it when t ends: for the tests of bootstrapping and migrating
// themselves. Other tests use New.
func NewFromScratch(t testing.TB) *DB { return NewMigratedBy(t, migrations.FS) }

// NewMigratedBy is NewFromScratch with the migrations in fsys, such as the
// first ones only (a database as an earlier release left it).
func NewMigratedBy(t testing.TB, fsys fs.FS) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	super := SuperURL()
	d := newDB(super)
	if err := database.Bootstrap(ctx, super, d.OwnerURL, d.AppURL); err != nil {
		t.Fatalf("bootstrap test database: %v", err)
	}
	t.Cleanup(func() { drop(super, d.Name) })
	if _, err := database.Migrate(ctx, d.OwnerURL, fsys); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	d.open(ctx, t)
	return d
}

// newDB names a new test database and its URLs.
func newDB(super string) *DB {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "jardam_t_" + hex.EncodeToString(b)
	return &DB{
		Name:     name,
		SuperURL: super,
		OwnerURL: URLFor(super, database.OwnerRole, testPassword, name),
		AppURL:   viaPooler(URLFor(super, database.AppRole, testPassword, name)),
	}
}

// viaPooler points an application URL at the connection pooler named by
// TEST_APP_POOLER (host:port of a PgBouncer in transaction pooling mode,
// see .ci/pgbouncer.sh), with the settings docs/operations.md gives for
// it: pgx sends unnamed statements, which survive transaction pooling, and
// caches their descriptions, so a query still takes one round trip.
// Without TEST_APP_POOLER the URL is unchanged.
func viaPooler(appURL string) string {
	pooler := os.Getenv("TEST_APP_POOLER")
	if pooler == "" {
		return appURL
	}
	u, err := url.Parse(appURL)
	if err != nil {
		panic(err)
	}
	u.Host = pooler
	q := u.Query()
	q.Set("default_query_exec_mode", "cache_describe")
	u.RawQuery = q.Encode()
	return u.String()
}

// open connects d.App as the application role, closed when t ends.
func (d *DB) open(ctx context.Context, t testing.TB) {
	t.Helper()
	app, err := database.Open(ctx, d.AppURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { database.Close(app) })
	d.App = app
}

// SuperDBURL is the superuser URL of the test database (for tools such as
// pg_dump and for checks past row-level security).
func (d *DB) SuperDBURL() string {
	return URLFor(d.SuperURL, superUser(d.SuperURL), superPassword(d.SuperURL), d.Name)
}

// asSuper runs fn on a new superuser connection to the test database and
// fails t with what when fn fails.
func (d *DB) asSuper(t testing.TB, what string, fn func(ctx context.Context, conn *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.SuperDBURL())
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Exec runs statements as the superuser on the test database (for tests
// that tamper with what the application role cannot touch).
func (d *DB) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	d.asSuper(t, "superuser exec", func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	})
}

func superUser(raw string) string {
	u, _ := url.Parse(raw)
	return u.User.Username()
}

func superPassword(raw string) string {
	u, _ := url.Parse(raw)
	p, _ := u.User.Password()
	return p
}

func drop(super, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// Count runs a count query as the superuser on the test database, past
// row-level security (for tests that check what the application cannot
// see).
func (d *DB) Count(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	d.scanRow(t, "superuser count", &n, sql, args)
	return n
}

// Text runs a query answering one text value as the superuser on the test
// database, past row-level security.
func (d *DB) Text(t testing.TB, sql string, args ...any) string {
	t.Helper()
	var s string
	d.scanRow(t, "superuser query", &s, sql, args)
	return s
}

// scanRow scans the one value the query answers into dest.
func (d *DB) scanRow(t testing.TB, what string, dest any, sql string, args []any) {
	t.Helper()
	d.asSuper(t, what, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql, args...).Scan(dest)
	})
}

// Principal returns the principal of the account with email (its id,
// organization and role), read as the application role.
func (d *DB) Principal(t testing.TB, email string) reqctx.Principal {
	t.Helper()
	var u struct {
		ID             uuid.UUID
		OrganizationID uuid.UUID
		Role           string
	}
	if err := d.App.Raw(`SELECT id, organization_id, role FROM users WHERE email = ?`, email).Scan(&u).Error; err != nil || u.ID == uuid.Nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return reqctx.Principal{UserID: u.ID, OrganizationID: u.OrganizationID, Role: u.Role}
}
