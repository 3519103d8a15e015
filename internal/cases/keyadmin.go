package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// Key administration: master key rotation and erasure of a case's data key.
// These functions run on a connection of the maintenance role
// (database.OpenMaintenance), which sees case_keys and key_checks and
// writes audit entries, and reads no case.

// DefaultRotateBatch is the number of data keys RotateDataKeys re-wraps in
// one transaction.
const DefaultRotateBatch = 500

// Audit actions of key administration. Entries name the object only: the
// case id, or the version of the new master key.
const (
	ActionMasterKeyRotate = "master_key.rotate"
	ActionCaseErase       = "case.erase"
)

// RotateReport counts what a RotateDataKeys run did.
type RotateReport struct {
	// Rotated is the number of data keys this run re-wrapped with the new
	// master key.
	Rotated int `json:"rotated"`
	// AlreadyCurrent is the number of data keys already under the new
	// master key when the run began (re-wrapped by an earlier, interrupted
	// run, or created by a service already using the new key).
	AlreadyCurrent int `json:"already_current"`
	// DestroyedSkipped is the number of destroyed data keys when the run
	// began: there is nothing left to re-wrap.
	DestroyedSkipped int `json:"destroyed_skipped"`
	// Batches is the number of committed batches.
	Batches int `json:"batches"`
}

type rotateOptions struct {
	batch    int
	progress func(RotateReport)
}

// RotateOption tunes RotateDataKeys.
type RotateOption func(*rotateOptions)

// RotateBatchSize sets the number of data keys re-wrapped per transaction
// (DefaultRotateBatch when n < 1).
func RotateBatchSize(n int) RotateOption {
	return func(o *rotateOptions) {
		if n > 0 {
			o.batch = n
		}
	}
}

// RotateProgress calls fn after each committed batch with the counts so
// far.
func RotateProgress(fn func(RotateReport)) RotateOption {
	return func(o *rotateOptions) { o.progress = fn }
}

// dataKeyTable names where a kind of data key is stored: the case data keys
// in case_keys and each referral's own key in referrals. ad is the
// additional data the key was wrapped with, from the row's id.
type dataKeyTable struct {
	table, id, version, wrapped string
	// destroyed selects the rows whose key was destroyed.
	destroyed string
	ad        func(id uuid.UUID) string
}

var dataKeyTables = []dataKeyTable{
	{table: "case_keys", id: "case_id", version: "master_version", wrapped: "wrapped", destroyed: "wrapped IS NULL",
		ad: func(id uuid.UUID) string { return id.String() }},
	// A destroyed referral key keeps its master key version.
	{table: "referrals", id: "id", version: "key_master_version", wrapped: "key_wrapped",
		destroyed: "key_wrapped IS NULL AND key_master_version IS NOT NULL",
		ad:        func(id uuid.UUID) string { return "referral:" + id.String() }},
	// Each hotline contact's own key; an erased contact's is NULL with its
	// master key version kept.
	{table: "contacts", id: "id", version: "key_master_version", wrapped: "key_wrapped",
		destroyed: "key_wrapped IS NULL AND key_master_version IS NOT NULL",
		ad:        func(id uuid.UUID) string { return "contact:" + id.String() }},
	// The key sealing each second factor's TOTP secret (never destroyed:
	// a reset deletes the factor).
	{table: "totp_factors", id: "id", version: "master_version", wrapped: "key_wrapped", destroyed: "false",
		ad: func(id uuid.UUID) string { return "totp:" + id.String() }},
}

