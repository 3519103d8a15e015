package crypto_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

func TestNewLocalMaster(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr error
	}{
		{"32 bytes: accepted", fixedKey(1), nil},
		{"nil: ErrBadKey", nil, crypto.ErrBadKey},
		{"16 bytes: ErrBadKey", make([]byte, 16), crypto.ErrBadKey},
		{"31 bytes: ErrBadKey", make([]byte, 31), crypto.ErrBadKey},
		{"33 bytes: ErrBadKey", make([]byte, 33), crypto.ErrBadKey},
		{"64 bytes: ErrBadKey", make([]byte, 64), crypto.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := crypto.NewLocalMaster(tt.key)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if (m != nil) != (tt.wantErr == nil) {
				t.Fatalf("master = %v with err %v", m, err)
			}
		})
	}
}

func TestKeyVersion(t *testing.T) {
	key := fixedKey(7)
	sum := sha256.Sum256(append([]byte("jardam-master-key-id"), key...))
	want := hex.EncodeToString(sum[:])[:16]

	t.Run("first 16 hex of SHA-256 of tag and key", func(t *testing.T) {
		if got := newMaster(t, 7).KeyVersion(); got != want {
			t.Fatalf("KeyVersion = %q, want %q", got, want)
		}
	})
	t.Run("known answer for a fixed key", func(t *testing.T) {
		// Stored with every wrapped data key: it must never change.
		if got := newMaster(t, 0).KeyVersion(); got != "317670466859f471" {
			t.Fatalf("KeyVersion = %q", got)
		}
	})
	t.Run("another key: another version", func(t *testing.T) {
		if newMaster(t, 7).KeyVersion() == newMaster(t, 8).KeyVersion() {
			t.Fatal("two keys share a version")
		}
	})
}

func TestLocalMasterWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	m, other := newMaster(t, 1), newMaster(t, 2)
	dataKey := fixedKey(9)
	aad := []byte("jardam-data-key\x00case-1")
	wrapped, err := m.Wrap(ctx, dataKey, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	otherWrapped, err := other.Wrap(ctx, dataKey, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(wrapped)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name    string
		version string
		wrapped []byte
		aad     []byte
		wantErr error
	}{
		{"same version and aad: opens", m.KeyVersion(), wrapped, aad, nil},
		{"other aad: ErrDecrypt", m.KeyVersion(), wrapped, []byte("jardam-data-key\x00case-2"), crypto.ErrDecrypt},
		{"nil aad: ErrDecrypt", m.KeyVersion(), wrapped, nil, crypto.ErrDecrypt},
		{"other master's version: ErrUnknownKeyVersion", other.KeyVersion(), wrapped, aad, crypto.ErrUnknownKeyVersion},
		{"wrapped by other master: ErrDecrypt", m.KeyVersion(), otherWrapped, aad, crypto.ErrDecrypt},
		{"format byte changed: ErrDecrypt", m.KeyVersion(), flip(0), aad, crypto.ErrDecrypt},
		{"nonce changed: ErrDecrypt", m.KeyVersion(), flip(3), aad, crypto.ErrDecrypt},
		{"body changed: ErrDecrypt", m.KeyVersion(), flip(20), aad, crypto.ErrDecrypt},
		{"tag changed: ErrDecrypt", m.KeyVersion(), flip(len(wrapped) - 1), aad, crypto.ErrDecrypt},
		{"truncated: ErrDecrypt", m.KeyVersion(), wrapped[:len(wrapped)-1], aad, crypto.ErrDecrypt},
		{"format byte only: ErrDecrypt", m.KeyVersion(), wrapped[:1], aad, crypto.ErrDecrypt},
		{"empty: ErrDecrypt", m.KeyVersion(), nil, aad, crypto.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Unwrap(ctx, tt.version, tt.wrapped, tt.aad)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !bytes.Equal(got, dataKey) {
				t.Fatal("unwrapped key differs")
			}
		})
	}
	t.Run("two wraps of one key differ", func(t *testing.T) {
		again, _ := m.Wrap(ctx, dataKey, aad)
		if bytes.Equal(again, wrapped) {
			t.Fatal("wrap is deterministic")
		}
	})
	t.Run("done context: context error", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := m.Wrap(cctx, dataKey, aad); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wrap err = %v", err)
		}
		if _, err := m.Unwrap(cctx, m.KeyVersion(), wrapped, aad); !errors.Is(err, context.Canceled) {
			t.Fatalf("Unwrap err = %v", err)
		}
	})
}

