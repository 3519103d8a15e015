package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/jardam-kg/jardam/internal/audit"
)

// `keys rotate-audit` hands the trail over and writes the verify-only
// file; the key ring the commands load from the new configuration verifies
// both segments, and the old key is no longer the trail's.
func TestKeysRotateAuditCommand(t *testing.T) {
	ctx, d, cfg, log := demoCommandEnv(t)
	dir := t.TempDir()
	oldFile, newFile, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "new", "audit.key"), filepath.Join(dir, "audit-old.pub")
	old, err := audit.GenerateKeyFile(oldFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := keysCmd(ctx, cfg, log, []string{"init", "--dir", filepath.Join(dir, "new")}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.NewLinker(d.App, old, log).LinkOnce(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.AuditKeyFile = oldFile
	if err := keysCmd(ctx, cfg, log, []string{"rotate-audit", "--new", newFile, "--retired-out", pub}); err != nil {
		t.Fatalf("rotate-audit: %v", err)
	}
	if err := keysCmd(ctx, cfg, log, []string{"rotate-audit", "--new", newFile, "--retired-out", pub + "2"}); !errors.Is(err, audit.ErrKeyNotCurrent) {
		t.Fatalf("rotate-audit again from the old key: %v, want ErrKeyNotCurrent", err)
	}
	cfg.AuditKeyFile, cfg.AuditVerifyKeyFiles = newFile, []string{pub}
	next, ring, err := auditKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckCurrentKey(ctx, d.App, next); err != nil {
		t.Fatalf("the new key after the handover: %v", err)
	}
	if err := audit.CheckCurrentKey(ctx, d.App, old); !errors.Is(err, audit.ErrKeyNotCurrent) {
		t.Fatalf("the old key after the handover: %v, want ErrKeyNotCurrent", err)
	}
	if _, err := audit.NewLinker(d.App, next, log).LinkOnce(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, d.App, ring, audit.VerifyOptions{})
	if err != nil || !rep.OK || len(rep.Segments) != 2 {
		t.Fatalf("verify with the key ring: %+v, %v; want ok with two segments", rep, err)
	}
}