// RotateDataKeys re-wraps with the master key to every data key not yet
// under it — the data keys of cases and the own keys of referrals —,
// unwrapping with from (the configured master key and any previous ones; it
// may already hold to). db must be a maintenance-role connection
// (database.OpenMaintenance).
//
// It first checks from against the stored key checks and installs the key
// check of to, so that a service started with to as its master key is
// accepted. It then works in batches (RotateBatchSize), each its own
// transaction that locks its rows with FOR UPDATE SKIP LOCKED, re-wraps
// them (crypto.Rewrap) and records one audit entry; rows another
// transaction holds are taken once it ends, so the run returns only when no
// live data key remains under another master key. Destroyed keys are left
// alone. The run is idempotent, and an interrupted run is resumed by running
// it again: committed batches stay rotated.
//
// It returns jcrypto.ErrWrongMasterKey (wrapped) when from opens none of the
// stored key checks or to does not open its own, the errors of
// crypto.Rewrap (wrapped, naming the case or referral id) for a data key
// that does not open, such as jcrypto.ErrUnknownKeyVersion when its master
// key is not loaded, ctx's error when ctx ends, and the database's errors.
// The report counts what was committed, also on error.
func RotateDataKeys(ctx context.Context, db *gorm.DB, from, to jcrypto.KeyWrapper, opts ...RotateOption) (RotateReport, error) {
	o := rotateOptions{batch: DefaultRotateBatch}
	for _, opt := range opts {
		opt(&o)
	}
	var rep RotateReport
	if from == nil || to == nil {
		return rep, jcrypto.ErrBadKey
	}
	db = db.WithContext(ctx)
	if err := installKeyCheck(ctx, db, from, to); err != nil {
		return rep, err
	}
	target := to.KeyVersion()
	for _, kt := range dataKeyTables {
		var start struct {
			AlreadyCurrent   int
			DestroyedSkipped int
		}
		if err := db.Raw(`SELECT count(*) FILTER (WHERE `+kt.wrapped+` IS NOT NULL AND `+kt.version+` = ?) AS already_current,
				count(*) FILTER (WHERE `+kt.destroyed+`) AS destroyed_skipped
			FROM `+kt.table, target).Scan(&start).Error; err != nil {
			return rep, err
		}
		rep.AlreadyCurrent += start.AlreadyCurrent
		rep.DestroyedSkipped += start.DestroyedSkipped
	}

	const minWait, maxWait = 50 * time.Millisecond, 2 * time.Second
	for _, kt := range dataKeyTables {
		wait := minWait
		for {
			n, err := rotateBatch(ctx, db, kt, from, to, o.batch)
			if err != nil {
				return rep, err
			}
			if n > 0 {
				rep.Rotated += n
				rep.Batches++
				if o.progress != nil {
					o.progress(rep)
				}
				wait = minWait
				continue
			}
			// Nothing left to lock: done, unless rows remain that another
			// transaction holds (SKIP LOCKED passed them by).
			var left int64
			if err := db.Raw(`SELECT count(*) FROM `+kt.table+` WHERE `+kt.wrapped+` IS NOT NULL AND `+kt.version+` IS DISTINCT FROM ?`,
				target).Scan(&left).Error; err != nil {
				return rep, err
			}
			if left == 0 {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return rep, ctx.Err()
			case <-t.C:
			}
			wait = min(wait*2, maxWait)
		}
	}
	return rep, nil
}

