package crypto_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

func FuzzSealOpen(f *testing.F) {
	f.Add([]byte("Aigul"), "cases", "given_name", "0b3c9a52-6f0e-4c4e-9f62-2a4d7f1e8c11", 1)
	f.Add([]byte("Айгүл Асанова"), "cases", "family_name", "r", 0)
	f.Add([]byte{}, "t", "c", "r", -1)
	f.Add([]byte{0x80, 0, 0}, "ab", "c", "r", 1<<40)
	f.Add(bytes.Repeat([]byte{0}, 64), "a", "bc", "r", 7)
	s, err := crypto.NewSealer(fixedKey(4))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, plain []byte, table, column, row string, version int) {
		ad := crypto.AD{Table: table, Column: column, RowID: row, KeyVersion: version}
		ct, err := s.Seal(plain, ad)
		if table == "" || column == "" || row == "" {
			if !errors.Is(err, crypto.ErrIncompleteAD) {
				t.Fatalf("incomplete AD: err = %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(plain) == 0 {
			if ct != nil {
				t.Fatal("absent field sealed to a ciphertext")
			}
			return
		}
		got, err := s.Open(ct, ad)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open = %x, want %x", got, plain)
		}
		moved := ad
		moved.KeyVersion++
		if _, err := s.Open(ct, moved); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("other key version: err = %v", err)
		}
		moved = ad
		moved.RowID += "x"
		if _, err := s.Open(ct, moved); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("other row: err = %v", err)
		}
	})
}