func TestMultiMaster(t *testing.T) {
	ctx := context.Background()
	oldM, newM, stranger := newMaster(t, 1), newMaster(t, 2), newMaster(t, 3)
	aad := []byte("aad")
	dataKey := fixedKey(9)
	oldWrapped, err := oldM.Wrap(ctx, dataKey, aad)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := crypto.NewMultiMaster(newM, oldM)
	if err != nil {
		t.Fatalf("NewMultiMaster: %v", err)
	}

	t.Run("wraps with the current master", func(t *testing.T) {
		if mm.KeyVersion() != newM.KeyVersion() {
			t.Fatalf("KeyVersion = %q, want the current %q", mm.KeyVersion(), newM.KeyVersion())
		}
		w, err := mm.Wrap(ctx, dataKey, aad)
		if err != nil {
			t.Fatal(err)
		}
		got, err := newM.Unwrap(ctx, newM.KeyVersion(), w, aad)
		if err != nil || !bytes.Equal(got, dataKey) {
			t.Fatalf("current master cannot unwrap: %v", err)
		}
		if _, err := oldM.Unwrap(ctx, newM.KeyVersion(), w, aad); !errors.Is(err, crypto.ErrUnknownKeyVersion) {
			t.Fatalf("old master alone: err = %v, want ErrUnknownKeyVersion", err)
		}
	})
	t.Run("unwraps with an old master", func(t *testing.T) {
		got, err := mm.Unwrap(ctx, oldM.KeyVersion(), oldWrapped, aad)
		if err != nil || !bytes.Equal(got, dataKey) {
			t.Fatalf("Unwrap old: %v", err)
		}
	})
	t.Run("unknown version: ErrUnknownKeyVersion", func(t *testing.T) {
		if _, err := mm.Unwrap(ctx, stranger.KeyVersion(), oldWrapped, aad); !errors.Is(err, crypto.ErrUnknownKeyVersion) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("known version, other aad: ErrDecrypt", func(t *testing.T) {
		if _, err := mm.Unwrap(ctx, oldM.KeyVersion(), oldWrapped, []byte("x")); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("lists versions, current first", func(t *testing.T) {
		got := mm.KeyVersions()
		if len(got) != 2 || got[0] != newM.KeyVersion() || got[1] != oldM.KeyVersion() {
			t.Fatalf("KeyVersions = %v", got)
		}
	})
	t.Run("nil wrapper: ErrBadKey", func(t *testing.T) {
		if _, err := crypto.NewMultiMaster(nil); !errors.Is(err, crypto.ErrBadKey) {
			t.Fatalf("nil current: err = %v", err)
		}
		if _, err := crypto.NewMultiMaster(newM, nil); !errors.Is(err, crypto.ErrBadKey) {
			t.Fatalf("nil previous: err = %v", err)
		}
	})
}

func TestMasterFromEnv(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString
	tests := []struct {
		name    string
		value   string
		wantErr error
	}{
		{"base64 of 32 bytes: accepted", enc(fixedKey(5)), nil},
		{"surrounding white space: accepted", "  " + enc(fixedKey(5)) + "\n", nil},
		{"empty: ErrBadKey", "", crypto.ErrBadKey},
		{"not base64: ErrBadKey", "not a key at all!", crypto.ErrBadKey},
		{"URL base64: ErrBadKey", base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), crypto.ErrBadKey},
		{"16 bytes: ErrBadKey", enc(make([]byte, 16)), crypto.ErrBadKey},
		{"33 bytes: ErrBadKey", enc(make([]byte, 33)), crypto.ErrBadKey},
		{"two lines: ErrBadKey", enc(fixedKey(5)) + "\n" + enc(fixedKey(5)), crypto.ErrBadKey},
		{"hex instead of base64: ErrBadKey", hex.EncodeToString(fixedKey(5)), crypto.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := crypto.MasterFromEnv(tt.value)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && tt.value != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.value)) {
				t.Fatal("error echoes the value")
			}
			if err == nil && m.KeyVersion() != newMaster(t, 5).KeyVersion() {
				t.Fatal("loaded another key")
			}
		})
	}
}

func TestGenerateMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	m, err := crypto.GenerateMasterKeyFile(path)
	if err != nil {
		t.Fatalf("GenerateMasterKeyFile: %v", err)
	}
	before, _ := os.ReadFile(path)

	t.Run("file is mode 0600 and one base64 line", func(t *testing.T) {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Fatalf("mode = %#o, want 0600", perm)
		}
		line := strings.TrimSuffix(string(before), "\n")
		if strings.Contains(line, "\n") || !strings.HasSuffix(string(before), "\n") {
			t.Fatalf("file is not one line")
		}
		if key, err := base64.StdEncoding.DecodeString(line); err != nil || len(key) != 32 {
			t.Fatalf("file does not hold base64 of 32 bytes")
		}
	})
	t.Run("loads back the same key", func(t *testing.T) {
		loaded, err := crypto.LoadMasterKeyFile(path)
		if err != nil {
			t.Fatalf("LoadMasterKeyFile: %v", err)
		}
		if loaded.KeyVersion() != m.KeyVersion() || !bytes.Equal(loaded.IndexKey(), m.IndexKey()) {
			t.Fatal("loaded key differs from the generated one")
		}
	})
	t.Run("existing file: fs.ErrExist and left as it was", func(t *testing.T) {
		again, err := crypto.GenerateMasterKeyFile(path)
		if !errors.Is(err, fs.ErrExist) || again != nil {
			t.Fatalf("err = %v, want fs.ErrExist", err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Fatal("existing key file overwritten")
		}
	})
	t.Run("two generated keys differ", func(t *testing.T) {
		other, err := crypto.GenerateMasterKeyFile(filepath.Join(dir, "other.key"))
		if err != nil {
			t.Fatal(err)
		}
		if other.KeyVersion() == m.KeyVersion() {
			t.Fatal("same key generated twice")
		}
	})
	t.Run("missing directory: file system error", func(t *testing.T) {
		if _, err := crypto.GenerateMasterKeyFile(filepath.Join(dir, "no", "such.key")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
}

func TestLoadMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := base64.StdEncoding.EncodeToString(fixedKey(5)) + "\n"
	want := newMaster(t, 5).KeyVersion()
	tests := []struct {
		name       string
		content    string
		mode       os.FileMode
		wantErr    error
		wantMaster bool
	}{
		{"mode 0600: loaded", good, 0o600, nil, true},
		{"mode 0400: loaded", good, 0o400, nil, true},
		{"no trailing newline: loaded", strings.TrimSpace(good), 0o600, nil, true},
		{"mode 0644: loaded with ErrInsecureKeyFile", good, 0o644, crypto.ErrInsecureKeyFile, true},
		{"mode 0640: loaded with ErrInsecureKeyFile", good, 0o640, crypto.ErrInsecureKeyFile, true},
		{"mode 0604: loaded with ErrInsecureKeyFile", good, 0o604, crypto.ErrInsecureKeyFile, true},
		{"16-byte key: ErrBadKey", base64.StdEncoding.EncodeToString(make([]byte, 16)), 0o600, crypto.ErrBadKey, false},
		{"not base64: ErrBadKey", "secret\n", 0o600, crypto.ErrBadKey, false},
		{"empty file: ErrBadKey", "", 0o600, crypto.ErrBadKey, false},
		{"two keys: ErrBadKey", good + good, 0o600, crypto.ErrBadKey, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("k%d", i))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			m, err := crypto.LoadMasterKeyFile(path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if (m != nil) != tt.wantMaster {
				t.Fatalf("master = %v, want one: %v", m, tt.wantMaster)
			}
			if m != nil && m.KeyVersion() != want {
				t.Fatal("loaded another key")
			}
		})
	}
	t.Run("missing file: fs.ErrNotExist", func(t *testing.T) {
		if _, err := crypto.LoadMasterKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPrintingShowsNoKeyMaterial(t *testing.T) {
	m := newMaster(t, 0x5a)
	ik := m.IndexKey()
	bi, err := crypto.NewBlindIndexer(ik)
	if err != nil {
		t.Fatal(err)
	}
	s, err := crypto.NewSealer(fixedKey(0x5a))
	if err != nil {
		t.Fatal(err)
	}
	mm, err := crypto.NewMultiMaster(m, newMaster(t, 0x5b))
	if err != nil {
		t.Fatal(err)
	}
	// The master key is 0x5a repeated: its bytes, its words (as in an AES
	// key schedule), its hex and base64; the index key's bytes and hex.
	secrets := []string{
		"90 90 90 90", "90, 0x5a", "0x5a, 0x5a", "1515870810", "5a5a5a5a", "WlpaWlpa",
		strings.Trim(fmt.Sprintf("%d", ik[:4]), "[]"), hex.EncodeToString(ik[:4]),
	}
	for _, v := range []struct {
		name string
		val  any
	}{{"LocalMaster", m}, {"LocalMaster value", *m}, {"BlindIndexer", bi}, {"BlindIndexer value", *bi}, {"Sealer", s}, {"Sealer value", *s}, {"MultiMaster", mm}, {"MultiMaster value", *mm}} {
		t.Run(v.name+": no key bytes printed", func(t *testing.T) {
			var out strings.Builder
			fmt.Fprintf(&out, "%v|%+v|%#v|%s|%x|%d|%q|%T|", v.val, v.val, v.val, v.val, v.val, v.val, v.val, v.val)
			slog.New(slog.NewTextHandler(&out, nil)).Info("x", "v", v.val)
			slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "v", v.val)
			text := out.String()
			for _, sec := range secrets {
				if strings.Contains(text, sec) {
					t.Fatalf("output shows key material %q: %s", sec, text)
				}
			}
		})
	}
}
