// Package users owns accounts and who may grant what: the system admin
// manages the accounts of admins, org admins, coordinators and auditors;
// each organization's org admin manages its own caseworkers and
// supervisors. A password set by an admin is one-time. No grant of case
// access or of the right to grant is made by one person alone: such an
// account waits for a second person's approval (foureyes.go). Every grant
// is audited and told to the organization's supervisors and org admins,
// and changing a role, disabling an account or resetting its password ends
// its sessions at once. Accounts left unused are disabled (dormant.go).
package users

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Account statuses. Only an active account may sign in.
const (
	StatusPendingApproval = "pending_approval"
	StatusActive          = "active"
	StatusDisabled        = "disabled"
)

// User is the API view of an account; it never carries the password hash.
type User struct {
	ID                 uuid.UUID `json:"id"`
	Email              string    `json:"email"`
	Name               string    `json:"name"`
	Role               string    `json:"role"`
	OrganizationID     uuid.UUID `json:"organization_id"`
	MustChangePassword bool      `json:"must_change_password"`
	Disabled           bool      `json:"disabled"`
	Status             string    `json:"status"`
	PendingRole        *string   `json:"pending_role"`
	Version            int       `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// CreateInput is the body of POST /users. Password is given for the roles
// that are active at once (see NeedsApproval) and refused for the others.
type CreateInput struct {
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role"`
	OrganizationID uuid.UUID `json:"organization_id"`
	Password       string    `json:"password"`
}

// Patch is the merge patch of PATCH /users/{id}. A password here is a reset:
// one-time, like at creation. ReassignTo, with Disabled true, names who
// takes over the account's cases.
type Patch struct {
	Name       *string    `json:"name"`
	Role       *string    `json:"role"`
	Disabled   *bool      `json:"disabled"`
	Password   *string    `json:"password"`
	ReassignTo *uuid.UUID `json:"reassign_to"`
	Version    *int       `json:"version"`
}