// rotateBatch re-wraps up to size data keys of one table in one transaction
// and returns how many it committed.
func rotateBatch(ctx context.Context, db *gorm.DB, kt dataKeyTable, from, to jcrypto.KeyWrapper, size int) (int, error) {
	target := to.KeyVersion()
	n := 0
	err := database.InTx(ctx, db, func(tx *gorm.DB) error {
		var keys []struct {
			ID            uuid.UUID
			MasterVersion *string
			Wrapped       []byte
		}
		if err := tx.Raw(`SELECT `+kt.id+` AS id, `+kt.version+` AS master_version, `+kt.wrapped+` AS wrapped FROM `+kt.table+`
			WHERE `+kt.wrapped+` IS NOT NULL AND `+kt.version+` IS DISTINCT FROM ?
			ORDER BY `+kt.id+` LIMIT ? FOR UPDATE SKIP LOCKED`, target, size).Scan(&keys).Error; err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			var version string
			if k.MasterVersion != nil {
				version = *k.MasterVersion
			}
			wrapped, newVersion, err := jcrypto.Rewrap(ctx, from, to, version, k.Wrapped, kt.ad(k.ID))
			if err != nil {
				return fmt.Errorf("data key of %s %s (master key %q): %w", strings.TrimSuffix(kt.table, "_keys"), k.ID, version, err)
			}
			if newVersion != target {
				return fmt.Errorf("new master key wrapped as %q, not %q", newVersion, target)
			}
			if err := tx.Exec(`UPDATE `+kt.table+` SET `+kt.version+` = ?, `+kt.wrapped+` = ? WHERE `+kt.id+` = ?`,
				newVersion, wrapped, k.ID).Error; err != nil {
				return err
			}
		}
		if err := audit.RecordEntry(ctx, tx, audit.Entry{Action: ActionMasterKeyRotate, ObjectType: "master_key",
			ObjectID: target, Outcome: audit.Success}); err != nil {
			return err
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// installKeyCheck checks from against the stored key checks (one must open
// with it, unless none is stored yet) and to against its own, then stores
// the key check of to when it is missing.
func installKeyCheck(ctx context.Context, db *gorm.DB, from, to jcrypto.KeyWrapper) error {
	var rows []struct {
		MasterVersion string
		Value         []byte
	}
	if err := db.Raw(`SELECT master_version, value FROM key_checks ORDER BY created_at`).Scan(&rows).Error; err != nil {
		return err
	}
	fromOK, haveTo := len(rows) == 0, false
	for _, r := range rows {
		if r.MasterVersion == to.KeyVersion() {
			if err := jcrypto.VerifyKeyCheck(ctx, to, r.Value); err != nil {
				return fmt.Errorf("new master key: %w", err)
			}
			haveTo = true
		}
		if fromOK {
			continue
		}
		switch err := jcrypto.VerifyKeyCheck(ctx, from, r.Value); {
		case err == nil:
			fromOK = true
		case !errors.Is(err, jcrypto.ErrWrongMasterKey):
			return err
		}
	}
	if !fromOK {
		return fmt.Errorf("the configured master key opens no stored key check: %w", jcrypto.ErrWrongMasterKey)
	}
	if haveTo {
		return nil
	}
	v, err := jcrypto.KeyCheck(ctx, to)
	if err != nil {
		return err
	}
	return db.Exec(`INSERT INTO key_checks (master_version, value) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		to.KeyVersion(), v).Error
}

// DestroyDataKey erases a case: it destroys the case's data key (wrapped
// set to NULL, destroyed_at to now) and the own keys of its referrals,
// erases the hotline contact it came from, removes its blind index tokens,
// and
// records ActionCaseErase for the case in the same transaction. The
// identity, contact, notes, plan and event details of the case can then
// never be decrypted again; its statistical attributes remain, and reading
// the case answers identity_erased. db must be a maintenance-role
// connection (database.OpenMaintenance).
//
// It returns an error matching apperr.ErrNotFound when the case has no data
// key (no such case), ErrKeyDestroyed when its key was destroyed already,
// and the database's errors.
func DestroyDataKey(ctx context.Context, db *gorm.DB, caseID uuid.UUID) error {
	return database.InTx(ctx, db, func(tx *gorm.DB) error {
		var keys []struct{ DestroyedAt *time.Time }
		if err := tx.Raw(`SELECT destroyed_at FROM case_keys WHERE case_id = ? FOR UPDATE`, caseID).Scan(&keys).Error; err != nil {
			return err
		}
		if len(keys) == 0 {
			return apperr.NotFound("case")
		}
		if keys[0].DestroyedAt != nil {
			return ErrKeyDestroyed
		}
		if err := tx.Exec(`UPDATE case_keys SET wrapped = NULL, master_version = NULL, destroyed_at = now() WHERE case_id = ?`,
			caseID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SELECT jardam_erase_case_index(?)`, caseID).Error; err != nil {
			return err
		}
		// The hotline contact the case came from holds the same person's
		// identity under a key of its own.
		if err := tx.Exec(`SELECT jardam_erase_case_contacts(?)`, caseID).Error; err != nil {
			return err
		}
		// The case's referrals keep their own keys for their notes, decline
		// reasons and outcomes, which may speak of the person: destroyed
		// with the case's.
		if err := tx.Exec(`UPDATE referrals SET key_wrapped = NULL WHERE case_id = ? AND key_wrapped IS NOT NULL`,
			caseID).Error; err != nil {
			return err
		}
		return audit.RecordEntry(ctx, tx, audit.Entry{Action: ActionCaseErase, ObjectType: "case", ObjectID: caseID.String(),
			Outcome: audit.Success})
	})
}

// CaseIDByCode returns the id of the case with the given code (such as
// SEZIM-2025-0007), through a function that answers the id only, so an
// operator can name the case to erase. db must be a maintenance-role
// connection. It returns an error matching apperr.ErrNotFound when no case
// has that code, and the database's errors.
func CaseIDByCode(ctx context.Context, db *gorm.DB, code string) (uuid.UUID, error) {
	var r struct{ ID *uuid.UUID }
	if err := db.WithContext(ctx).Raw(`SELECT jardam_case_id_by_code(?) AS id`, strings.TrimSpace(code)).Scan(&r).Error; err != nil {
		return uuid.Nil, err
	}
	if r.ID == nil {
		return uuid.Nil, apperr.NotFound("case")
	}
	return *r.ID, nil
}
