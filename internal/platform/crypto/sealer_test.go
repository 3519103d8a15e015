package crypto_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

var testAD = crypto.AD{Table: "cases", Column: "given_name", RowID: "0b3c9a52-6f0e-4c4e-9f62-2a4d7f1e8c11", KeyVersion: 1}

func TestSealOpenRoundTrip(t *testing.T) {
	s := newSealer(t)
	tests := []struct {
		name  string
		plain []byte
	}{
		{"latin name: same text back", []byte("Aigul")},
		{"cyrillic name: same text back", []byte("Айгүл Асанбекова")},
		{"one byte: same bytes back", []byte{'x'}},
		{"31 bytes: same bytes back", bytes.Repeat([]byte{'a'}, 31)},
		{"32 bytes: same bytes back", bytes.Repeat([]byte{'a'}, 32)},
		{"33 bytes: same bytes back", bytes.Repeat([]byte{'a'}, 33)},
		{"ends in padding bytes: same bytes back", []byte{'a', 0x80, 0x00, 0x00}},
		{"only zero bytes: same bytes back", []byte{0, 0, 0}},
		{"long note: same text back", []byte(strings.Repeat("заметка ", 5000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := s.Seal(tt.plain, testAD)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			// A few bytes turn up in random ciphertext by chance (one byte in
			// about one run of five); from 8 bytes on a match means a leak.
			if len(tt.plain) >= 8 && bytes.Contains(ct, tt.plain) {
				t.Fatal("ciphertext contains the plaintext")
			}
			got, err := s.Open(ct, testAD)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plain) {
				t.Fatalf("Open = %q, want %q", got, tt.plain)
			}
		})
	}
	t.Run("one plaintext twice: two ciphertexts", func(t *testing.T) {
		a, _ := s.Seal([]byte("Aigul"), testAD)
		b, _ := s.Seal([]byte("Aigul"), testAD)
		if bytes.Equal(a, b) {
			t.Fatal("sealing is deterministic")
		}
	})
	t.Run("short values of other lengths: one ciphertext length", func(t *testing.T) {
		a, _ := s.Seal([]byte("Li"), testAD)
		b, _ := s.Seal([]byte("Aizhamal Toktogulova"), testAD)
		if len(a) != len(b) {
			t.Fatalf("lengths %d and %d reveal the names' lengths", len(a), len(b))
		}
	})
	t.Run("string helpers: same text back", func(t *testing.T) {
		ct, err := s.SealString("Жылдыз", testAD)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.OpenString(ct, testAD)
		if err != nil || got != "Жылдыз" {
			t.Fatalf("OpenString = %q, %v", got, err)
		}
		v := "Osh, Kurmanjan Datka 12"
		ct, err = s.SealStringPtr(&v, testAD)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.OpenStringPtr(ct, testAD)
		if err != nil || p == nil || *p != v {
			t.Fatalf("OpenStringPtr = %v, %v", p, err)
		}
	})
}

func TestAbsentFieldsStayNil(t *testing.T) {
	s := newSealer(t)
	empty := ""
	seals := []struct {
		name string
		seal func() ([]byte, error)
	}{
		{"nil bytes: nil ciphertext", func() ([]byte, error) { return s.Seal(nil, testAD) }},
		{"empty bytes: nil ciphertext", func() ([]byte, error) { return s.Seal([]byte{}, testAD) }},
		{"empty string: nil ciphertext", func() ([]byte, error) { return s.SealString("", testAD) }},
		{"nil string pointer: nil ciphertext", func() ([]byte, error) { return s.SealStringPtr(nil, testAD) }},
		{"pointer to empty string: nil ciphertext", func() ([]byte, error) { return s.SealStringPtr(&empty, testAD) }},
	}
	for _, tt := range seals {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := tt.seal()
			if err != nil || ct != nil {
				t.Fatalf("got %v, %v; want nil, nil", ct, err)
			}
		})
	}
	t.Run("nil ciphertext: nil plaintext", func(t *testing.T) {
		if p, err := s.Open(nil, testAD); err != nil || p != nil {
			t.Fatalf("Open = %v, %v", p, err)
		}
	})
	t.Run("nil ciphertext: empty string", func(t *testing.T) {
		if p, err := s.OpenString(nil, testAD); err != nil || p != "" {
			t.Fatalf("OpenString = %q, %v", p, err)
		}
	})
	t.Run("nil ciphertext: nil string pointer", func(t *testing.T) {
		if p, err := s.OpenStringPtr(nil, testAD); err != nil || p != nil {
			t.Fatalf("OpenStringPtr = %v, %v", p, err)
		}
	})
}

