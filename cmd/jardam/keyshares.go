package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/keyfile"
	"github.com/jardam-kg/jardam/internal/platform/keyshare"
)

// masterKeyFileBytes are the bytes of the master key file the server uses:
// the file itself, or the file `keys init` would write for a key given in
// JARDAM_MASTER_KEY.
func masterKeyFileBytes(cfg config.Config) ([]byte, error) {
	if _, err := masterKey(cfg); err != nil {
		return nil, err // not a key the server would take
	}
	if cfg.MasterKey != "" {
		return []byte(strings.TrimSpace(cfg.MasterKey) + "\n"), nil
	}
	return os.ReadFile(cfg.MasterKeyFile)
}

// keysSplit writes n shares of the master key to dir as share-1 ... share-n
// (mode 0600, never over an existing file), any threshold of which rebuild
// it.
func keysSplit(cfg config.Config, args []string) error {
	fl := flag.NewFlagSet("keys split", flag.ContinueOnError)
	n := fl.Int("shares", 0, "how many shares to write (one per holder)")
	threshold := fl.Int("threshold", 0, "how many shares rebuild the key")
	dir := fl.String("out", "", "directory for the shares (created; holds share-1 ... share-N)")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 || *dir == "" || *n < 2 || *threshold < 2 || *threshold > *n {
		return usageError("keys split needs --shares N --threshold K --out DIR (2 <= K <= N)")
	}
	secret, err := masterKeyFileBytes(cfg)
	if err != nil {
		return err
	}
	defer clear(secret)
	shares, err := keyshare.Split(secret, *n, *threshold)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	for i, s := range shares {
		if err := writeNewFile(filepath.Join(*dir, fmt.Sprintf("share-%d", i+1)), s); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d shares to %s; any %d rebuild the master key with `jardam keys combine`\n", *n, *dir, *threshold)
	return nil
}

// keysCombine rebuilds the master key file from shares into a new file.
func keysCombine(args []string) error {
	fl := flag.NewFlagSet("keys combine", flag.ContinueOnError)
	out := fl.String("out", "", "the master key file to write (must not exist)")
	if err := fl.Parse(args); err != nil || *out == "" || fl.NArg() == 0 {
		return usageError("keys combine needs --out FILE and the share files")
	}
	files := make([]keyshare.File, 0, fl.NArg())
	for _, name := range fl.Args() {
		b, err := os.ReadFile(name) // #nosec G304 -- share files named by the operator
		if err != nil {
			return err
		}
		files = append(files, keyshare.File{Name: name, Content: b})
	}
	secret, err := keyshare.Combine(files)
	if err != nil {
		return err
	}
	defer clear(secret)
	if err := writeNewFile(*out, secret); err != nil {
		return err
	}
	fmt.Printf("wrote the master key to %s\n", *out)
	return nil
}

// writeNewFile writes b to a new file at path (mode 0600, see
// keyfile.Create); it never replaces an existing file.
func writeNewFile(path string, b []byte) error {
	err := keyfile.Create(path, b)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: not replaced", path)
	}
	return err
}
