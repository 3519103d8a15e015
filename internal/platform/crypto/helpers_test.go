package crypto_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/crypto"
)

// fixedKey returns a 32-byte key filled with b, for reproducible tests.
func fixedKey(b byte) []byte { return bytes.Repeat([]byte{b}, crypto.KeySize) }

// newMaster returns a LocalMaster for fixedKey(b).
func newMaster(t testing.TB, b byte) *crypto.LocalMaster {
	t.Helper()
	m, err := crypto.NewLocalMaster(fixedKey(b))
	if err != nil {
		t.Fatalf("NewLocalMaster: %v", err)
	}
	return m
}

// newSealer returns a Sealer for a fresh random data key.
func newSealer(t testing.TB) *crypto.Sealer {
	t.Helper()
	key, err := crypto.NewDataKey()
	if err != nil {
		t.Fatalf("NewDataKey: %v", err)
	}
	s, err := crypto.NewSealer(key)
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

// newIndexer returns a BlindIndexer for the index key of fixedKey(b).
func newIndexer(t testing.TB, b byte) *crypto.BlindIndexer {
	t.Helper()
	bi, err := crypto.NewBlindIndexer(newMaster(t, b).IndexKey())
	if err != nil {
		t.Fatalf("NewBlindIndexer: %v", err)
	}
	return bi
}

// aadSwapWrapper wraps with a fixed additional data, whatever it is asked.
type aadSwapWrapper struct {
	crypto.KeyWrapper
	aad []byte
}

func (w aadSwapWrapper) Wrap(ctx context.Context, dataKey, _ []byte) ([]byte, error) {
	return w.KeyWrapper.Wrap(ctx, dataKey, w.aad)
}

// intersects reports whether two token sets share a token.
func intersects(a, b [][]byte) bool {
	for _, x := range a {
		for _, y := range b {
			if bytes.Equal(x, y) {
				return true
			}
		}
	}
	return false
}
