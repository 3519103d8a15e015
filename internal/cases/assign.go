package cases

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// The rows of case_assignments are written here only: by the case's own
// changes (Create, Update) and, for other domains, by Transfer and
// HandOver in their transaction.

// Transfer hands case id to organization to, in the caller's transaction
// tx: to becomes the owner, worker (who accepted the transfer for to) the
// one assigned worker, and the case's version moves on; the previous
// owner loses access, the history and the case code stay. The caller has
// decided that the transfer may happen (package referrals, on accepting a
// transfer referral); Transfer decides nothing and writes no audit entry,
// which the caller records. It returns the database's errors.
func Transfer(tx *gorm.DB, id, to, worker uuid.UUID) error {
	if err := tx.Exec(`UPDATE cases SET owner_organization_id = ?, version = version + 1, updated_at = now() WHERE id = ?`,
		to, id).Error; err != nil {
		return err
	}
	return setAssignments(tx, id, []uuid.UUID{worker}, worker)
}

// HandOver takes the cases assigned to worker from off that worker, in the
// caller's transaction tx, and gives them to worker to (nil: they stay
// unassigned, for the organization's supervisors to assign), recorded as
// assigned by by (nil when nobody is signed in). It returns the cases it
// changed. The caller (package users, disabling an account) has checked
// to and records the audit entry of each case. It returns the database's
// errors.
func HandOver(tx *gorm.DB, from uuid.UUID, to, by *uuid.UUID) ([]uuid.UUID, error) {
	var released []struct{ CaseID uuid.UUID }
	if err := tx.Raw(`DELETE FROM case_assignments WHERE user_id = ? RETURNING case_id`, from).Scan(&released).Error; err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(released))
	for i, c := range released {
		ids[i] = c.CaseID
		if to == nil {
			continue
		}
		if err := tx.Exec(`INSERT INTO case_assignments (case_id, user_id, assigned_by)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, c.CaseID, *to, by).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// assign replaces the workers assigned to a case: active caseworkers and
// supervisors of the owning organization, at least one.
func (s *Service) assign(ctx context.Context, tx *gorm.DB, p reqctx.Principal, owner, id uuid.UUID, users []uuid.UUID) error {
	if len(users) == 0 {
		return apperr.Invalid("assigned_user_ids", "must list at least one worker")
	}
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM users WHERE id IN ? AND organization_id = ? AND disabled_at IS NULL
		AND role IN ('caseworker', 'supervisor')`, users, owner).Scan(&n).Error; err != nil {
		return err
	}
	if int(n) != len(users) || hasDuplicateIDs(users) {
		return apperr.Invalid("assigned_user_ids", "must list active caseworkers or supervisors of the owning organization")
	}
	if err := setAssignments(tx, id, users, p.UserID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "case.assign", "case", id.String(), audit.Success)
}

// setAssignments makes users, and only them, the workers assigned to case
// id; the new ones are recorded as assigned by by. users is not empty.
func setAssignments(tx *gorm.DB, id uuid.UUID, users []uuid.UUID, by uuid.UUID) error {
	if err := tx.Exec(`DELETE FROM case_assignments WHERE case_id = ? AND NOT (user_id IN ?)`, id, users).Error; err != nil {
		return err
	}
	for _, u := range users {
		if err := tx.Exec(`INSERT INTO case_assignments (case_id, user_id, assigned_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			id, u, by).Error; err != nil {
			return err
		}
	}
	return nil
}

func sameIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	cmp := func(p, q uuid.UUID) int { return slices.Compare(p[:], q[:]) }
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}

func hasDuplicateIDs(ids []uuid.UUID) bool {
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}
