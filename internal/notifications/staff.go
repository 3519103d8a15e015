package notifications

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Account events: changes to who may do what, told to the organization's
// supervisors and org admins so that no grant goes unnoticed. The
// notification carries the kind, the role concerned and a link to the
// accounts screen; never a name or an e-mail.
const (
	KindAccountApprovalRequested = "account.approval_requested"
	KindAccountApproved          = "account.approved"
	KindAccountCreated           = "account.created"
	KindAccountRoleChanged       = "account.role_changed"
	KindAccountEnabled           = "account.enabled"
	KindAccountDisabled          = "account.disabled"
	KindAccountPasswordReset     = "account.password_reset"
)

// AccountEvent is one change to an account, as its organization is told.
type AccountEvent struct {
	Kind string
	// OrganizationID is the organization of the account concerned.
	OrganizationID uuid.UUID
	// Role is the role concerned (the one granted or requested); it is the
	// notification's ref_code.
	Role string
	// Actor is left out of the recipients (they know what they did).
	Actor uuid.UUID
	// TellAdmins adds every active admin: those who approve this request.
	TellAdmins bool
}

// NotifyAccountEvent writes an in-app notification of e, inside tx, to the
// active supervisors (hotline supervisors) and org admins of the account's organization (and,
// with TellAdmins, to every active admin), except the actor. It returns the
// database's error.
func NotifyAccountEvent(ctx context.Context, tx *gorm.DB, e AccountEvent) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO notifications (user_id, kind, ref_code, link)
		SELECT u.id, ?, ?, '/users' FROM users u
		WHERE u.disabled_at IS NULL AND u.id <> ?
		  AND ((u.organization_id = ? AND u.role IN ('supervisor', 'hotline_supervisor', 'org_admin')) OR (? AND u.role = 'admin'))`,
		e.Kind, e.Role, e.Actor, e.OrganizationID, e.TellAdmins).Error
}
