package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// auditKeys loads the audit checkpoint key and the key ring that verifies
// the trail: that key and the retired keys' verify-only files
// (JARDAM_AUDIT_VERIFY_KEY_FILES).
func auditKeys(cfg config.Config) (*audit.Signer, *audit.Verifier, error) {
	if cfg.AuditKeyFile == "" {
		return nil, nil, errors.New("set JARDAM_KEYS_DIR or JARDAM_AUDIT_KEY_FILE")
	}
	signer, err := audit.LoadSigner(cfg.AuditKeyFile)
	if err != nil {
		return nil, nil, err
	}
	ring, err := audit.KeyRing(signer, cfg.AuditVerifyKeyFiles)
	if err != nil {
		return nil, nil, err
	}
	return signer, ring, nil
}

const rotateAuditHelp = `usage: jardam keys rotate-audit --new FILE --retired-out FILE

Hands the signing of the audit trail's checkpoints from the configured audit
key (JARDAM_AUDIT_KEY_FILE or audit.key in JARDAM_KEYS_DIR) to the key in
--new (made by ` + "`jardam keys init --dir`" + ` in an empty directory). It first
writes the configured key's public half to --retired-out (a new file: the
verify-only key that keeps the old segment verifiable), then records at the
chain's head a handover signed by both keys (DATABASE_URL). From then on a
service with the old key signs nothing: its entries wait, committed, until
a service with the new key links them. Then, on every replica: put the new
key in place of audit.key, add --retired-out to
JARDAM_AUDIT_VERIFY_KEY_FILES, and restart. See docs/keys.md.

flags:
`

// keysRotateAudit runs `jardam keys rotate-audit`.
func keysRotateAudit(ctx context.Context, cfg config.Config, args []string) error {
	fl := flag.NewFlagSet("keys rotate-audit", flag.ContinueOnError)
	fl.Usage = func() {
		_, _ = fmt.Fprint(fl.Output(), rotateAuditHelp) // as flag's own usage output, which ignores write errors
		fl.PrintDefaults()
	}
	newFile := fl.String("new", "", "file of the new audit checkpoint key")
	retiredOut := fl.String("retired-out", "", "new file for the current key's verify-only public key")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err.Error())
	}
	if fl.NArg() > 0 || *newFile == "" || *retiredOut == "" {
		return usageError("keys rotate-audit needs --new FILE and --retired-out FILE")
	}
	old, _, err := auditKeys(cfg)
	if err != nil {
		return err
	}
	next, err := audit.LoadSigner(*newFile)
	if err != nil {
		return fmt.Errorf("new audit key: %w", err)
	}
	if old.KeyID() == next.KeyID() {
		return audit.ErrSameKey
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := audit.CheckCurrentKey(ctx, db, old); err != nil {
		return err
	}
	if err := old.WriteVerifyKeyFile(*retiredOut); err != nil {
		return err
	}
	info, err := audit.HandOver(ctx, db, old, next)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(struct {
		audit.HandoverInfo
		VerifyKeyFile string `json:"verify_key_file"`
	}{info, *retiredOut}, "", "  ")
	fmt.Println(string(out))
	return nil
}

const rotateIndexHelp = `usage: jardam keys rotate-index --new FILE [--batch N]

Moves every case's blind index tokens (name search, duplicate check) to the
index key in FILE (32 bytes in base64, mode 0600), the service still
running, then stores the new key's index key check: afterwards the service
and ` + "`jardam backup check`" + ` accept the new key and refuse the old one.
It connects with DATABASE_URL, opens each case's identity with the
configured master key to recompute its tokens, and reads organization by
organization in batches of N cases (default 200), each its own transaction
with one audit entry (index_key.rotate). An interrupted run is resumed by
running it again; a finished one changes nothing.

Order of the switch (docs/keys.md), so that every search finds every case:
  1. restart the replicas with FILE in JARDAM_INDEX_KEY_PREVIOUS_FILES, the
     old key still current (with a single replica, skip to 2);
  2. restart them with JARDAM_INDEX_KEY_FILE=FILE and the old key in
     JARDAM_INDEX_KEY_PREVIOUS_FILES (searches look for both keys' tokens);
  3. run this command with the same environment;
  4. once it has finished, remove the old key from
     JARDAM_INDEX_KEY_PREVIOUS_FILES and restart.

flags:
`

// keysRotateIndex runs `jardam keys rotate-index`.
func keysRotateIndex(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	ctx = reqctx.WithMeta(ctx, reqctx.Meta{UserAgent: "jardam-cli"})
	fl := flag.NewFlagSet("keys rotate-index", flag.ContinueOnError)
	fl.Usage = func() {
		_, _ = fmt.Fprint(fl.Output(), rotateIndexHelp) // as flag's own usage output, which ignores write errors
		fl.PrintDefaults()
	}
	newFile := fl.String("new", "", "file of the new blind index key")
	batch := fl.Int("batch", cases.DefaultIndexRotateBatch, "cases recomputed per transaction")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError(err.Error())
	}
	if fl.NArg() > 0 || *newFile == "" || *batch < 1 {
		return usageError("keys rotate-index needs --new FILE (and --batch at least 1)")
	}
	from, err := loadKeyring(cfg)
	if err != nil {
		return err
	}
	newKey, err := cases.LoadIndexKeyFile(*newFile)
	if err != nil {
		return fmt.Errorf("new index key: %w", err)
	}
	db, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer database.Close(db)
	rep, err := cases.RotateIndexKey(ctx, db, from, newKey, *batch, func(r cases.IndexRotateReport) {
		log.Info("index rotation progress", slog.Int("rewritten", r.Rewritten), slog.Int("batches", r.Batches))
	})
	fmt.Printf("rewritten: %d\nalready current: %d\norganizations: %d\n", rep.Rewritten, rep.AlreadyCurrent, rep.Organizations)
	if err != nil {
		return fmt.Errorf("rotation incomplete, run it again to resume: %w", err)
	}
	fmt.Println("every case's blind index is under the new index key; its key check is stored")
	return nil
}
