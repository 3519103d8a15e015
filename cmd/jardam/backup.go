package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/migrations"
)

const backupHelp = `usage: jardam backup check

Tells whether the configured keys and the database at DATABASE_URL belong
together, writing nothing: run it on a restored database before anyone
relies on it, and on a schedule against the live one. It checks that the
schema is the one this binary needs, that the master key opens its stored
key check, that the blind index key is the one the database's indexes were
made with (on a database from before the index key check: by recomputing a
case's stored blind index tokens, as the service's first start does), and
that the audit trail verifies with the audit key. It prints one JSON report
and exits with status 1 when any check fails (see docs/operations.md).
`

// backupReport is what `jardam backup check` prints. Each check holds "ok"
// or what is wrong; no key material and no case data.
type backupReport struct {
	OK        bool   `json:"ok"`
	Schema    string `json:"schema"`
	MasterKey string `json:"master_key"`
	IndexKey  string `json:"index_key"`
	// IndexKeyCheckStored is false for a database from before the index
	// key check (migration 0022) no service has started on since: the
	// index key was then checked as the first start checks it, against a
	// case's stored blind index tokens.
	IndexKeyCheckStored bool          `json:"index_key_check_stored"`
	Audit               *audit.Report `json:"audit,omitempty"`
	AuditErr            string        `json:"audit_error,omitempty"`
}

func backupCmd(ctx context.Context, cfg config.Config, _ *slog.Logger, args []string) error {
	if len(args) < 1 || args[0] != "check" {
		return usageError("backup: say `backup check`")
	}
	fl := flag.NewFlagSet("backup check", flag.ContinueOnError)
	fl.Usage = func() { _, _ = fmt.Fprint(fl.Output(), backupHelp) } // as flag's own usage output, which ignores write errors
	if err := fl.Parse(args[1:]); err != nil || fl.NArg() > 0 {
		return usageError("backup check takes no arguments")
	}
	rep, err := backupCheck(ctx, cfg)
	if err != nil {
		return err
	}
	printVerdict(rep, rep.OK)
	return nil
}

// backupCheck runs the checks of `jardam backup check`. An error is
// returned only when a check cannot run at all (no database, no key file).
func backupCheck(ctx context.Context, cfg config.Config) (backupReport, error) {
	var rep backupReport
	if cfg.DatabaseURL == "" {
		return rep, errors.New("DATABASE_URL is not set")
	}
	if cfg.AuditKeyFile == "" {
		return rep, errors.New("set JARDAM_KEYS_DIR or JARDAM_AUDIT_KEY_FILE")
	}
	k, err := loadKeyring(cfg)
	if err != nil {
		return rep, err
	}
	_, ring, err := auditKeys(cfg)
	if err != nil {
		return rep, err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return rep, err
	}
	defer database.Close(db)
	rep.Schema = verdict(database.CheckSchema(ctx, db, migrations.FS))
	if rep.Schema != "ok" {
		// The key checks and the trail are read by the current schema's
		// queries: an older database says only that it needs migrating.
		return rep, nil
	}
	keys, err := k.CheckKeys(ctx, db)
	if err != nil {
		return rep, err
	}
	rep.MasterKey, rep.IndexKey, rep.IndexKeyCheckStored = verdict(keys.Master), verdict(keys.Index), keys.IndexCheckStored
	if a, err := audit.Verify(ctx, db, ring, audit.VerifyOptions{}); err != nil {
		rep.AuditErr = err.Error()
	} else {
		rep.Audit = &a
	}
	rep.OK = rep.MasterKey == "ok" && rep.IndexKey == "ok" && rep.Audit != nil && rep.Audit.OK
	return rep, nil
}

func verdict(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}
