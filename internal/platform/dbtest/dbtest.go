// Package dbtest gives tests a fresh PostgreSQL database, created on the
// server named by TEST_DATABASE_URL (a superuser URL; default the local
// server on 127.0.0.1:5432) and migrated by Jardam's real migrations. The
// test connects as the application role, exactly as the service does.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/database"
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

// New creates, bootstraps and migrates a database for t and drops it when t
// ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "jardam_t_" + hex.EncodeToString(b)
	super := SuperURL()
	d := &DB{
		Name:     name,
		SuperURL: super,
		OwnerURL: URLFor(super, database.OwnerRole, testPassword, name),
		AppURL:   URLFor(super, database.AppRole, testPassword, name),
	}
	if err := database.Bootstrap(ctx, super, d.OwnerURL, d.AppURL); err != nil {
		t.Fatalf("bootstrap test database: %v", err)
	}
	t.Cleanup(func() { drop(super, name) })
	if _, err := database.Migrate(ctx, d.OwnerURL, migrations.FS); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	app, err := database.Open(ctx, d.AppURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { database.Close(app) })
	d.App = app
	return d
}

// Exec runs statements as the superuser on the test database (for tests
// that tamper with what the application role cannot touch).
func (d *DB) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URLFor(d.SuperURL, superUser(d.SuperURL), superPassword(d.SuperURL), d.Name))
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("superuser exec: %v", err)
	}
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
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URLFor(d.SuperURL, superUser(d.SuperURL), superPassword(d.SuperURL), d.Name))
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("superuser count: %v", err)
	}
	return n
}
