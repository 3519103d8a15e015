package notifications

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Casework events: a request for a supervisor's approval and its answer.
// The notification carries the kind, the case's code and a link to the
// case; never a name or the request's comment.
const (
	KindApprovalRequested = "approval.requested"
	KindApprovalApproved  = "approval.approved"
	KindApprovalReturned  = "approval.returned"
)

// NotifyUser writes an in-app notification of kind about case caseID
// (its code caseCode) to user, inside tx. It returns the database's error.
func NotifyUser(ctx context.Context, tx *gorm.DB, user uuid.UUID, kind, caseCode string, caseID uuid.UUID) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO notifications (user_id, kind, ref_code, link) VALUES (?, ?, ?, ?)`,
		user, kind, caseCode, "/cases/"+caseID.String()).Error
}

// NotifySupervisors writes an in-app notification of kind about case
// caseID (its code caseCode), inside tx, to the active supervisors of
// organization org except actor. It returns the database's error.
func NotifySupervisors(ctx context.Context, tx *gorm.DB, org, actor uuid.UUID, kind, caseCode string, caseID uuid.UUID) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO notifications (user_id, kind, ref_code, link)
		SELECT u.id, ?, ?, ? FROM users u
		WHERE u.organization_id = ? AND u.role = 'supervisor' AND u.disabled_at IS NULL AND u.id <> ?`,
		kind, caseCode, "/cases/"+caseID.String(), org, actor).Error
}
