package cases

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// ActionIndexKeyRotate is the audit action of one batch of the blind index
// key's rotation: the identities of the organization's cases in the batch
// were opened to recompute their tokens.
const ActionIndexKeyRotate = "index_key.rotate"

// DefaultIndexRotateBatch is the number of cases RotateIndexKey recomputes
// in one transaction.
const DefaultIndexRotateBatch = 200

// IndexRotateReport counts what a RotateIndexKey run did.
type IndexRotateReport struct {
	// Rewritten is the number of cases whose blind index tokens this run
	// replaced by tokens under the new index key.
	Rewritten int `json:"rewritten"`
	// AlreadyCurrent is the number of cases whose tokens were under the new
	// key already (an earlier, interrupted run; a service indexing with the
	// new key), or that have none (no identity, or erased).
	AlreadyCurrent int `json:"already_current"`
	// Organizations is the number of organizations whose cases were read.
	Organizations int `json:"organizations"`
	// Batches is the number of committed batches.
	Batches int `json:"batches"`
}

// RotateIndexKey moves every case's blind index tokens from the index keys
// of from (its current and previous ones) to newKey, the service still
// running, and then stores newKey's index key check: from then on a
// service or a backup check with an older index key is refused. db is an
// application-role connection; from holds the master key, whose data keys
// open the identities the tokens are recomputed from.
//
// It first records the rotation (casekeys.BeginIndexRotation), so a
// service started with newKey as its index key and the old one as a
// previous key is accepted. It then reads each organization's cases in
// batches of batch (DefaultIndexRotateBatch when < 1) by id, each batch one
// transaction that locks its cases (an edit of one waits), opens their
// identities, replaces the tokens that differ from the new key's, and
// records one audit entry. It is idempotent: a run interrupted (ctx ended,
// connection lost) keeps its committed batches, and running it again
// rewrites only the cases not yet under the new key. progress, when not
// nil, is called after each batch.
func RotateIndexKey(ctx context.Context, db *gorm.DB, from *Keyring, newKey []byte, batch int,
	progress func(IndexRotateReport)) (IndexRotateReport, error) {
	var rep IndexRotateReport
	if batch < 1 {
		batch = DefaultIndexRotateBatch
	}
	to, err := casekeys.NewKeyring(from.Wrapper, newKey)
	if err != nil {
		return rep, fmt.Errorf("new index key: %w", err)
	}
	if err := from.BeginIndexRotation(ctx, db, to); err != nil {
		return rep, fmt.Errorf("rotate the index key: %w", err)
	}
	var orgs []uuid.UUID
	if err := db.WithContext(ctx).Raw(`SELECT id FROM organizations ORDER BY id`).Scan(&orgs).Error; err != nil {
		return rep, fmt.Errorf("rotate the index key: list organizations: %w", err)
	}
	for _, org := range orgs {
		rep.Organizations++
		for after := uuid.Nil; ; {
			last, n, err := rotateIndexBatch(ctx, db, to, org, after, batch, &rep)
			if err != nil {
				return rep, fmt.Errorf("rotate the index key: organization %s: %w", org, err)
			}
			if n > 0 && progress != nil {
				progress(rep)
			}
			if n < batch {
				break
			}
			after = last
		}
	}
	if err := casekeys.FinishIndexRotation(ctx, db, to); err != nil {
		return rep, fmt.Errorf("rotate the index key: %w", err)
	}
	return rep, nil
}

// rotateIndexBatch recomputes, in one transaction scoped to org, the
// tokens of up to batch of org's cases after the id after, and returns the
// last id read and how many cases it read.
func rotateIndexBatch(ctx context.Context, db *gorm.DB, to *Keyring, org, after uuid.UUID, batch int,
	rep *IndexRotateReport) (uuid.UUID, int, error) {
	var (
		last      uuid.UUID
		n         int
		rewritten int
	)
	err := database.InOrgTx(ctx, db, org, uuid.Nil, func(tx *gorm.DB) error {
		var rows []indexSample
		if err := tx.Raw(`SELECT c.id, c.identity_enc, k.key_version, k.master_version, k.wrapped
			FROM cases c JOIN case_keys k ON k.case_id = c.id
			WHERE c.owner_organization_id = ? AND c.id > ?
			ORDER BY c.id LIMIT ? FOR UPDATE OF c`, org, after, batch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("read cases: %w", err)
		}
		if n = len(rows); n == 0 {
			return nil
		}
		last = rows[n-1].ID
		stale, err := staleIndexes(ctx, tx, to, rows)
		if err != nil {
			return err
		}
		if rewritten = len(stale); rewritten > 0 {
			if err := replaceTokens(tx, stale); err != nil {
				return err
			}
		}
		return audit.RecordEntry(ctx, tx, audit.Entry{OrganizationID: &org, Action: ActionIndexKeyRotate,
			ObjectType: "organization", ObjectID: org.String(), Outcome: audit.Success})
	})
	if err == nil && n > 0 {
		rep.Batches++
		rep.Rewritten += rewritten
		rep.AlreadyCurrent += n - rewritten
	}
	return last, n, err
}

