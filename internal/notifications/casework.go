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

// NotifyOwnerRoles writes an in-app notification of kind about case
// caseID, inside tx, to the active accounts of the case's owning
// organization whose role is one of roles, except except (uuid.Nil for
// nobody). The notification carries the case's code and a link to it. It
// returns the database's error.
func NotifyOwnerRoles(ctx context.Context, tx *gorm.DB, caseID, except uuid.UUID, kind string, roles ...string) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO notifications (user_id, kind, ref_code, link)
		SELECT u.id, ?, c.code, '/cases/' || c.id FROM cases c JOIN users u ON u.organization_id = c.owner_organization_id
		WHERE c.id = ? AND u.role IN ? AND u.disabled_at IS NULL AND u.id <> ?`, kind, caseID, roles, except).Error
}
