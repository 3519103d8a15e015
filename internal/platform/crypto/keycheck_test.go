package crypto_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

func TestVerifyKeyCheck(t *testing.T) {
	ctx := context.Background()
	oldM, newM := newMaster(t, 1), newMaster(t, 2)
	check, err := crypto.KeyCheck(ctx, oldM)
	if err != nil {
		t.Fatalf("KeyCheck: %v", err)
	}
	rotated, err := crypto.NewMultiMaster(newM, oldM)
	if err != nil {
		t.Fatal(err)
	}
	otherAAD, err := crypto.KeyCheck(ctx, aadSwapWrapper{KeyWrapper: oldM, aad: []byte("jardam-data-key")})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(check)
	tampered[len(tampered)-1] ^= 0x01
	tests := []struct {
		name    string
		w       crypto.KeyWrapper
		stored  []byte
		wantErr error
	}{
		{"same master: ok", oldM, check, nil},
		{"other master: ErrWrongMasterKey", newM, check, crypto.ErrWrongMasterKey},
		{"rotation with the old master loaded: ok", rotated, check, nil},
		{"tampered check: ErrWrongMasterKey", oldM, tampered, crypto.ErrWrongMasterKey},
		{"truncated check: ErrWrongMasterKey", oldM, check[:len(check)-1], crypto.ErrWrongMasterKey},
		{"check cut inside the version: ErrWrongMasterKey", oldM, check[:5], crypto.ErrWrongMasterKey},
		{"wrapped under other aad: ErrWrongMasterKey", oldM, otherAAD, crypto.ErrWrongMasterKey},
		{"empty check: ErrWrongMasterKey", oldM, nil, crypto.ErrWrongMasterKey},
		{"unknown format: ErrWrongMasterKey", oldM, append([]byte{0x7f}, check[1:]...), crypto.ErrWrongMasterKey},
		{"nil wrapper: ErrBadKey", nil, check, crypto.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := crypto.VerifyKeyCheck(ctx, tt.w, tt.stored); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("done context: context error, not ErrWrongMasterKey", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := crypto.VerifyKeyCheck(cctx, oldM, check)
		if !errors.Is(err, context.Canceled) || errors.Is(err, crypto.ErrWrongMasterKey) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a new check opens with the key it was made with only", func(t *testing.T) {
		fresh, err := crypto.KeyCheck(ctx, rotated)
		if err != nil {
			t.Fatal(err)
		}
		if err := crypto.VerifyKeyCheck(ctx, newM, fresh); err != nil {
			t.Fatalf("current master: %v", err)
		}
		if err := crypto.VerifyKeyCheck(ctx, oldM, fresh); !errors.Is(err, crypto.ErrWrongMasterKey) {
			t.Fatalf("old master: err = %v, want ErrWrongMasterKey", err)
		}
	})
}
