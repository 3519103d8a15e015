package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/audit"
)

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.key")

	t.Run("GeneratedKeyIsPrivateAndLoads", func(t *testing.T) {
		s, err := audit.GenerateKeyFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
		}
		loaded, err := audit.LoadSigner(path)
		if err != nil {
			t.Fatal(err)
		}
		if loaded.KeyID() != s.KeyID() || !loaded.PublicKey().Equal(s.PublicKey()) {
			t.Fatalf("loaded key %s, generated %s", loaded.KeyID(), s.KeyID())
		}
		sum := sha256.Sum256(s.PublicKey())
		if s.KeyID() != hex.EncodeToString(sum[:])[:16] {
			t.Fatalf("key id %s is not the public key's hash prefix", s.KeyID())
		}
	})
	t.Run("ExistingFileIsNotOverwritten", func(t *testing.T) {
		before, _ := os.ReadFile(path)
		if _, err := audit.GenerateKeyFile(path); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("got %v, want fs.ErrExist", err)
		}
		after, _ := os.ReadFile(path)
		if string(before) != string(after) {
			t.Fatal("key file overwritten")
		}
	})
	t.Run("MissingFileIsNotExist", func(t *testing.T) {
		if _, err := audit.LoadSigner(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want fs.ErrNotExist", err)
		}
	})
	bad := map[string]string{
		"NotBase64IsBadKeyFile":   "not base64!\n",
		"ShortSeedIsBadKeyFile":   base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n",
		"PrivateKeyIsBadKeyFile":  base64.StdEncoding.EncodeToString(make([]byte, 64)) + "\n",
		"EmptyFileIsBadKeyFile":   "",
		"TwoSeedsIsBadKeyFile":    base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"URLEncodingIsBadKeyFile": base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)) + "\n",
	}
	for name, content := range bad {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := audit.LoadSigner(p); !errors.Is(err, audit.ErrBadKeyFile) {
				t.Fatalf("got %v, want ErrBadKeyFile", err)
			}
		})
	}
}

func TestCheckpointSignatures(t *testing.T) {
	old, current := newSigner(t), newSigner(t)
	hash := sha256.Sum256([]byte("head"))
	at := time.Date(2025, 6, 30, 18, 0, 0, 123456000, time.UTC)
	oldSig := old.Sign(42, hash[:], at)

	if got := string(audit.CheckpointMessage(42, hash[:], at)); got !=
		"jardam-audit-checkpoint\n42\n"+hex.EncodeToString(hash[:])+"\n2025-06-30T18:00:00.123456Z" {
		t.Fatalf("checkpoint message %q", got)
	}

	rotated, err := audit.NewVerifier(current.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RetiredKeyUnknownUntilAdded", func(t *testing.T) {
		if err := rotated.Verify(old.KeyID(), 42, hash[:], at, oldSig); !errors.Is(err, audit.ErrUnknownKey) {
			t.Fatalf("got %v, want ErrUnknownKey", err)
		}
	})
	pub, err := audit.ParsePublicKey(base64.StdEncoding.EncodeToString(old.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := rotated.Add(pub); err != nil || id != old.KeyID() {
		t.Fatalf("add: %s, %v", id, err)
	}
	tests := []struct {
		name    string
		keyID   string
		seq     int64
		at      time.Time
		sig     []byte
		wantErr error
	}{
		{"RetiredKeySignatureVerifies", old.KeyID(), 42, at, oldSig, nil},
		{"CurrentKeySignatureVerifies", current.KeyID(), 42, at, current.Sign(42, hash[:], at), nil},
		{"OtherTimeZoneOfTheSameInstantVerifies", old.KeyID(), 42, at.In(time.FixedZone("+06", 6*3600)), oldSig, nil},
		{"OtherSeqIsBadSignature", old.KeyID(), 43, at, oldSig, audit.ErrBadSignature},
		{"OtherTimeIsBadSignature", old.KeyID(), 42, at.Add(time.Microsecond), oldSig, audit.ErrBadSignature},
		{"WrongKeyIDIsBadSignature", current.KeyID(), 42, at, oldSig, audit.ErrBadSignature},
		{"UnknownKeyIsUnknownKey", newSigner(t).KeyID(), 42, at, oldSig, audit.ErrUnknownKey},
		{"TruncatedSignatureIsBadSignature", old.KeyID(), 42, at, oldSig[:10], audit.ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := rotated.Verify(tc.keyID, tc.seq, hash[:], tc.at, tc.sig); !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
		})
	}
	if ids := rotated.KeyIDs(); len(ids) != 2 {
		t.Fatalf("verifier knows %v", ids)
	}
	t.Run("ShortPublicKeyIsRefused", func(t *testing.T) {
		if _, err := audit.NewVerifier(ed25519.PublicKey(make([]byte, 31))); !errors.Is(err, audit.ErrBadPublicKey) {
			t.Fatalf("got %v, want ErrBadPublicKey", err)
		}
		if _, err := audit.ParsePublicKey("AAAA"); !errors.Is(err, audit.ErrBadPublicKey) {
			t.Fatalf("got %v, want ErrBadPublicKey", err)
		}
	})
}