type row struct {
	ID                 uuid.UUID
	Email              string
	Name               string
	Role               string
	OrganizationID     uuid.UUID
	MustChangePassword bool
	Status             string
	PendingRole        *string
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const userColumns = `id, email, name, role, organization_id, must_change_password, status, pending_role,
	version, created_at, updated_at`

const selectUser = `SELECT ` + userColumns + ` FROM users`

func toUser(r row) User {
	return User{ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, OrganizationID: r.OrganizationID,
		MustChangePassword: r.MustChangePassword, Disabled: r.Status == StatusDisabled, Status: r.Status,
		PendingRole: r.PendingRole, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// grantable lists the roles each admin role may grant.
var grantable = map[string][]string{
	authz.RoleAdmin:    {authz.RoleAdmin, authz.RoleOrgAdmin, authz.RoleCoordinator, authz.RoleAuditor},
	authz.RoleOrgAdmin: {authz.RoleCaseworker, authz.RoleSupervisor, authz.RoleHotlineOperator, authz.RoleHotlineSupervisor},
}

// MayGrant reports whether granter's role may give role to an account of
// organization org.
func MayGrant(granter reqctx.Principal, role string, org uuid.UUID) bool {
	for _, r := range grantable[granter.Role] {
		if r == role {
			return granter.Role == authz.RoleAdmin || org == granter.OrganizationID
		}
	}
	return false
}

// Service holds the account rules.
type Service struct {
	db     *gorm.DB
	hasher *passwd.Hasher
}

// NewService returns the account service.
func NewService(db *gorm.DB, hasher *passwd.Hasher) *Service {
	return &Service{db: db, hasher: hasher}
}

// Filter narrows a user list.
type Filter struct {
	OrganizationID uuid.UUID
	Role           string
	// Status, when set, keeps the accounts with this status; "awaiting"
	// keeps those with something to approve (a pending account or a
	// pending role).
	Status string
}

// List returns the accounts the caller manages, newest first: an org admin
// or a supervisor sees its organization's accounts, the system admin every
// account.
func (s *Service) List(ctx context.Context, f Filter, p web.Page) (web.List[User], error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	var v apperr.Validation
	if f.Role != "" && !authz.IsRole(f.Role) {
		v.Add("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	}
	switch f.Status {
	case "", StatusPendingApproval, StatusActive, StatusDisabled, "awaiting":
	default:
		v.Add("status", "must be one of: pending_approval, active, disabled, awaiting")
	}
	if err := v.Err(); err != nil {
		return web.List[User]{}, err
	}
	args := map[string]any{"org": nullUUID(f.OrganizationID), "role": f.Role, "status": f.Status, "scope": scopeOrg(caller)}
	cond, tail := p.Keyset("created_at", "id", args)
	var rows []row
	if err := s.db.WithContext(ctx).Raw(selectUser+` WHERE (CAST(@org AS uuid) IS NULL OR organization_id = @org)
		AND (@role = '' OR role = @role)
		AND (@status = '' OR status = @status OR (@status = 'awaiting' AND (status = 'pending_approval' OR pending_role IS NOT NULL)))
		AND (CAST(@scope AS uuid) IS NULL OR organization_id = @scope)`+cond+tail, args).Scan(&rows).Error; err != nil {
		return web.List[User]{}, apperr.Internal(err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = toUser(r)
	}
	return web.NewList(out, p.Limit, func(u User) (time.Time, uuid.UUID) { return u.CreatedAt, u.ID }), nil
}

func scopeOrg(p reqctx.Principal) *uuid.UUID {
	if p.Role == authz.RoleAdmin {
		return nil
	}
	return &p.OrganizationID
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && len(s) <= 254
}

func validName(v *apperr.Validation, name string) {
	if n := strings.TrimSpace(name); n == "" || len([]rune(n)) > 200 {
		v.Add("name", "is required, at most 200 characters")
	}
}

func validateCreate(email string, in CreateInput) error {
	var v apperr.Validation
	if !validEmail(email) {
		v.Add("email", "must be an e-mail address")
	}
	validName(&v, in.Name)
	if !authz.IsRole(in.Role) {
		v.Add("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	} else if NeedsApproval(in.Role) {
		if in.Password != "" {
			v.Add("password", "must not be given for this role: a one-time password is issued when a second person approves the account")
		}
	} else if reason := passwd.Acceptable(in.Password, auth.DemoPassword); reason != "" {
		v.Add("password", reason)
	}
	if in.OrganizationID == uuid.Nil {
		v.Add("organization_id", "is required")
	}
	return v.Err()
}

// Create opens an account. The caller must be allowed to grant the role in
// that organization (403 otherwise); a taken e-mail answers a conflict
// naming email. An account of a role that needs approval (NeedsApproval)
// starts pending, without a password; the others are active at once with
// the one-time password the caller sets. The organization's supervisors
// and org admins are told.
func (s *Service) Create(ctx context.Context, in CreateInput) (User, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	email := auth.NormalizeEmail(in.Email)
	// Authorization first (403 before 400), once role and organization say
	// what is asked.
	if authz.IsRole(in.Role) && in.OrganizationID != uuid.Nil && !MayGrant(caller, in.Role, in.OrganizationID) {
		s.denied(ctx, "user.create")
		return User{}, apperr.Forbidden("your role may not grant this role in this organization")
	}
	if err := validateCreate(email, in); err != nil {
		return User{}, err
	}
	status, hash, setBy, requestedBy := StatusActive, "", &caller.UserID, (*uuid.UUID)(nil)
	if NeedsApproval(in.Role) {
		status, setBy, requestedBy = StatusPendingApproval, nil, &caller.UserID
	} else {
		var err error
		if hash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return User{}, apperr.Internal(err)
		}
	}
	var r row
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := organizations.CheckNamed(tx, "organization_id", in.OrganizationID, false); err != nil {
			return err
		}
		if err := roleFits(tx, in.Role, in.OrganizationID); err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO users (email, name, role, organization_id, password_hash, must_change_password,
			status, disabled_at, created_by, requested_by, password_set_by)
			VALUES (?, ?, ?, ?, ?, true, ?, CASE WHEN ? = 'active' THEN NULL ELSE now() END, ?, ?, ?)
			RETURNING `+userColumns,
			email, strings.TrimSpace(in.Name), in.Role, in.OrganizationID, hash, status, status,
			caller.UserID, requestedBy, setBy).Scan(&r).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "user.create", "user", r.ID.String(), audit.Success); err != nil {
			return err
		}
		kind := notifications.KindAccountCreated
		if status == StatusPendingApproval {
			kind = notifications.KindAccountApprovalRequested
		}
		return tell(ctx, tx, caller.UserID, r.OrganizationID, kind, in.Role)
	})
	if database.IsCode(err, database.CodeUniqueViolation) {
		return User{}, apperr.Conflict("an account with this e-mail exists", "email")
	}
	if err != nil {
		return User{}, apperr.Wrap(err)
	}
	return toUser(r), nil
}

// roleFits answers a validation error naming role when role does not fit
// the kind of organization org (FitsKind). It returns the database's
// errors.
func roleFits(tx *gorm.DB, role string, org uuid.UUID) error {
	var kind string
	if err := tx.Raw(`SELECT kind FROM organizations WHERE id = ?`, org).Scan(&kind).Error; err != nil {
		return err
	}
	if !FitsKind(role, kind) {
		return apperr.Invalid("role", "does not fit the organization: a hotline has hotline operators and hotline supervisors, and no caseworker or supervisor")
	}
	return nil
}

func (s *Service) denied(ctx context.Context, action string) {
	_ = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, auth.ActionDenied, "user", action, audit.Denied)
	})
}

func validatePatch(p Patch) error {
	var v apperr.Validation
	if p.Name != nil {
		validName(&v, *p.Name)
	}
	if p.Role != nil && !authz.IsRole(*p.Role) {
		v.Add("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	}
	if p.Password != nil {
		if reason := passwd.Acceptable(*p.Password, auth.DemoPassword); reason != "" {
			v.Add("password", reason)
		}
	}
	if p.ReassignTo != nil && (p.Disabled == nil || !*p.Disabled) {
		v.Add("reassign_to", "is given only with disabled: true")
	}
	return v.Err()
}

// Update applies a merge patch to an account the caller manages (others
// answer not found). A stale version answers ErrPreconditionFailed; a role
// the caller may not grant answers forbidden; an admin cannot disable or
// demote their own account. Raising an account to a role that needs
// approval leaves it in its current role with pending_role; re-enabling
// such an account makes it pending; a pending account gets no password
// here (409 naming password). Disabling hands the account's cases over to
// ReassignTo or leaves them unassigned. See plan for the details.
func (s *Service) Update(ctx context.Context, id uuid.UUID, expected int, p Patch) (User, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	if err := validatePatch(p); err != nil {
		return User{}, err
	}
	var out User
	deniedGrant := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var r row
		if err := tx.Raw(selectUser+` WHERE id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return err
		}
		// Accounts the caller may not manage are invisible.
		if r.ID == uuid.Nil || !MayGrant(caller, r.Role, r.OrganizationID) {
			return apperr.NotFound("user")
		}
		if p.Role != nil && !MayGrant(caller, *p.Role, r.OrganizationID) {
			deniedGrant = true
			return apperr.Forbidden("your role may not grant this role in this organization")
		}
		if r.Version != expected {
			return web.Stale()
		}
		if p.Role != nil {
			if err := roleFits(tx, *p.Role, r.OrganizationID); err != nil {
				return err
			}
		}
		if r.ID == caller.UserID && ((p.Disabled != nil && *p.Disabled) || (p.Role != nil && *p.Role != r.Role)) {
			return apperr.Conflict("you cannot disable or change the role of your own account")
		}
		c, err := plan(caller, r, p)
		if err != nil {
			return err
		}
		if p.Password != nil {
			if c.sets["password_hash"], err = s.hasher.Hash(ctx, *p.Password); err != nil {
				return err
			}
		}
		if out, err = c.apply(ctx, tx, caller.UserID, r, p.ReassignTo); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.update", "user", id.String(), audit.Success)
	})
	if deniedGrant {
		s.denied(ctx, "user.update")
	}
	if err != nil {
		return User{}, apperr.Wrap(err)
	}
	return out, nil
}
