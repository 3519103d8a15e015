// Package keyfile writes secret key files: whole or not at all, mode 0600,
// never over an existing file.
package keyfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Create writes content to a new file at path with mode 0600. The content
// goes to a temporary file in the same directory first, which is synced,
// closed and then linked to path, and the directory is synced: a crash
// leaves either no key file or a complete one. Create never overwrites: an
// existing file gives an error satisfying errors.Is(err, fs.ErrExist). A
// missing directory gives one satisfying errors.Is(err, fs.ErrNotExist).
func Create(path string, content []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := writeSynced(tmp, content); err != nil {
		return err
	}
	// A hard link, unlike a rename, fails when path exists, so a key file
	// written by a concurrent run is never replaced.
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// writeSynced writes content to f (created 0600 by os.CreateTemp), syncs
// and closes it, and returns the first error.
func writeSynced(f *os.File, content []byte) error {
	_, err := f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return nil
}

// SyncDir makes the entries of directory dir (a file created or renamed
// in it) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- a directory the operator named
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
