package users

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// change is what a patch does to an account: the columns it sets, whether
// the account's sessions end, whether its cases are handed over, and the
// events it audits and tells the organization.
type change struct {
	sets        map[string]any
	endSessions bool
	handOver    bool
	events      []event
}

// event is one audited account event; kind, when set, is the notification
// its organization receives.
type event struct {
	action string
	kind   string
	role   string
}

// plan turns a patch of account r into a change. The rules: a role change
// of a pending account stays pending (among the roles that need approval);
// on an active account, a raise (see raises) waits in pending_role and
// anything else takes effect at once; on a disabled account it takes effect
// at once, since re-enabling is the grant. Re-enabling an account whose
// role needs approval makes it pending and clears its password; a pending
// account gets no password by patch.
func plan(caller reqctx.Principal, r row, p Patch) (*change, error) {
	c := &change{sets: map[string]any{"version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()")}}
	if p.Name != nil {
		c.sets["name"] = strings.TrimSpace(*p.Name)
	}
	role, status := r.Role, r.Status
	if p.Role != nil {
		var err error
		if role, err = c.planRole(caller, r, *p.Role); err != nil {
			return nil, err
		}
	}
	if p.Disabled != nil {
		status = c.planStatus(caller, r, role, *p.Disabled)
	}
	if p.Password != nil {
		if status == StatusPendingApproval {
			return nil, apperr.Conflict("a pending account receives its one-time password when a second person approves it", "password")
		}
		c.sets["must_change_password"] = true
		c.sets["password_changed_at"] = gorm.Expr("now()")
		c.sets["password_set_by"] = caller.UserID
		c.endSessions = true
		c.add("user.password_reset", notifications.KindAccountPasswordReset, role)
	}
	return c, nil
}

func (c *change) add(action, kind, role string) {
	c.events = append(c.events, event{action: action, kind: kind, role: role})
}

// planRole plans a role change and returns the role the account holds
// once the change is applied.
func (c *change) planRole(caller reqctx.Principal, r row, to string) (string, error) {
	switch {
	case r.Status == StatusPendingApproval:
		if !NeedsApproval(to) {
			return "", apperr.Conflict("a pending account may only wait for a role that needs approval; disable it instead", "role")
		}
		if to != r.Role {
			c.sets["role"], c.sets["requested_by"] = to, caller.UserID
			c.add("user.role_change_requested", notifications.KindAccountApprovalRequested, to)
		}
		return to, nil
	case to == r.Role:
		if r.PendingRole != nil {
			c.sets["pending_role"] = nil
			c.add("user.role_change_withdrawn", "", *r.PendingRole)
		}
		return to, nil
	case r.Status == StatusActive && raises(r.Role, to):
		c.sets["pending_role"], c.sets["requested_by"] = to, caller.UserID
		c.add("user.role_change_requested", notifications.KindAccountApprovalRequested, to)
		return r.Role, nil
	default:
		c.sets["role"], c.sets["pending_role"] = to, nil
		c.endSessions = true
		c.add("user.role_change", notifications.KindAccountRoleChanged, to)
		return to, nil
	}
}

// planStatus plans disabling or re-enabling an account that will hold role
// and returns its status once the change is applied.
func (c *change) planStatus(caller reqctx.Principal, r row, role string, disabled bool) string {
	switch {
	case disabled && r.Status != StatusDisabled:
		c.sets["status"], c.sets["pending_role"] = StatusDisabled, nil
		if r.Status == StatusActive {
			c.sets["disabled_at"] = gorm.Expr("now()")
		}
		c.endSessions, c.handOver = true, true
		c.add("user.disable", notifications.KindAccountDisabled, role)
		return StatusDisabled
	case !disabled && r.Status == StatusDisabled && NeedsApproval(role):
		c.sets["status"], c.sets["requested_by"] = StatusPendingApproval, caller.UserID
		c.sets["password_hash"], c.sets["must_change_password"] = "", true
		c.add("user.enable_requested", notifications.KindAccountApprovalRequested, role)
		return StatusPendingApproval
	case !disabled && r.Status == StatusDisabled:
		c.sets["status"], c.sets["disabled_at"], c.sets["activated_at"] = StatusActive, nil, gorm.Expr("now()")
		c.add("user.enable", notifications.KindAccountEnabled, role)
		return StatusActive
	}
	return r.Status
}

// update writes the planned columns of account id as one UPDATE, the
// columns in name order so that the statement is the same for the same
// change. A gorm.Expr value ("now()", "version + 1") is written into the
// statement; every other value is a parameter.
func (c *change) update(tx *gorm.DB, id uuid.UUID) error {
	cols := slices.Sorted(maps.Keys(c.sets))
	set := make([]string, len(cols))
	args := make([]any, 0, len(cols)+1)
	for i, col := range cols {
		set[i] = col + " = ?"
		args = append(args, c.sets[col])
	}
	return tx.Exec(`UPDATE users SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, id)...).Error
}

// apply writes the change to account r in tx, ends its sessions and hands
// its cases over when the change says so, and audits and tells its events.
// actor (nil for the server) is not told. It returns the account as it
// now is.
func (c *change) apply(ctx context.Context, tx *gorm.DB, actor uuid.UUID, r row, reassignTo *uuid.UUID) (User, error) {
	if err := c.update(tx, r.ID); err != nil {
		return User{}, err
	}
	if c.endSessions {
		if err := endSessions(tx, r.ID); err != nil {
			return User{}, err
		}
	}
	if c.handOver {
		if err := handOver(ctx, tx, r, reassignTo); err != nil {
			return User{}, err
		}
	}
	for _, e := range c.events {
		if err := audit.Record(ctx, tx, e.action, "user", r.ID.String(), audit.Success); err != nil {
			return User{}, err
		}
		if e.kind != "" {
			if err := tell(ctx, tx, actor, r.OrganizationID, e.kind, e.role); err != nil {
				return User{}, err
			}
		}
	}
	var out row
	if err := tx.Raw(selectUser+` WHERE id = ?`, r.ID).Scan(&out).Error; err != nil {
		return User{}, err
	}
	return toUser(out), nil
}

// endSessions ends every session of account id at once.
func endSessions(tx *gorm.DB, id uuid.UUID) error {
	return tx.Exec(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'account_changed'
		WHERE user_id = ? AND revoked_at IS NULL`, id).Error
}

// tell notifies the supervisors and org admins of organization org of an
// account event concerning role; a request for approval also reaches the
// admins when an admin is the one to approve it.
func tell(ctx context.Context, tx *gorm.DB, actor, org uuid.UUID, kind, role string) error {
	e := notifications.AccountEvent{Kind: kind, OrganizationID: org, Role: role, Actor: actor}
	if kind == notifications.KindAccountApprovalRequested {
		who, err := approverRole(tx, role, org)
		if err != nil {
			return err
		}
		e.TellAdmins = who == approverAdmin
	}
	return notifications.NotifyAccountEvent(ctx, tx, e)
}
