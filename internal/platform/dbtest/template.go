package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/migrations"
)

// templateRevision is part of the template's name next to the migrations'
// hash: change it when the way a template is built changes, so that no test
// copies a template built the old way.
const templateRevision = "1"

// templateLockKey serializes, across every test binary on the server, the
// check and the creation of a template (pg_advisory_lock on the superuser's
// database).
const templateLockKey = 7_312_101

// templatePrefix starts the name of every template database.
const templatePrefix = "jardam_tpl_"

// shared is the template of this test binary, found or built once.
var shared struct {
	once sync.Once
	name string
	err  error
}

// TemplateName returns the name of the template database for the migrations
// embedded in this binary: a hash of every migration's name and content, so
// a changed, added or renumbered migration gets a template of its own and a
// stale one is never copied.
func TemplateName() (string, error) { return templateNameOf(migrations.FS) }

func templateNameOf(fsys fs.FS) (string, error) {
	migs, err := database.LoadMigrations(fsys)
	if err != nil {
		return "", err
	}
	h := sha256.New() // a hash.Hash never returns an error from Write
	_, _ = fmt.Fprintf(h, "revision %s\n", templateRevision)
	for _, m := range migs {
		_, _ = fmt.Fprintf(h, "%04d_%s %d\n%s\n", m.Version, m.Name, len(m.SQL), m.SQL)
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// template returns the template database of this binary, building it on
// first use.
func template(super string) (string, error) {
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		shared.name, shared.err = TemplateName()
		if shared.err == nil {
			shared.err = ensureTemplate(ctx, super, shared.name)
		}
	})
	return shared.name, shared.err
}

// ensureTemplate builds the template database name unless a complete one
// exists. Test binaries of several packages run at once and race here: the
// advisory lock lets one build while the others wait, and a database only
// becomes a template (datistemplate) once fully migrated, so a build cut
// short is dropped and redone by the next caller.
func ensureTemplate(ctx context.Context, super, name string) error {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return fmt.Errorf("connect as superuser: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLockKey) //nolint:errcheck // the lock also ends with the session, which the deferred Close ends
	var complete bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&complete)
	switch {
	case err == nil && complete:
		return nil
	case err == nil:
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop unfinished template: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	ownerURL := URLFor(super, database.OwnerRole, testPassword, name)
	if err := database.Bootstrap(ctx, super, ownerURL, URLFor(super, database.AppRole, testPassword, name)); err != nil {
		return fmt.Errorf("bootstrap template: %w", err)
	}
	if _, err := database.Migrate(ctx, ownerURL, migrations.FS); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	// No one connects to a template: a connected session would make every
	// copy fail with "source database is being accessed by other users".
	_, err = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	return err
}

// copyTemplate creates the database name as a copy of the template tpl,
// owned by the owner role, with the database-level privileges Bootstrap
// gives.
func copyTemplate(ctx context.Context, super, tpl, name string) error {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return fmt.Errorf("connect as superuser: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{tpl}.Sanitize()+
		" OWNER "+pgx.Identifier{database.OwnerRole}.Sanitize()); err != nil {
		return fmt.Errorf("copy template %s: %w", tpl, err)
	}
	return database.GrantDatabase(ctx, conn, name)
}
