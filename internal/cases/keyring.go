package cases

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
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

// openKey opens a case's data key. A destroyed key gives erased true and no
// error; any other failure (a master key not loaded, a key service down) is
// an error, never taken for an erasure.
func (s *Service) openKey(ctx context.Context, k caseKey) (sealer *jcrypto.Sealer, erased bool, err error) {
	sealer, err = s.keys.Sealer(ctx, k)
	if errors.Is(err, ErrKeyDestroyed) {
		return nil, true, nil
	}
	return sealer, false, err
}

var errErased = apperr.Conflict("the identity of this case was erased")

func newCaseSealer(ctx context.Context, k *Keyring, id uuid.UUID) (*jcrypto.Sealer, []byte, string, error) {
	return k.NewCaseSealer(ctx, id)
}
