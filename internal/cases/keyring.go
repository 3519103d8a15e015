package cases

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// Keyring is the keys of case records (see package casekeys).
type Keyring = casekeys.Keyring

// ErrKeyDestroyed is returned when a case's data key was destroyed.
var ErrKeyDestroyed = casekeys.ErrKeyDestroyed

// NewKeyring returns a keyring (see casekeys.NewKeyring) that checks its
// index key against the blind indexes a database already holds before it
// stores the database's first index key check.
func NewKeyring(w jcrypto.KeyWrapper, indexKey []byte) (*Keyring, error) {
	k, err := casekeys.NewKeyring(w, indexKey)
	if err != nil {
		return nil, err
	}
	k.ProveIndex = func(ctx context.Context, db *gorm.DB) error { return proveIndexKey(ctx, db, k) }
	return k, nil
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

// caseSealer opens the data key of case id, read in tx: the sealer, the
// key (its version goes into the additional data), and erased true, with
// no sealer, when the key was destroyed.
func (s *Service) caseSealer(ctx context.Context, tx *gorm.DB, id uuid.UUID) (*jcrypto.Sealer, caseKey, bool, error) {
	k, err := s.caseKey(tx, id)
	if err != nil {
		return nil, k, false, err
	}
	sealer, erased, err := s.openKey(ctx, k)
	return sealer, k, erased, err
}

// liveSealer is caseSealer for what must be sealed or opened: an erased
// case answers errErased.
func (s *Service) liveSealer(ctx context.Context, tx *gorm.DB, id uuid.UUID) (*jcrypto.Sealer, caseKey, error) {
	sealer, k, erased, err := s.caseSealer(ctx, tx, id)
	if err == nil && erased {
		err = errErased
	}
	return sealer, k, err
}

// openJSON opens enc, sealed under a, into v: a sealed JSON document.
func openJSON(sealer *jcrypto.Sealer, enc []byte, a jcrypto.AD, v any) error {
	plain, err := sealer.Open(enc, a)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

// openText opens enc, sealed under a: a sealed text.
func openText(sealer *jcrypto.Sealer, enc []byte, a jcrypto.AD) (*string, error) {
	plain, err := sealer.Open(enc, a)
	if err != nil {
		return nil, err
	}
	t := string(plain)
	return &t, nil
}
