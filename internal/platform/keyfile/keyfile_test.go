package keyfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.key")
	if err := keyfile.Create(path, []byte("first\n")); err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Run("writes the content with mode 0600", func(t *testing.T) {
		got, err := os.ReadFile(path)
		if err != nil || string(got) != "first\n" {
			t.Fatalf("content %q, %v", got, err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Fatalf("mode %#o, want 0600", perm)
		}
	})
	t.Run("existing file: ErrExist and the file is unchanged", func(t *testing.T) {
		if err := keyfile.Create(path, []byte("second\n")); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("got %v, want fs.ErrExist", err)
		}
		if got, _ := os.ReadFile(path); string(got) != "first\n" {
			t.Fatalf("content became %q", got)
		}
	})
	t.Run("missing directory: ErrNotExist", func(t *testing.T) {
		if err := keyfile.Create(filepath.Join(dir, "no", "b.key"), []byte("x")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("no temporary file is left behind", func(t *testing.T) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "a.key" {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("directory holds %v, want only a.key", names)
		}
	})
}
