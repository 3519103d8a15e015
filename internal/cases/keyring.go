package cases

import (
	"context"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/casekeys"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// Keyring is the keys of case records (see package casekeys).
type Keyring = casekeys.Keyring

// ErrKeyDestroyed is returned when a case's data key was destroyed.
var ErrKeyDestroyed = casekeys.ErrKeyDestroyed

// NewKeyring returns a keyring (see casekeys.NewKeyring).
func NewKeyring(w jcrypto.KeyWrapper, indexKey []byte) (*Keyring, error) {
	return casekeys.NewKeyring(w, indexKey)
}

// LoadIndexKeyFile reads the blind index key (see casekeys.LoadIndexKeyFile).
func LoadIndexKeyFile(path string) ([]byte, error) { return casekeys.LoadIndexKeyFile(path) }

type caseKey = casekeys.CaseKey

func ad(table, column string, row uuid.UUID, keyVersion int) jcrypto.AD {
	return casekeys.AD(table, column, row, keyVersion)
}

func newCaseSealer(ctx context.Context, k *Keyring, id uuid.UUID) (*jcrypto.Sealer, []byte, string, error) {
	return k.NewCaseSealer(ctx, id)
}
