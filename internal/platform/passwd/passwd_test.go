package passwd_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/passwd"
)

func TestHashAndVerify(t *testing.T) {
	h := passwd.NewHasher(2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected parameters in %q", enc[:30])
	}
	tests := []struct {
		name    string
		pw, enc string
		wantErr bool
	}{
		{"RightPasswordMatches", "correct horse battery", enc, false},
		{"WrongPasswordMismatches", "correct horse batterY", enc, true},
		{"UnknownAccountMismatches", "correct horse battery", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Verify(ctx, tc.pw, tc.enc)
			if tc.wantErr != (err != nil) {
				t.Fatalf("got %v", err)
			}
			if err != nil && !errors.Is(err, passwd.ErrMismatch) {
				t.Fatalf("got %v, want ErrMismatch", err)
			}
		})
	}
}

func TestAcceptable(t *testing.T) {
	if r := passwd.Acceptable("short"); r == "" {
		t.Fatal("short password accepted")
	}
	if r := passwd.Acceptable("jardam-demo-2025", "jardam-demo-2025"); r == "" {
		t.Fatal("forbidden password accepted")
	}
	if r := passwd.Acceptable("a long enough passphrase"); r != "" {
		t.Fatalf("good password refused: %s", r)
	}
}
