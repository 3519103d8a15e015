// Package casekeys owns the keys of case records: the master key (behind
// the KMS interface), each case's data key wrapped by it, the key check that
// refuses a wrong master key, the blind index key and the keyed hash of
// idempotent requests. The case, consent and referral code all seal and open
// through it.
package casekeys

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
)

// ErrKeyDestroyed is returned when a case's data key was destroyed: its
// identity can no longer be read.
var ErrKeyDestroyed = errors.New("the case's data key was destroyed")

// Keyring holds the master key (behind the KMS interface), the blind index
// key and the key for hashing idempotent requests.
type Keyring struct {
	Wrapper jcrypto.KeyWrapper
	Index   *jcrypto.BlindIndexer
	reqKey  []byte
	// docKey keys the fingerprints of documents' contents.
	docKey []byte
	// indexCheck is the keyed hash of a fixed label under the index key,
	// stored once per database (index_key_checks).
	indexCheck []byte
	// ProveIndex tells, before the index key check is first stored,
	// whether the blind indexes already in the database were made with
	// this keyring's index key: nil when they were or there are none,
	// ErrWrongIndexKey when they were not. A database from before the
	// check (migration 0022) would otherwise adopt whatever index key it
	// first starts with. Package cases sets it (cases.NewKeyring); a
	// keyring without it refuses to store a first check.
	ProveIndex func(ctx context.Context, db *gorm.DB) error
}

// ErrWrongIndexKey reports a blind index key other than the one the
// database's indexes were made with.
var ErrWrongIndexKey = errors.New("the blind index key does not match the one this database's indexes were made with")

// NewKeyring returns a keyring. indexKey is the blind index's own 32-byte
// key (not derived from the master key, so rotating the master key keeps
// the indexes valid).
func NewKeyring(w jcrypto.KeyWrapper, indexKey []byte) (*Keyring, error) {
	idx, err := jcrypto.NewBlindIndexer(indexKey)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, indexKey)
	m.Write([]byte("jardam-idempotency-request-v1"))
	c := hmac.New(sha256.New, indexKey)
	c.Write([]byte("jardam-index-key-check-v1"))
	d := hmac.New(sha256.New, indexKey)
	d.Write([]byte("jardam-document-fingerprint-v1"))
	return &Keyring{Wrapper: w, Index: idx, reqKey: m.Sum(nil), docKey: d.Sum(nil), indexCheck: c.Sum(nil)}, nil
}

// LoadIndexKeyFile reads a 32-byte key stored as one line of standard
// base64.
func LoadIndexKeyFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("blind index key: %w", err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(k) != 32 {
		return nil, errors.New("blind index key: the file must hold 32 bytes in base64")
	}
	return k, nil
}

// RequestHash is a keyed hash of a request body, so an idempotency record
// never holds or reveals what was sent.
func (k *Keyring) RequestHash(route string, body []byte) []byte {
	m := hmac.New(sha256.New, k.reqKey)
	m.Write([]byte(route))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)
}

// Fingerprint returns a new keyed hash (HMAC-SHA256 under a key derived
// from the blind index key) for a document's content: two uploads of the
// same file have the same fingerprint, yet the fingerprint tells nothing to
// whoever holds the file without the key, as a plain SHA-256 would.
func (k *Keyring) Fingerprint() hash.Hash { return hmac.New(sha256.New, k.docKey) }

// EnsureKeyCheck verifies the stored key checks of the current master key
// and of the blind index key, creating them on first start. It returns
// jcrypto.ErrWrongMasterKey when a key check exists for another master key
// and none for this one, or this one's does not open, and ErrWrongIndexKey
// when the database's indexes were made with another index key.
func (k *Keyring) EnsureKeyCheck(ctx context.Context, db *gorm.DB) error {
	rows, err := k.masterChecks(ctx, db)
	if err != nil {
		return err
	}
	if err := k.ensureMasterCheck(ctx, db, rows); err != nil {
		return err
	}
	stored, err := k.storedIndexCheck(ctx, db)
	switch {
	case err != nil:
		return err
	case stored == nil:
		if err := k.proveIndex(ctx, db); err != nil {
			return err
		}
		// Hex, so the query builder does not take the bytes for a list.
		if err := db.WithContext(ctx).Exec(`INSERT INTO index_key_checks (value) VALUES (decode(?, 'hex')) ON CONFLICT DO NOTHING`,
			hex.EncodeToString(k.indexCheck)).Error; err != nil {
			return err
		}
		// Another replica may have stored its own check first: compare
		// with what is stored now.
		if stored, err = k.storedIndexCheck(ctx, db); err != nil {
			return err
		}
		if !hmac.Equal(stored, k.indexCheck) {
			return ErrWrongIndexKey
		}
	case !hmac.Equal(stored, k.indexCheck):
		return ErrWrongIndexKey
	}
	return nil
}

// ErrIndexKeyUnproven reports a keyring that cannot tell whether the
// blind indexes already stored were made with its index key.
var ErrIndexKeyUnproven = errors.New("no index check is stored and this keyring cannot check the index key against the stored blind indexes")

// proveIndex runs ProveIndex, refusing when there is none.
func (k *Keyring) proveIndex(ctx context.Context, db *gorm.DB) error {
	if k.ProveIndex == nil {
		return ErrIndexKeyUnproven
	}
	return k.ProveIndex(ctx, db)
}

type masterCheck struct {
	MasterVersion string
	Value         []byte
}

func (k *Keyring) masterChecks(ctx context.Context, db *gorm.DB) ([]masterCheck, error) {
	var rows []masterCheck
	err := db.WithContext(ctx).Raw(`SELECT master_version, value FROM key_checks`).Scan(&rows).Error
	return rows, err
}

