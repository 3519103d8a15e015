package users

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access/foureyes"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Four eyes on access grants: no one person alone gives an account the
// right to read case data or to grant roles.

// activeAtOnce lists the roles whose accounts need no second person: they
// read no case data and grant no role. Every other role (caseworkers,
// supervisors, org admins, admins, and any role added later, such as a
// hotline operator) needs approval: the list is of exceptions, so a new
// role is covered by default.
var activeAtOnce = map[string]bool{authz.RoleCoordinator: true, authz.RoleAuditor: true}

// NeedsApproval reports whether an account given role waits, without a
// password, for a second person's approval.
func NeedsApproval(role string) bool { return !activeAtOnce[role] }

// grantingRoles grant roles: only another admin approves them.
var grantingRoles = map[string]bool{authz.RoleOrgAdmin: true, authz.RoleAdmin: true}

// raises reports whether changing an account's role from from to to is a
// grant waiting for approval: a change to a role that needs approval,
// except a supervisor stepping down to caseworker, or a hotline supervisor
// to hotline operator, whose rights it holds.
func raises(from, to string) bool {
	return NeedsApproval(to) && !(from == authz.RoleSupervisor && to == authz.RoleCaseworker) &&
		!(from == authz.RoleHotlineSupervisor && to == authz.RoleHotlineOperator)
}

const approverAdmin = authz.RoleAdmin

// supervising are the roles that approve the accounts of their own
// organization: supervisors in an organization that holds cases, hotline
// supervisors in a hotline (FitsKind keeps the two apart).
var supervising = []string{authz.RoleSupervisor, authz.RoleHotlineSupervisor}

// approverRole returns the role of who approves an account of role in
// organization org: another admin for org admins and admins; a supervisor
// of the organization (a hotline supervisor in a hotline) for the others,
// or an admin where the organization has no active one.
func approverRole(tx *gorm.DB, role string, org uuid.UUID) (string, error) {
	if grantingRoles[role] {
		return approverAdmin, nil
	}
	var found []string
	if err := tx.Raw(`SELECT role FROM users WHERE organization_id = ? AND role IN ? AND status = 'active' ORDER BY role LIMIT 1`,
		org, supervising).Scan(&found).Error; err != nil {
		return "", err
	}
	if len(found) > 0 {
		return found[0], nil
	}
	return approverAdmin, nil
}

// awaiting is an account with a grant to approve, with who asked for it and
// who created and last set the password of the asker's account.
type awaiting struct {
	row
	grant foureyes.Grant
}

// lockAwaiting reads and locks account id with its asker.
func lockAwaiting(tx *gorm.DB, id uuid.UUID) (awaiting, error) {
	var a awaiting
	if err := tx.Raw(selectUser+` WHERE id = ? FOR UPDATE`, id).Scan(&a.row).Error; err != nil {
		return a, err
	}
	var q struct{ RequestedBy *uuid.UUID }
	if err := tx.Raw(`SELECT requested_by FROM users WHERE id = ?`, id).Scan(&q).Error; err != nil {
		return a, err
	}
	var err error
	a.grant, err = foureyes.Requested(tx, id, q.RequestedBy)
	return a, err
}

// requestedRole is the role the approval grants.
func (a awaiting) requestedRole() string {
	if a.PendingRole != nil {
		return *a.PendingRole
	}
	return a.Role
}

// refusal says why caller may not approve a, who needs an approver of role
// need; empty when caller may.
func refusal(caller reqctx.Principal, need string, a awaiting) string {
	switch {
	case caller.Role != need && need == approverAdmin:
		return "only an admin may approve this account"
	case caller.Role != need || (need != approverAdmin && caller.OrganizationID != a.OrganizationID):
		return "only a supervisor of the account's organization may approve this account"
	}
	return foureyes.Refusal(caller.UserID, a.grant)
}

