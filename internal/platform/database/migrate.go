package database

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Migration is one embedded SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// LoadMigrations reads the numbered SQL files of fsys in order. It returns an
// error for a misnamed file or a gap or duplicate in the numbering.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: expected version %d", m.Version, m.Name, i+1)
		}
	}
	return out, nil
}

// migrationLockKey serializes concurrent `jardam migrate` runs on one database.
const migrationLockKey = 7_312_001

// Migrate applies the migrations of fsys not yet recorded in
// schema_migrations, each in its own transaction, on the database at ownerURL.
// It returns the versions it applied.
func Migrate(ctx context.Context, ownerURL string, fsys fs.FS) ([]int, error) {
	migs, err := LoadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck // the lock also ends with the session, which the deferred Close ends
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var done []int
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}

// ErrSchemaOutdated reports that the database lacks migrations this binary
// ships (or has newer ones it does not know).
var ErrSchemaOutdated = errors.New("database schema is not current")

// CheckSchema compares the migrations recorded in db with those embedded
// in fsys. It returns an error wrapping ErrSchemaOutdated that says which
// versions differ.
func CheckSchema(ctx context.Context, db *gorm.DB, fsys fs.FS) error {
	migs, err := LoadMigrations(fsys)
	if err != nil {
		return err
	}
	var applied int
	if err := db.WithContext(ctx).Raw("SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&applied).Error; err != nil {
		if IsCode(err, "42P01") {
			return SchemaStatus(0, len(migs))
		}
		return err
	}
	return SchemaStatus(applied, len(migs))
}

// SchemaStatus compares the highest applied migration version with the
// highest shipped one.
func SchemaStatus(applied, shipped int) error {
	switch {
	case applied < shipped:
		return fmt.Errorf("%w: database is at version %d, this binary needs %d; run `jardam migrate`", ErrSchemaOutdated, applied, shipped)
	case applied > shipped:
		return fmt.Errorf("%w: database is at version %d, newer than this binary's %d; deploy the newer binary", ErrSchemaOutdated, applied, shipped)
	}
	return nil
}
