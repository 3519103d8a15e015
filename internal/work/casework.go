package work

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// caseApprovalRow is a request for approval as the work list reads it.
type caseApprovalRow struct {
	ID       uuid.UUID
	CaseID   uuid.UUID
	CaseCode string
	Kind     string
	Status   string
	Asked    time.Time
}

func caseApprovalItems(rows []caseApprovalRow) []Item {
	out := make([]Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, Item{Kind: KindApproval, DueAt: r.Asked.AddDate(0, 0, GraceDays), Link: "/cases/" + r.CaseID.String(),
			CaseID: &r.CaseID, CaseCode: &r.CaseCode, ApprovalID: &r.ID, Approval: &r.Kind, ApprovalStatus: &r.Status})
	}
	return out
}

// caseApprovals are the requests for approval (of a plan, a closure, a
// transfer) on the open cases of the supervisor's organization that
// others made: a supervisor never decides on their own request.
func caseApprovals(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []caseApprovalRow
	err := tx.Raw(`SELECT a.id, a.case_id, c.code AS case_code, a.kind, a.status, a.requested_at AS asked
		FROM case_approvals a JOIN cases c ON c.id = a.case_id
		WHERE a.status = 'pending' AND c.owner_organization_id = ? AND a.requested_by <> ?`,
		p.OrganizationID, p.UserID).Scan(&rows).Error
	return caseApprovalItems(rows), err
}

// returnedApprovals are the caller's requests that a supervisor returned,
// on open cases of the caller's organization, until the caller asks again
// for the same kind on the case.
func returnedApprovals(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []caseApprovalRow
	err := tx.Raw(`SELECT a.id, a.case_id, c.code AS case_code, a.kind, a.status, a.decided_at AS asked
		FROM case_approvals a JOIN cases c ON c.id = a.case_id
		WHERE a.status = 'returned' AND a.requested_by = @user AND c.owner_organization_id = @org AND c.status <> 'closed'
		  AND NOT EXISTS (SELECT 1 FROM case_approvals b WHERE b.case_id = a.case_id AND b.kind = a.kind
		                  AND b.requested_at > a.requested_at)`,
		map[string]any{"user": p.UserID, "org": p.OrganizationID}).Scan(&rows).Error
	return caseApprovalItems(rows), err
}

// followUps are the follow-ups after reintegration, not done yet, due
// within the horizon, assigned to the caller (or, assigned to nobody, on a
// case assigned to the caller), whether the case is still open or closed
// as reintegrated.
func followUps(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []struct {
		ID       uuid.UUID
		CaseID   uuid.UUID
		CaseCode string
		Kind     string
		Due      time.Time
	}
	if err := tx.Raw(`SELECT f.id, f.case_id, c.code AS case_code, f.kind, f.planned_on AS due
		FROM case_follow_ups f JOIN cases c ON c.id = f.case_id
		WHERE f.done_on IS NULL AND f.planned_on < @until AND c.owner_organization_id = @org
		  AND (f.assigned_to = @user OR (f.assigned_to IS NULL
		       AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = @user)))`,
		map[string]any{"until": today(now).Add(Horizon), "org": p.OrganizationID, "user": p.UserID}).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, Item{Kind: KindFollowUp, DueAt: dayEnd(r.Due), Link: "/cases/" + r.CaseID.String(),
			CaseID: &r.CaseID, CaseCode: &r.CaseCode, FollowUpID: &r.ID, FollowUpKind: &r.Kind})
	}
	return out, nil
}
