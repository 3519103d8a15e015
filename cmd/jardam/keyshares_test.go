package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/config"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// The master key file survives as shares: split 5/3, rebuilt byte for byte
// from any three, refused from two or with a changed share, and a rebuilt
// file is never written over an existing one.
func TestKeysSplitAndCombineRoundTrip(t *testing.T) {
	dir := t.TempDir()
	master := filepath.Join(dir, "master.key")
	if _, err := jcrypto.GenerateMasterKeyFile(master); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(master)
	shares := filepath.Join(dir, "shares")
	if err := keysSplit(config.Config{MasterKeyFile: master}, []string{"--shares", "5", "--threshold", "3", "--out", shares}); err != nil {
		t.Fatal(err)
	}
	share := func(i string) string { return filepath.Join(shares, "share-"+i) }
	for _, i := range []string{"1", "5"} {
		if info, err := os.Stat(share(i)); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("share-%s: %v %v", i, info, err)
		}
	}

	rebuilt := filepath.Join(dir, "rebuilt.key")
	if err := keysCombine([]string{"--out", rebuilt, share("2"), share("4"), share("5")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(rebuilt); !bytes.Equal(got, want) {
		t.Fatal("the rebuilt master key differs from the file")
	}
	if _, err := jcrypto.LoadMasterKeyFile(rebuilt); err != nil {
		t.Fatalf("the rebuilt file does not load: %v", err)
	}
	if err := keysCombine([]string{"--out", rebuilt, share("1"), share("2"), share("3")}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("combine over an existing file: %v", err)
	}

	if err := keysCombine([]string{"--out", filepath.Join(dir, "two.key"), share("1"), share("3")}); err == nil || !strings.Contains(err.Error(), "3 needed") {
		t.Errorf("two shares of three: %v", err)
	}
	b, _ := os.ReadFile(share("3"))
	changed := bytes.Replace(b, []byte(`"value": "`), []byte(`"value": "AA`), 1)
	if err := os.WriteFile(share("3"), changed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := keysCombine([]string{"--out", filepath.Join(dir, "bad.key"), share("1"), share("2"), share("3")}); err == nil || !strings.Contains(err.Error(), "share-3") {
		t.Errorf("a changed share: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.key")); err == nil {
		t.Error("a refused combination wrote a file")
	}
	if err := keysSplit(config.Config{MasterKeyFile: master}, []string{"--shares", "5", "--threshold", "3", "--out", shares}); err == nil {
		t.Error("split wrote over existing shares")
	}
}
