package casekeys

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrIndexRotationElsewhere reports a rotation of the blind index key to
// a key other than this one already in progress.
var ErrIndexRotationElsewhere = errors.New("a rotation of the blind indexes to another index key is in progress")

// ErrRetiredIndexKey reports an index key that a finished rotation moved
// the blind indexes away from.
var ErrRetiredIndexKey = errors.New("the blind index key was rotated out: the indexes are under a newer one")

// isRetired reports whether check is of an index key rotated out.
func isRetired(ctx context.Context, db *gorm.DB, check []byte) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM index_key_checks WHERE decode(?, 'hex') = ANY (retired)`,
		hex.EncodeToString(check)).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("read the retired index key checks: %w", err)
	}
	return n > 0, nil
}

// ensureIndexCheck verifies the stored index key check against the
// current index key, storing it on a database's first start. During a
// rotation (the stored check is a previous key's) it accepts the current
// key as the one the rotation moves to, recording it when no rotation is
// recorded yet, and refuses any other.
func (k *Keyring) ensureIndexCheck(ctx context.Context, db *gorm.DB) error {
	stored, err := k.storedIndexCheck(ctx, db)
	switch {
	case err != nil:
		return err
	case stored.Value == nil:
		return k.storeFirstIndexCheck(ctx, db)
	case hmac.Equal(stored.Value, k.indexCheck):
		return nil
	case !k.isPreviousCheck(stored.Value):
		return ErrWrongIndexKey
	}
	return k.rotateTo(ctx, db, k.indexCheck)
}

// rotateTo records check as the one the index rotation moves to (unless
// it is retired, or a rotation to another key is recorded).
func (k *Keyring) rotateTo(ctx context.Context, db *gorm.DB, check []byte) error {
	if retired, err := isRetired(ctx, db, check); err != nil || retired {
		return errors.Join(err, retiredErr(retired))
	}
	recorded, err := k.recordNextIndexCheck(ctx, db, check)
	if err != nil {
		return err
	}
	if !hmac.Equal(recorded, check) {
		return ErrIndexRotationElsewhere
	}
	return nil
}

// storeFirstIndexCheck stores the index key check of a database that has
// none, once the stored blind indexes are proved to be this key's.
func (k *Keyring) storeFirstIndexCheck(ctx context.Context, db *gorm.DB) error {
	if err := k.proveIndex(ctx, db); err != nil {
		return err
	}
	// Hex, so the query builder does not take the bytes for a list.
	if err := db.WithContext(ctx).Exec(`INSERT INTO index_key_checks (value) VALUES (decode(?, 'hex')) ON CONFLICT DO NOTHING`,
		hex.EncodeToString(k.indexCheck)).Error; err != nil {
		return fmt.Errorf("store the index key check: %w", err)
	}
	// Another replica may have stored its own check first: compare with
	// what is stored now.
	stored, err := k.storedIndexCheck(ctx, db)
	if err != nil {
		return err
	}
	if !hmac.Equal(stored.Value, k.indexCheck) {
		return ErrWrongIndexKey
	}
	return nil
}

func retiredErr(retired bool) error {
	if retired {
		return ErrRetiredIndexKey
	}
	return nil
}

// recordNextIndexCheck records check as the one a rotation moves to, unless
// one is recorded already, and returns the recorded one.
func (k *Keyring) recordNextIndexCheck(ctx context.Context, db *gorm.DB, check []byte) ([]byte, error) {
	if err := db.WithContext(ctx).Exec(`UPDATE index_key_checks SET next_value = decode(?, 'hex') WHERE next_value IS NULL`,
		hex.EncodeToString(check)).Error; err != nil {
		return nil, fmt.Errorf("record the index key rotation: %w", err)
	}
	stored, err := k.storedIndexCheck(ctx, db)
	if err != nil {
		return nil, err
	}
	return stored.NextValue, nil
}

// BeginIndexRotation starts (or resumes) moving the blind indexes from this
// keyring's index keys to next's: the stored check must be of this
// keyring's current or a previous index key (or next's already, a finished
// rotation run again), and next's check is recorded as the one the rotation
// moves to, so that a service started with next's index key is accepted.
// It returns ErrWrongIndexKey when the stored check is none of these,
// ErrIndexRotationElsewhere when a rotation to another key is recorded, or
// the database's error.
func (k *Keyring) BeginIndexRotation(ctx context.Context, db *gorm.DB, next *Keyring) error {
	stored, err := k.storedIndexCheck(ctx, db)
	switch {
	case err != nil:
		return err
	case stored.Value == nil:
		if err := k.storeFirstIndexCheck(ctx, db); err != nil {
			return err
		}
		stored.Value = k.indexCheck
	case hmac.Equal(stored.Value, next.indexCheck):
		return nil
	case !k.knowsIndexCheck(stored.Value):
		return ErrWrongIndexKey
	}
	return k.rotateTo(ctx, db, next.indexCheck)
}

// FinishIndexRotation makes next's index key check the stored one, once
// every case's blind index tokens are under next's key: from then on a
// service or `jardam backup check` with an older index key is refused. It
// returns the database's error.
func FinishIndexRotation(ctx context.Context, db *gorm.DB, next *Keyring) error {
	err := db.WithContext(ctx).Exec(`UPDATE index_key_checks SET value = next_value, next_value = NULL,
			retired = retired || value
		WHERE next_value = decode(?, 'hex')`, hex.EncodeToString(next.indexCheck)).Error
	if err != nil {
		return fmt.Errorf("store the new index key check: %w", err)
	}
	return nil
}
