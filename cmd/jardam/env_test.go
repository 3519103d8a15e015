package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/seed"
)

// demoCommandEnv returns what a subcommand runs with: a fresh database
// holding the demo organizations and accounts, a configuration naming it,
// and a logger that discards.
func demoCommandEnv(t *testing.T) (context.Context, *dbtest.DB, config.Config, *slog.Logger) {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := seed.Demo(ctx, d.App, passwd.NewHasher(1), true); err != nil {
		t.Fatal(err)
	}
	return ctx, d, config.Config{DatabaseURL: d.AppURL}, slog.New(slog.NewTextHandler(io.Discard, nil))
}
