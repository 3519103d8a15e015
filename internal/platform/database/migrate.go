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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
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

// Bootstrap creates, once per cluster, the owner role named in ownerURL and
// the application role named in appURL (with the passwords those URLs carry,
// if any), the statistics and maintenance roles (MaintRole is granted to the
// owner's login user, which takes it with SET ROLE), and the database named
// in ownerURL owned by the owner role. It connects with superURL, a
// superuser. It is safe to run concurrently and repeatedly.
func Bootstrap(ctx context.Context, superURL, ownerURL, appURL string) error {
	ownerCfg, err := pgconn.ParseConfig(ownerURL)
	if err != nil {
		return fmt.Errorf("MIGRATION_DATABASE_URL: %w", err)
	}
	appCfg, err := pgconn.ParseConfig(appURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer conn.Close(context.Background())
	// Roles are cluster-wide; serialize concurrent bootstraps on the
	// superuser's database.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey+1); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey+1) //nolint:errcheck // the lock also ends with the session, which the deferred Close ends

	for _, group := range []string{OwnerRole, AppRole, StatsRole, MaintRole} {
		if err := ensureRole(ctx, conn, group, "", "NOLOGIN"); err != nil {
			return err
		}
	}
	if err := ensureLogins(ctx, conn, ownerCfg, appCfg); err != nil {
		return err
	}
	dbName := ownerCfg.Database
	if dbName == "" {
		return errors.New("MIGRATION_DATABASE_URL: names no database")
	}
	if err := ensureDatabase(ctx, conn, dbName); err != nil {
		return err
	}
	return GrantDatabase(ctx, conn, dbName)
}

// ensureRole creates the role name with attrs unless it exists, and sets
// its password when one is given.
func ensureRole(ctx context.Context, conn *pgx.Conn, name, password, attrs string) error {
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE ROLE "+ident+" "+attrs); err != nil &&
			!IsCode(err, CodeDuplicateObject) && !IsCode(err, CodeUniqueViolation) {
			return fmt.Errorf("create role %s: %w", name, err)
		}
	}
	if password != "" {
		// Literals cannot be parameters in utility statements.
		if _, err := conn.Exec(ctx, "ALTER ROLE "+ident+" PASSWORD "+quoteLiteral(password)); err != nil {
			return fmt.Errorf("set password of %s: %w", name, err)
		}
	}
	return nil
}

// ensureLogins creates the login roles of the owner's and the
// application's URLs: the group roles themselves or members of them. The
// owner's login user also takes the maintenance role with SET ROLE for
// `jardam keys rotate` and `jardam keys destroy`, and the statistics role
// so that migrations can create the objects that role owns.
func ensureLogins(ctx context.Context, conn *pgx.Conn, ownerCfg, appCfg *pgconn.Config) error {
	for _, l := range []struct {
		user, password, group string
	}{{ownerCfg.User, ownerCfg.Password, OwnerRole}, {appCfg.User, appCfg.Password, AppRole}} {
		if err := ensureRole(ctx, conn, l.user, l.password, "LOGIN"); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "ALTER ROLE "+pgx.Identifier{l.user}.Sanitize()+" LOGIN"); err != nil {
			return err
		}
		if l.user != l.group {
			if _, err := conn.Exec(ctx, "GRANT "+pgx.Identifier{l.group}.Sanitize()+" TO "+pgx.Identifier{l.user}.Sanitize()); err != nil {
				return err
			}
		}
	}
	for _, role := range []string{MaintRole, StatsRole} {
		if _, err := conn.Exec(ctx, "GRANT "+role+" TO "+pgx.Identifier{ownerCfg.User}.Sanitize()); err != nil {
			return fmt.Errorf("grant %s: %w", role, err)
		}
	}
	return nil
}

// ensureDatabase creates the database dbName, owned by the owner role,
// unless it exists.
func ensureDatabase(ctx context.Context, conn *pgx.Conn, dbName string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbName).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbName}.Sanitize()+" OWNER "+pgx.Identifier{OwnerRole}.Sanitize())
	if err != nil && !IsCode(err, CodeDuplicateDatabase) && !IsCode(err, CodeUniqueViolation) {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

// GrantDatabase sets the database-level privileges of the database dbName
// (which a copy made with CREATE DATABASE ... TEMPLATE does not inherit):
// nothing for PUBLIC, connect and temporary tables for the application role,
// connect for the statistics role, everything for the owner role. conn is a
// superuser's connection.
func GrantDatabase(ctx context.Context, conn *pgx.Conn, dbName string) error {
	db := pgx.Identifier{dbName}.Sanitize()
	for _, stmt := range []string{
		"REVOKE ALL ON DATABASE " + db + " FROM PUBLIC",
		"GRANT CONNECT, TEMPORARY ON DATABASE " + db + " TO " + AppRole,
		"GRANT CONNECT ON DATABASE " + db + " TO " + StatsRole,
		"GRANT ALL ON DATABASE " + db + " TO " + OwnerRole,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// StatsRole owns the statistics views: it sees statistical attributes only.
const StatsRole = "jardam_stats"

// MaintRole rotates and destroys case data keys: it sees the wrapped data
// keys and the key checks and writes audit entries, and reads no case.
const MaintRole = "jardam_maint"

// OpenMaintenance connects to ownerURL (MIGRATION_DATABASE_URL) with a small
// pool whose every connection takes MaintRole with SET ROLE, for `jardam
// keys rotate` and `jardam keys destroy`. It returns ErrUnavailable
// (wrapped) when the server does not answer, and an error saying to run
// `jardam migrate --bootstrap` when the login user may not take the role.
func OpenMaintenance(ctx context.Context, ownerURL string) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return nil, fmt.Errorf("MIGRATION_DATABASE_URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+MaintRole)
		return err
	}))
	sqlDB.SetMaxOpenConns(4)
	sqlDB.SetMaxIdleConns(4)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var role string
	if err := db.WithContext(pctx).Raw("SELECT current_user").Scan(&role).Error; err != nil {
		_ = sqlDB.Close()
		if IsCode(err, "42501") || IsCode(err, "22023") {
			return nil, fmt.Errorf("the login user of MIGRATION_DATABASE_URL may not take the role %s (run `jardam migrate --bootstrap`): %w", MaintRole, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if role != MaintRole {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("maintenance connection runs as %q, not %s", role, MaintRole)
	}
	return db, nil
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
