package cases

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// indexSample is one case whose identity and blind index tokens are both
// stored: what proveIndexKey recomputes.
type indexSample struct {
	ID            uuid.UUID
	IdentityEnc   []byte
	KeyVersion    int
	MasterVersion *string
	Wrapped       []byte
}

// proveIndexKey checks the index key of k against the blind indexes a
// database already holds, before its first index key check is stored (a
// database from before migration 0022). It opens the identity of one case
// that has blind index tokens, recomputes them under k's index key and
// answers casekeys.ErrWrongIndexKey unless every stored token of that case
// is among them. A database with no such case (none yet, or every
// identity erased: erasure deletes the tokens) has nothing to miss. The
// application role sees cases only within an organization's scope, so it
// looks organization by organization.
func proveIndexKey(ctx context.Context, db *gorm.DB, k *Keyring) error {
	var orgs []uuid.UUID
	if err := db.WithContext(ctx).Raw(`SELECT id FROM organizations ORDER BY id`).Scan(&orgs).Error; err != nil {
		return fmt.Errorf("index key check: %w", err)
	}
	for _, org := range orgs {
		found := false
		err := database.InOrgTx(ctx, db, org, uuid.Nil, func(tx *gorm.DB) error {
			var err error
			found, err = proveWithin(ctx, tx, k)
			return err
		})
		if err != nil || found {
			return err
		}
	}
	return nil
}

// proveWithin checks k's index key against one case visible in tx; found
// is false when tx sees no case with both an identity and tokens.
func proveWithin(ctx context.Context, tx *gorm.DB, k *Keyring) (found bool, err error) {
	var rows []indexSample
	if err := tx.Raw(`SELECT c.id, c.identity_enc, k.key_version, k.master_version, k.wrapped
		FROM cases c JOIN case_keys k ON k.case_id = c.id
		WHERE c.identity_enc IS NOT NULL AND k.wrapped IS NOT NULL
		  AND EXISTS (SELECT 1 FROM case_blind_index b WHERE b.case_id = c.id)
		ORDER BY c.id LIMIT 1`).Scan(&rows).Error; err != nil || len(rows) == 0 {
		return false, err
	}
	r := rows[0]
	made, err := wantedTokens(ctx, k, r)
	if err != nil {
		return true, fmt.Errorf("index key check: a case's tokens: %w", err)
	}
	var stored []BlindToken
	if err := tx.Raw(`SELECT kind, token FROM case_blind_index WHERE case_id = ?`, r.ID).Scan(&stored).Error; err != nil {
		return true, err
	}
	for _, s := range stored {
		if !hasToken(made, s) {
			return true, casekeys.ErrWrongIndexKey
		}
	}
	return true, nil
}

func hasToken(ts []token, s BlindToken) bool {
	for _, t := range ts {
		if t.kind == s.Kind && bytes.Equal(t.token, s.Token) {
			return true
		}
	}
	return false
}
