package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/config"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// masterKey loads the current master key (from JARDAM_MASTER_KEY or its
// file) and any previous ones being rotated out.
func masterKey(cfg config.Config) (jcrypto.KeyWrapper, error) {
	var current *jcrypto.LocalMaster
	var err error
	switch {
	case cfg.MasterKey != "":
		current, err = jcrypto.MasterFromEnv(cfg.MasterKey)
	case cfg.MasterKeyFile != "":
		current, err = jcrypto.LoadMasterKeyFile(cfg.MasterKeyFile)
	default:
		return nil, errors.New("set JARDAM_KEYS_DIR, JARDAM_MASTER_KEY_FILE or JARDAM_MASTER_KEY")
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if len(cfg.PreviousMasterKeyFiles) == 0 {
		return current, nil
	}
	var prev []jcrypto.KeyWrapper
	for _, f := range cfg.PreviousMasterKeyFiles {
		m, err := jcrypto.LoadMasterKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("previous master key: %w", err)
		}
		prev = append(prev, m)
	}
	return jcrypto.NewMultiMaster(current, prev...)
}

// loadKeyring loads the master and blind index keys from their files.
func loadKeyring(cfg config.Config) (*cases.Keyring, error) {
	w, err := masterKey(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.IndexKeyFile == "" {
		return nil, errors.New("set JARDAM_KEYS_DIR or JARDAM_INDEX_KEY_FILE")
	}
	idx, err := cases.LoadIndexKeyFile(cfg.IndexKeyFile)
	if err != nil {
		return nil, err
	}
	k, err := cases.NewKeyring(w, idx)
	if err != nil {
		return nil, err
	}
	for _, f := range cfg.PreviousIndexKeyFiles {
		prev, err := cases.LoadIndexKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("previous index key: %w", err)
		}
		if err := k.AddPreviousIndexKey(prev); err != nil {
			return nil, fmt.Errorf("previous index key: %w", err)
		}
	}
	return k, nil
}

// keyring loads the master and blind index keys and checks the master key
// against the database: the service refuses to start with the wrong one.
func keyring(ctx context.Context, cfg config.Config, db *gorm.DB) (*cases.Keyring, error) {
	k, err := loadKeyring(cfg)
	if err != nil {
		return nil, err
	}
	if err := k.EnsureKeyCheck(ctx, db); err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	return k, nil
}

const rotateHelp = `usage: jardam keys rotate --new FILE [--batch N]

Re-wraps every data key (of cases, and each referral's own) with the
master key in FILE (32 bytes in
base64, mode 0600), the service still running. It unwraps with the
configured master key (JARDAM_MASTER_KEY, JARDAM_MASTER_KEY_FILE or
JARDAM_KEYS_DIR) and JARDAM_MASTER_KEY_PREVIOUS_FILES, and connects with
MIGRATION_DATABASE_URL as the maintenance role jardam_maint, which sees the
wrapped keys only. Batches of N keys (default 500) commit one by one: an
interrupted run is resumed by running it again, and a finished one changes
nothing. The key check of the new key is stored first.

Order of the switch (docs/keys.md), so that every replica can always open
every data key:
  1. restart the replicas with the new key added to
     JARDAM_MASTER_KEY_PREVIOUS_FILES, the old key still current
     (with a single replica, skip to 2);
  2. restart them with JARDAM_MASTER_KEY_FILE=FILE (the new key) and the old
     key in JARDAM_MASTER_KEY_PREVIOUS_FILES;
  3. run this command with the same environment;
  4. once it has finished, remove the old key from
     JARDAM_MASTER_KEY_PREVIOUS_FILES and restart. Keep the old key as long
     as database backups taken before the rotation.
A replica holding only the old key cannot read the cases rotated under it.

flags:
`

const destroyHelp = `usage: jardam keys destroy --case CODE_OR_ID --reason TEXT

Erases a case: destroys its data key and the keys of its referrals, and
removes its blind index tokens,
through the maintenance role (MIGRATION_DATABASE_URL). The identity, contact,
notes, plan and event details of the case, and the notes, decline reasons
and outcomes of its referrals, can never be decrypted again; its
statistical attributes remain, and reading it answers identity_erased. The
erasure is recorded in the audit trail (case.erase). --reason is the
operator's acknowledgement: it is neither stored nor printed. Irreversible.

flags:
`