func (k *Keyring) storedIndexCheck(ctx context.Context, db *gorm.DB) ([]byte, error) {
	var rows [][]byte
	if err := db.WithContext(ctx).Raw(`SELECT value FROM index_key_checks`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

func (k *Keyring) ensureMasterCheck(ctx context.Context, db *gorm.DB, rows []masterCheck) error {
	if len(rows) == 0 {
		// First start: install the check of this master key.
		return k.addKeyCheck(ctx, db)
	}
	for _, r := range rows {
		if r.MasterVersion == k.Wrapper.KeyVersion() {
			return jcrypto.VerifyKeyCheck(ctx, k.Wrapper, r.Value)
		}
	}
	// A new master key: it is accepted only while a previous one, whose
	// check still opens, is loaded beside it (a rotation in progress).
	for _, r := range rows {
		if err := jcrypto.VerifyKeyCheck(ctx, k.Wrapper, r.Value); err == nil {
			return k.addKeyCheck(ctx, db)
		}
	}
	return jcrypto.ErrWrongMasterKey
}

// KeyCheckReport says, without writing anything, whether the keys of this
// keyring belong to a database: each field is nil when its key matches.
type KeyCheckReport struct {
	// Master: the current master key opens its stored key check
	// (jcrypto.ErrWrongMasterKey otherwise, also when none is stored).
	Master error
	// Index: the blind index key matches the stored index key check
	// (ErrWrongIndexKey otherwise). When no check is stored (a database
	// from before migration 0022 that no service has started on since),
	// it is the proof the first start makes (ProveIndex): a case's blind
	// index tokens recomputed under the key, ErrWrongIndexKey when they
	// differ, ErrIndexKeyUnproven for a keyring that cannot recompute them.
	Index error
	// IndexCheckStored is false when Index comes from that proof.
	IndexCheckStored bool
}

// CheckKeys compares the keyring with the key checks stored in db and
// writes nothing: what an operator runs before relying on a backup.
func (k *Keyring) CheckKeys(ctx context.Context, db *gorm.DB) (KeyCheckReport, error) {
	var rep KeyCheckReport
	rows, err := k.masterChecks(ctx, db)
	if err != nil {
		return rep, err
	}
	rep.Master = jcrypto.ErrWrongMasterKey
	for _, r := range rows {
		if r.MasterVersion == k.Wrapper.KeyVersion() {
			rep.Master = jcrypto.VerifyKeyCheck(ctx, k.Wrapper, r.Value)
		}
	}
	stored, err := k.storedIndexCheck(ctx, db)
	switch {
	case err != nil:
		return rep, err
	case stored == nil:
		rep.Index = k.proveIndex(ctx, db)
	case !hmac.Equal(stored, k.indexCheck):
		rep.IndexCheckStored, rep.Index = true, ErrWrongIndexKey
	default:
		rep.IndexCheckStored = true
	}
	return rep, nil
}

func (k *Keyring) addKeyCheck(ctx context.Context, db *gorm.DB) error {
	v, err := jcrypto.KeyCheck(ctx, k.Wrapper)
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Exec(`INSERT INTO key_checks (master_version, value) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		k.Wrapper.KeyVersion(), v).Error
}

// AD returns the additional data binding a ciphertext to its table, column,
// row and data key version.
func AD(table, column string, row uuid.UUID, keyVersion int) jcrypto.AD {
	return jcrypto.AD{Table: table, Column: column, RowID: row.String(), KeyVersion: keyVersion}
}

// CaseKey is one case's data key record.
type CaseKey struct {
	CaseID        uuid.UUID
	KeyVersion    int
	MasterVersion *string
	Wrapped       []byte
}

// Sealer opens the data key of a case. It returns ErrKeyDestroyed for a
// destroyed key.
func (k *Keyring) Sealer(ctx context.Context, ck CaseKey) (*jcrypto.Sealer, error) {
	if ck.Wrapped == nil || ck.MasterVersion == nil {
		return nil, ErrKeyDestroyed
	}
	return jcrypto.OpenCaseSealer(ctx, k.Wrapper, *ck.MasterVersion, ck.Wrapped, ck.CaseID.String())
}

// NewCaseSealer makes a data key for a new case and returns its sealer, the
// wrapped key and the master key version to store.
func (k *Keyring) NewCaseSealer(ctx context.Context, id uuid.UUID) (*jcrypto.Sealer, []byte, string, error) {
	return jcrypto.NewCaseSealer(ctx, k.Wrapper, id.String())
}

// Load reads the data key record of a case through tx (row-level security
// applies: a case the transaction cannot see has no key).
func Load(tx *gorm.DB, caseID uuid.UUID) (CaseKey, error) {
	var k CaseKey
	err := tx.Raw(`SELECT case_id, key_version, master_version, wrapped FROM case_keys WHERE case_id = ?`, caseID).Scan(&k).Error
	return k, err
}

// SealerOf loads and opens the data key of a case through tx, returning
// the sealer and the key version to bind ciphertexts to.
func (k *Keyring) SealerOf(ctx context.Context, tx *gorm.DB, caseID uuid.UUID) (*jcrypto.Sealer, int, error) {
	ck, err := Load(tx, caseID)
	if err != nil {
		return nil, 0, err
	}
	if ck.CaseID == uuid.Nil {
		return nil, 0, ErrKeyDestroyed
	}
	s, err := k.Sealer(ctx, ck)
	return s, ck.KeyVersion, err
}
