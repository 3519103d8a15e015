package crypto_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

const caseID = "0b3c9a52-6f0e-4c4e-9f62-2a4d7f1e8c11"

func TestNewDataKey(t *testing.T) {
	a, err := crypto.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := crypto.NewDataKey()
	if len(a) != crypto.KeySize || bytes.Equal(a, b) || bytes.Equal(a, make([]byte, crypto.KeySize)) {
		t.Fatalf("data keys are not 32 random bytes")
	}
}

func TestWrapUnwrapDataKey(t *testing.T) {
	ctx := context.Background()
	m, other := newMaster(t, 1), newMaster(t, 2)
	dataKey := fixedKey(9)
	wrapped, version, err := crypto.WrapDataKey(ctx, m, dataKey, caseID)
	if err != nil {
		t.Fatalf("WrapDataKey: %v", err)
	}
	if version != m.KeyVersion() {
		t.Fatalf("version = %q, want %q", version, m.KeyVersion())
	}
	tests := []struct {
		name    string
		w       crypto.KeyWrapper
		version string
		caseID  string
		wantErr error
	}{
		{"same master and case: the data key", m, version, caseID, nil},
		{"another case: ErrDecrypt", m, version, "5f1d2e34-0000-4000-8000-000000000000", crypto.ErrDecrypt},
		{"another master: ErrUnknownKeyVersion", other, version, caseID, crypto.ErrUnknownKeyVersion},
		{"empty case id: ErrIncompleteAD", m, version, "", crypto.ErrIncompleteAD},
		{"nil wrapper: ErrBadKey", nil, version, caseID, crypto.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crypto.UnwrapDataKey(ctx, tt.w, tt.version, wrapped, tt.caseID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got, dataKey) {
				t.Fatal("another data key")
			}
		})
	}
	t.Run("a key check value is no data key: ErrDecrypt", func(t *testing.T) {
		w, err := m.Wrap(ctx, dataKey, []byte("jardam-key-check"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crypto.UnwrapDataKey(ctx, m, version, w, caseID); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("err = %v", err)
		}
	})
	wrapErrs := []struct {
		name    string
		key     []byte
		caseID  string
		wantErr error
	}{
		{"16-byte key: ErrBadKey", make([]byte, 16), caseID, crypto.ErrBadKey},
		{"empty case id: ErrIncompleteAD", dataKey, "", crypto.ErrIncompleteAD},
	}
	for _, tt := range wrapErrs {
		t.Run("wrap "+tt.name, func(t *testing.T) {
			if _, _, err := crypto.WrapDataKey(ctx, m, tt.key, tt.caseID); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCaseSealer(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	s, wrapped, version, err := crypto.NewCaseSealer(ctx, m, caseID)
	if err != nil {
		t.Fatalf("NewCaseSealer: %v", err)
	}
	ad := crypto.AD{Table: "cases", Column: "family_name", RowID: caseID, KeyVersion: 1}
	ct, err := s.SealString("Асанова", ad)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("reopened sealer: same text back", func(t *testing.T) {
		again, err := crypto.OpenCaseSealer(ctx, m, version, wrapped, caseID)
		if err != nil {
			t.Fatalf("OpenCaseSealer: %v", err)
		}
		if got, err := again.OpenString(ct, ad); err != nil || got != "Асанова" {
			t.Fatalf("OpenString = %q, %v", got, err)
		}
	})
	t.Run("another case's id: ErrDecrypt", func(t *testing.T) {
		if _, err := crypto.OpenCaseSealer(ctx, m, version, wrapped, "other"); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("two cases: two data keys", func(t *testing.T) {
		s2, _, _, err := crypto.NewCaseSealer(ctx, m, caseID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Open(ct, ad); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
	})
}

func TestRewrap(t *testing.T) {
	ctx := context.Background()
	oldM, newM := newMaster(t, 1), newMaster(t, 2)
	s, wrapped, version, err := crypto.NewCaseSealer(ctx, oldM, caseID)
	if err != nil {
		t.Fatal(err)
	}
	ad := crypto.AD{Table: "cases", Column: "given_name", RowID: caseID, KeyVersion: 1}
	ct, err := s.SealString("Aigul", ad)
	if err != nil {
		t.Fatal(err)
	}
	rotating, err := crypto.NewMultiMaster(newM, oldM)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to crypto.KeyWrapper
	}{
		{"old master to new: plaintext kept", oldM, newM},
		{"through a MultiMaster: plaintext kept", rotating, rotating},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newWrapped, newVersion, err := crypto.Rewrap(ctx, tt.from, tt.to, version, wrapped, caseID)
			if err != nil {
				t.Fatalf("Rewrap: %v", err)
			}
			if newVersion != newM.KeyVersion() {
				t.Fatalf("version = %q, want the new master's %q", newVersion, newM.KeyVersion())
			}
			s2, err := crypto.OpenCaseSealer(ctx, newM, newVersion, newWrapped, caseID)
			if err != nil {
				t.Fatalf("new master cannot open the rewrapped key: %v", err)
			}
			if got, err := s2.OpenString(ct, ad); err != nil || got != "Aigul" {
				t.Fatalf("OpenString = %q, %v", got, err)
			}
			if _, err := crypto.OpenCaseSealer(ctx, oldM, newVersion, newWrapped, caseID); !errors.Is(err, crypto.ErrUnknownKeyVersion) {
				t.Fatalf("old master: err = %v, want ErrUnknownKeyVersion", err)
			}
		})
	}
	errTests := []struct {
		name     string
		from, to crypto.KeyWrapper
		caseID   string
		wantErr  error
	}{
		{"from a master that did not wrap it: ErrUnknownKeyVersion", newM, newM, caseID, crypto.ErrUnknownKeyVersion},
		{"another case id: ErrDecrypt", oldM, newM, "other", crypto.ErrDecrypt},
		{"nil target: ErrBadKey", oldM, nil, caseID, crypto.ErrBadKey},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := crypto.Rewrap(ctx, tt.from, tt.to, version, wrapped, tt.caseID); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