func TestOpenWithOtherADFails(t *testing.T) {
	s := newSealer(t)
	ct, err := s.Seal([]byte("Aigul"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*crypto.AD)) crypto.AD {
		ad := testAD
		f(&ad)
		return ad
	}
	tests := []struct {
		name string
		ad   crypto.AD
	}{
		{"other row: ErrDecrypt", with(func(a *crypto.AD) { a.RowID = "5f1d2e34-0000-4000-8000-000000000000" })},
		{"other column: ErrDecrypt", with(func(a *crypto.AD) { a.Column = "family_name" })},
		{"other table: ErrDecrypt", with(func(a *crypto.AD) { a.Table = "referrals" })},
		{"other key version: ErrDecrypt", with(func(a *crypto.AD) { a.KeyVersion = 2 })},
		{"negative key version: ErrDecrypt", with(func(a *crypto.AD) { a.KeyVersion = -1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Open(ct, tt.ad); !errors.Is(err, crypto.ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
		})
	}
	t.Run("names shifted across fields: ErrDecrypt", func(t *testing.T) {
		a := crypto.AD{Table: "ab", Column: "c", RowID: "r"}
		b := crypto.AD{Table: "a", Column: "bc", RowID: "r"}
		ct, err := s.Seal([]byte("x"), a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ct, b); !errors.Is(err, crypto.ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
	})
}

func TestOpenTamperedFails(t *testing.T) {
	s, other := newSealer(t), newSealer(t)
	ct, err := s.Seal([]byte("Aigul Asanova"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("any byte flipped: ErrDecrypt", func(t *testing.T) {
		for i := range ct {
			b := bytes.Clone(ct)
			b[i] ^= 0x40
			if _, err := s.Open(b, testAD); !errors.Is(err, crypto.ErrDecrypt) {
				t.Fatalf("byte %d flipped: err = %v, want ErrDecrypt", i, err)
			}
		}
	})
	tests := []struct {
		name string
		ct   []byte
		s    *crypto.Sealer
	}{
		{"truncated by one byte: ErrDecrypt", ct[:len(ct)-1], s},
		{"format byte only: ErrDecrypt", ct[:1], s},
		{"one byte appended: ErrDecrypt", append(bytes.Clone(ct), 0), s},
		{"another data key: ErrDecrypt", ct, other},
		{"plaintext stored as is: ErrDecrypt", []byte("Aigul Asanova"), s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.Open(tt.ct, testAD); !errors.Is(err, crypto.ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestIncompleteAD(t *testing.T) {
	s := newSealer(t)
	ct, _ := s.Seal([]byte("x"), testAD)
	tests := []struct {
		name string
		ad   crypto.AD
	}{
		{"no table: ErrIncompleteAD", crypto.AD{Column: "c", RowID: "r"}},
		{"no column: ErrIncompleteAD", crypto.AD{Table: "t", RowID: "r"}},
		{"no row id: ErrIncompleteAD", crypto.AD{Table: "t", Column: "c"}},
		{"zero AD: ErrIncompleteAD", crypto.AD{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Seal([]byte("x"), tt.ad); !errors.Is(err, crypto.ErrIncompleteAD) {
				t.Fatalf("Seal err = %v", err)
			}
			if _, err := s.Seal(nil, tt.ad); !errors.Is(err, crypto.ErrIncompleteAD) {
				t.Fatalf("Seal of absent field err = %v", err)
			}
			if _, err := s.Open(ct, tt.ad); !errors.Is(err, crypto.ErrIncompleteAD) {
				t.Fatalf("Open err = %v", err)
			}
		})
	}
}

func TestNewSealer(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr error
	}{
		{"32 bytes: accepted", fixedKey(3), nil},
		{"nil: ErrBadKey", nil, crypto.ErrBadKey},
		{"16 bytes (AES-128): ErrBadKey", make([]byte, 16), crypto.ErrBadKey},
		{"24 bytes (AES-192): ErrBadKey", make([]byte, 24), crypto.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := crypto.NewSealer(tt.key); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	s, m, bi := newSealer(t), newMaster(t, 1), newIndexer(t, 1)
	ctx := t.Context()
	t.Run("sealer, master and indexer shared by goroutines: no race", func(t *testing.T) {
		for i := range 8 {
			t.Run("worker", func(t *testing.T) {
				t.Parallel()
				ad := testAD
				ad.KeyVersion = i
				ct, err := s.SealString("Aigul", ad)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := s.OpenString(ct, ad); err != nil || got != "Aigul" {
					t.Fatalf("OpenString = %q, %v", got, err)
				}
				w, v, err := crypto.WrapDataKey(ctx, m, fixedKey(byte(i)), caseID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := crypto.UnwrapDataKey(ctx, m, v, w, caseID); err != nil {
					t.Fatal(err)
				}
				if len(bi.NameKeys("Aigul", "Asanova", "", "1998-03-14")) != 1 {
					t.Fatal("no token")
				}
			})
		}
	})
}