// keysMaintenanceCmd runs `keys rotate` and `keys destroy` on a connection
// of the maintenance role.
func keysMaintenanceCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	ctx = reqctx.WithMeta(ctx, reqctx.Meta{UserAgent: "jardam-cli"})
	fl := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	help := rotateHelp
	if args[0] == "destroy" {
		help = destroyHelp
	}
	fl.Usage = func() {
		_, _ = fmt.Fprint(fl.Output(), help) // as flag's own usage output, which ignores write errors
		fl.PrintDefaults()
	}
	var newFile, caseRef, reason string
	var batch int
	if args[0] == "rotate" {
		fl.StringVar(&newFile, "new", "", "file of the new master key")
		fl.IntVar(&batch, "batch", cases.DefaultRotateBatch, "data keys re-wrapped per transaction")
	} else {
		fl.StringVar(&caseRef, "case", "", "code or id of the case to erase")
		fl.StringVar(&reason, "reason", "", "why the case is erased (required; neither stored nor printed)")
	}
	if err := fl.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err.Error())
	}
	if fl.NArg() > 0 {
		return usageError("keys " + args[0] + ": unexpected arguments")
	}
	if cfg.MigrationDatabaseURL == "" {
		return errors.New("MIGRATION_DATABASE_URL is not set")
	}
	if args[0] == "rotate" {
		if newFile == "" || batch < 1 {
			return usageError("keys rotate needs --new FILE (and --batch at least 1)")
		}
		return keysRotate(ctx, cfg, log, newFile, batch)
	}
	if strings.TrimSpace(caseRef) == "" || strings.TrimSpace(reason) == "" {
		return usageError("keys destroy needs --case CODE_OR_ID and --reason TEXT")
	}
	return keysDestroy(ctx, cfg, caseRef)
}

func keysRotate(ctx context.Context, cfg config.Config, log *slog.Logger, newFile string, batch int) error {
	from, err := masterKey(cfg)
	if err != nil {
		return err
	}
	to, err := jcrypto.LoadMasterKeyFile(newFile)
	if err != nil {
		return fmt.Errorf("new master key: %w", err)
	}
	db, err := database.OpenMaintenance(ctx, cfg.MigrationDatabaseURL)
	if err != nil {
		return err
	}
	defer database.Close(db)
	rep, err := cases.RotateDataKeys(ctx, db, from, to, cases.RotateBatchSize(batch),
		cases.RotateProgress(func(r cases.RotateReport) {
			log.Info("rotation progress", slog.Int("rotated", r.Rotated), slog.Int("batches", r.Batches))
		}))
	if err == nil || rep.Batches > 0 {
		fmt.Printf("rotated: %d\nalready current: %d\ndestroyed skipped: %d\n", rep.Rotated, rep.AlreadyCurrent, rep.DestroyedSkipped)
	}
	switch {
	case errors.Is(err, jcrypto.ErrWrongMasterKey):
		return err
	case errors.Is(err, jcrypto.ErrUnknownKeyVersion):
		return fmt.Errorf("%w (add the master key that wrapped it to JARDAM_MASTER_KEY_PREVIOUS_FILES and run again)", err)
	case err != nil:
		return fmt.Errorf("rotation incomplete, run it again to resume: %w", maintenanceHint(err))
	}
	fmt.Printf("every live data key is under master key %s\n", to.KeyVersion())
	return nil
}

func keysDestroy(ctx context.Context, cfg config.Config, ref string) error {
	db, err := database.OpenMaintenance(ctx, cfg.MigrationDatabaseURL)
	if err != nil {
		return err
	}
	defer database.Close(db)
	ref = strings.TrimSpace(ref)
	id, err := uuid.Parse(ref)
	if err != nil {
		if id, err = cases.CaseIDByCode(ctx, db, ref); err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				return errors.New("no case with this code or id")
			}
			return maintenanceHint(err)
		}
	}
	switch err := cases.DestroyDataKey(ctx, db, id); {
	case errors.Is(err, cases.ErrKeyDestroyed):
		fmt.Printf("case %s: the data key was destroyed already\n", id)
		return nil
	case errors.Is(err, apperr.ErrNotFound):
		return errors.New("no case with this code or id")
	case err != nil:
		return maintenanceHint(err)
	}
	fmt.Printf("case %s: data key destroyed; its identity can no longer be read\n", id)
	return nil
}

// maintenanceHint adds what to do when the maintenance role lacks its
// grants (the database is not migrated).
func maintenanceHint(err error) error {
	if database.IsCode(err, "42501") || database.IsCode(err, "42883") {
		return fmt.Errorf("%w (is the database migrated? run `jardam migrate`)", err)
	}
	return err
}
