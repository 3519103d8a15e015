package database_test

import (
	"context"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/migrations"
)

func TestMigrationsApplyAndSchemaIsCurrent(t *testing.T) {
	t.Parallel()
	d := dbtest.NewFromScratch(t)
	ctx := context.Background()
	if err := database.CheckSchema(ctx, d.App, migrations.FS); err != nil {
		t.Fatalf("schema after migrate: %v", err)
	}
	// Running again applies nothing.
	done, err := database.Migrate(ctx, d.OwnerURL, migrations.FS)
	if err != nil || len(done) != 0 {
		t.Fatalf("second migrate: applied %v, err %v", done, err)
	}
}

func TestApplicationRoleOwnsNoTable(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	var n int64
	if err := d.App.Raw(`SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
		WHERE r.rolname = $1`, database.AppRole).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("application role owns %d relations", n)
	}
}

func TestSchemaStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		applied, shipped int
		wantErr          bool
	}{
		{"CurrentIsAccepted", 3, 3, false},
		{"BehindIsRefused", 2, 3, true},
		{"AheadIsRefused", 4, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := database.SchemaStatus(tc.applied, tc.shipped); (err != nil) != tc.wantErr {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestOutdatedSchemaIsReported(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	d.Exec(t, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
	if err := database.CheckSchema(context.Background(), d.App, migrations.FS); err == nil {
		t.Fatal("outdated schema accepted")
	}
}

func TestConcurrentBootstrapIsSafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	super := dbtest.SuperURL()
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			errs <- database.Bootstrap(ctx, super,
				dbtest.URLFor(super, database.OwnerRole, "", "jardam_bootstrap_race"),
				dbtest.URLFor(super, database.AppRole, "", "jardam_bootstrap_race"))
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
	}
}