// decide applies the rule to a: why caller may not approve it, or "".
func decide(tx *gorm.DB, caller reqctx.Principal, a awaiting) (string, error) {
	need, err := approverRole(tx, a.requestedRole(), a.OrganizationID)
	if err != nil {
		return "", err
	}
	return refusal(caller, need, a), nil
}

// ApproverRefusal applies the approval of accounts to a grant other than
// an account's own, inside tx: it says why caller may not approve what
// requester asked for account target, or "" when caller may. The approver
// is chosen by the account's role (its pending role, if any) as for an
// approval, and must be a second person (package foureyes). An account the
// caller may not see answers not found; otherwise the error is the
// database's.
func ApproverRefusal(tx *gorm.DB, caller reqctx.Principal, target, requester uuid.UUID) (string, error) {
	var a awaiting
	if err := tx.Raw(selectUser+` WHERE id = ?`, target).Scan(&a.row).Error; err != nil {
		return "", err
	}
	if a.ID == uuid.Nil || (caller.Role != authz.RoleAdmin && a.OrganizationID != caller.OrganizationID) {
		return "", apperr.NotFound("user")
	}
	var err error
	if a.grant, err = foureyes.Requested(tx, target, &requester); err != nil {
		return "", err
	}
	return decide(tx, caller, a)
}

// Approval is the answer to an approval: the account as it now is and,
// when the account was pending, its one-time password, shown only here.
type Approval struct {
	User            User   `json:"user"`
	OneTimePassword string `json:"one_time_password,omitempty"`
}

// Approve carries out the grant account id waits for, as a second person:
// a pending account becomes active with a new one-time password (returned
// once, to be handed over; its holder must change it at first sign-in); a
// pending role replaces the role and ends the account's sessions. An
// account the caller may not see answers not found; one with nothing
// awaiting approval a conflict; a caller the rule (approverRole, refusal)
// rules out (approverRole, refusal, foureyes.Refusal) forbidden. The
// organization is told and the approval audited.
func (s *Service) Approve(ctx context.Context, id uuid.UUID) (Approval, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	var out Approval
	refused := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		a, err := lockAwaiting(tx, id)
		if err != nil {
			return err
		}
		if a.ID == uuid.Nil || (caller.Role != authz.RoleAdmin && a.OrganizationID != caller.OrganizationID) {
			return apperr.NotFound("user")
		}
		if a.Status != StatusPendingApproval && a.PendingRole == nil {
			return apperr.Conflict("nothing of this account awaits approval")
		}
		reason, err := decide(tx, caller, a)
		if err != nil {
			return err
		}
		if reason != "" {
			refused = true
			return apperr.Forbidden(reason)
		}
		out, err = s.grant(ctx, tx, caller, a)
		return err
	})
	if refused {
		s.denied(ctx, "user.approve")
	}
	if err != nil {
		return Approval{}, apperr.Wrap(err)
	}
	return out, nil
}

// grant writes an approved grant of account a.
func (s *Service) grant(ctx context.Context, tx *gorm.DB, caller reqctx.Principal, a awaiting) (Approval, error) {
	var out Approval
	sets := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()"),
		"approved_by": caller.UserID, "approved_at": gorm.Expr("now()")}
	if a.Status == StatusPendingApproval {
		out.OneTimePassword = passwd.OneTime()
		hash, err := s.hasher.Hash(ctx, out.OneTimePassword)
		if err != nil {
			return Approval{}, err
		}
		sets["status"], sets["disabled_at"], sets["activated_at"] = StatusActive, nil, gorm.Expr("now()")
		sets["password_hash"], sets["must_change_password"], sets["password_changed_at"] = hash, true, gorm.Expr("now()")
		// The approver learns the password: they count as its last setter.
		sets["password_set_by"] = caller.UserID
	} else {
		sets["role"], sets["pending_role"] = *a.PendingRole, nil
	}
	c := &change{sets: sets, endSessions: true}
	c.add("user.approve", notifications.KindAccountApproved, a.requestedRole())
	u, err := c.apply(ctx, tx, caller.UserID, a.row, nil)
	out.User = u
	return out, err
}
