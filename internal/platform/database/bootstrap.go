package database

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

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

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