// staleIndexes opens the identities of rows and returns, for each case
// whose stored tokens differ from those under to's index key, the tokens
// it must have.
func staleIndexes(ctx context.Context, tx *gorm.DB, to *Keyring, rows []indexSample) (map[uuid.UUID][]token, error) {
	ids := make(database.Array[string], len(rows))
	for i, r := range rows {
		ids[i] = r.ID.String()
	}
	var stored []struct {
		CaseID uuid.UUID
		Kind   string
		Token  []byte
	}
	if err := tx.Raw(`SELECT case_id, kind, token FROM case_blind_index WHERE case_id = ANY (CAST(? AS uuid[]))`, ids).
		Scan(&stored).Error; err != nil {
		return nil, fmt.Errorf("read blind index tokens: %w", err)
	}
	have := map[uuid.UUID][]token{}
	for _, s := range stored {
		have[s.CaseID] = append(have[s.CaseID], token{s.Kind, s.Token})
	}
	stale := map[uuid.UUID][]token{}
	for _, r := range rows {
		want, err := wantedTokens(ctx, to, r)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", r.ID, err)
		}
		if !sameTokens(have[r.ID], want) {
			stale[r.ID] = want
		}
	}
	return stale, nil
}

// wantedTokens are the tokens of r's identity under to's index key: none
// for a case without an identity or whose key was destroyed.
func wantedTokens(ctx context.Context, to *Keyring, r indexSample) ([]token, error) {
	if r.IdentityEnc == nil || r.Wrapped == nil {
		return nil, nil
	}
	sealer, err := to.Sealer(ctx, caseKey{CaseID: r.ID, KeyVersion: r.KeyVersion, MasterVersion: r.MasterVersion, Wrapped: r.Wrapped})
	if err != nil {
		return nil, fmt.Errorf("open the data key: %w", err)
	}
	id, err := openIdentity(sealer, row{ID: r.ID, IdentityEnc: r.IdentityEnc}, r.KeyVersion, reveal{identity: true})
	if err != nil {
		return nil, fmt.Errorf("open the identity: %w", err)
	}
	return blindTokens(to, id), nil
}

// sameTokens reports whether a and b hold the same tokens.
func sameTokens(a, b []token) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range b {
		found := false
		for _, u := range a {
			if u.kind == t.kind && bytes.Equal(u.token, t.token) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// replaceTokens deletes the tokens of the cases of stale and inserts the
// new ones, in two statements.
func replaceTokens(tx *gorm.DB, stale map[uuid.UUID][]token) error {
	var (
		ids    database.Array[string]
		caseOf database.Array[string]
		kinds  database.Array[string]
		values database.Array[[]byte]
	)
	for id, toks := range stale {
		ids = append(ids, id.String())
		for _, t := range toks {
			caseOf, kinds, values = append(caseOf, id.String()), append(kinds, t.kind), append(values, t.token)
		}
	}
	if err := tx.Exec(`DELETE FROM case_blind_index WHERE case_id = ANY (CAST(? AS uuid[]))`, ids).Error; err != nil {
		return fmt.Errorf("delete blind index tokens: %w", err)
	}
	if len(values) == 0 {
		return nil
	}
	if err := tx.Exec(`INSERT INTO case_blind_index (case_id, kind, token)
		SELECT * FROM unnest(CAST(? AS uuid[]), CAST(? AS text[]), CAST(? AS bytea[])) ON CONFLICT DO NOTHING`,
		caseOf, kinds, values).Error; err != nil {
		return fmt.Errorf("insert blind index tokens: %w", err)
	}
	return nil
}
