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
	// previous are index keys being rotated out: searches also look for
	// their tokens, nothing is indexed under them.
	previous []previousIndex
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

// ErrIndexRotationUnfinished reports an index key that a rotation is
// moving the blind indexes to and has not finished moving
// (`jardam keys rotate-index`).
var ErrIndexRotationUnfinished = errors.New("the blind indexes are being moved to this index key: run `jardam keys rotate-index` to its end")

// previousIndex is an index key being rotated out.
type previousIndex struct {
	idx   *jcrypto.BlindIndexer
	check []byte
}

// indexCheckOf is the index key check of key: a keyed hash of a fixed
// label, which reveals nothing of the key.
func indexCheckOf(key []byte) []byte {
	c := hmac.New(sha256.New, key)
	c.Write([]byte("jardam-index-key-check-v1"))
	return c.Sum(nil)
}

// AddPreviousIndexKey adds a blind index key being rotated out
// (JARDAM_INDEX_KEY_PREVIOUS_FILES): name searches and duplicate checks
// also look for its tokens, and the service is accepted while the stored
// index key check is its. It returns jcrypto.ErrBadKey for a key that is
// not 32 bytes. Call it before the keyring is used.
func (k *Keyring) AddPreviousIndexKey(key []byte) error {
	idx, err := jcrypto.NewBlindIndexer(key)
	if err != nil {
		return err
	}
	k.previous = append(k.previous, previousIndex{idx: idx, check: indexCheckOf(key)})
	return nil
}

// LookupIndexes returns the blind indexers whose tokens a search looks
// for: the current index key's, then each previous key's.
func (k *Keyring) LookupIndexes() []*jcrypto.BlindIndexer {
	out := []*jcrypto.BlindIndexer{k.Index}
	for _, p := range k.previous {
		out = append(out, p.idx)
	}
	return out
}

// knowsIndexCheck reports whether check is the current or a previous index
// key's.
func (k *Keyring) knowsIndexCheck(check []byte) bool {
	if hmac.Equal(check, k.indexCheck) {
		return true
	}
	return k.isPreviousCheck(check)
}

func (k *Keyring) isPreviousCheck(check []byte) bool {
	for _, p := range k.previous {
		if hmac.Equal(check, p.check) {
			return true
		}
	}
	return false
}

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
	d := hmac.New(sha256.New, indexKey)
	d.Write([]byte("jardam-document-fingerprint-v1"))
	return &Keyring{Wrapper: w, Index: idx, reqKey: m.Sum(nil), docKey: d.Sum(nil), indexCheck: indexCheckOf(indexKey)}, nil
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
	return k.ensureIndexCheck(ctx, db)
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

// indexChecks is the stored index key check and, during a rotation, the
// check of the key the rotation moves to.
type indexChecks struct {
	Value     []byte
	NextValue []byte
}

// storedIndexCheck reads the stored checks; Value is nil when none is
// stored.
func (k *Keyring) storedIndexCheck(ctx context.Context, db *gorm.DB) (indexChecks, error) {
	var rows []indexChecks
	if err := db.WithContext(ctx).Raw(`SELECT value, next_value FROM index_key_checks`).Scan(&rows).Error; err != nil {
		return indexChecks{}, fmt.Errorf("read the index key check: %w", err)
	}
	if len(rows) == 0 {
		return indexChecks{}, nil
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
	case stored.Value == nil:
		rep.Index = k.proveIndex(ctx, db)
	case hmac.Equal(stored.Value, k.indexCheck):
		rep.IndexCheckStored = true
	case stored.NextValue != nil && hmac.Equal(stored.NextValue, k.indexCheck):
		rep.IndexCheckStored, rep.Index = true, ErrIndexRotationUnfinished
	default:
		rep.IndexCheckStored, rep.Index = true, ErrWrongIndexKey
		if retired, err := isRetired(ctx, db, k.indexCheck); err != nil {
			return rep, err
		} else if retired {
			rep.Index = ErrRetiredIndexKey
		}
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
