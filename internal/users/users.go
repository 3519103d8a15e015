// Package users owns accounts and who may grant what: the system admin
// manages the accounts of admins, org admins, coordinators and auditors;
// each organization's org admin manages its own caseworkers and
// supervisors. A password set by an admin is one-time. Every grant is
// audited, and changing a role, disabling an account or resetting its
// password ends its sessions at once.
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
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
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
	Version            int       `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// CreateInput is the body of POST /users.
type CreateInput struct {
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role"`
	OrganizationID uuid.UUID `json:"organization_id"`
	Password       string    `json:"password"`
}

// Patch is the merge patch of PATCH /users/{id}. A password here is a reset:
// one-time, like at creation.
type Patch struct {
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
	Version  *int    `json:"version"`
}

type row struct {
	ID                 uuid.UUID
	Email              string
	Name               string
	Role               string
	OrganizationID     uuid.UUID
	MustChangePassword bool
	Disabled           bool
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const selectUser = `SELECT id, email, name, role, organization_id, must_change_password,
	disabled_at IS NOT NULL AS disabled, version, created_at, updated_at FROM users`

func toUser(r row) User {
	return User{ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, OrganizationID: r.OrganizationID,
		MustChangePassword: r.MustChangePassword, Disabled: r.Disabled, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// grantable lists the roles each admin role may grant.
var grantable = map[string][]string{
	authz.RoleAdmin:    {authz.RoleAdmin, authz.RoleOrgAdmin, authz.RoleCoordinator, authz.RoleAuditor},
	authz.RoleOrgAdmin: {authz.RoleCaseworker, authz.RoleSupervisor},
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
}

// List returns the accounts the caller manages, newest first: an org admin
// sees its organization's accounts, the system admin every account.
func (s *Service) List(ctx context.Context, f Filter, p web.Page) (web.List[User], error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	if f.Role != "" && !authz.IsRole(f.Role) {
		return web.List[User]{}, apperr.Invalid("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	}
	q := s.db.WithContext(ctx).Raw(selectUser+` WHERE (?::uuid IS NULL OR organization_id = ?::uuid)
		AND (? = '' OR role = ?)
		AND (?::uuid IS NULL OR organization_id = ?::uuid)
		AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?::uuid))
		ORDER BY created_at DESC, id DESC LIMIT ?`,
		nullUUID(f.OrganizationID), nullUUID(f.OrganizationID), f.Role, f.Role,
		scopeOrg(caller), scopeOrg(caller),
		nullTime(p), nullTime(p), nullUUID(p.AfterID), p.Limit+1)
	var rows []row
	if err := q.Scan(&rows).Error; err != nil {
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

func nullTime(p web.Page) *time.Time {
	if !p.HasCursor() {
		return nil
	}
	return &p.AfterTime
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && len(s) <= 254
}

// Create opens an account with a one-time password. The caller must be
// allowed to grant the role in that organization (403 otherwise); a taken
// e-mail answers a conflict naming email.
func (s *Service) Create(ctx context.Context, in CreateInput) (User, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	email := auth.NormalizeEmail(in.Email)
	var v apperr.Validation
	if !validEmail(email) {
		v.Add("email", "must be an e-mail address")
	}
	if n := strings.TrimSpace(in.Name); n == "" || len([]rune(n)) > 200 {
		v.Add("name", "is required, at most 200 characters")
	}
	if !authz.IsRole(in.Role) {
		v.Add("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	}
	if in.OrganizationID == uuid.Nil {
		v.Add("organization_id", "is required")
	}
	if reason := passwd.Acceptable(in.Password, auth.DemoPassword); reason != "" {
		v.Add("password", reason)
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	if !MayGrant(caller, in.Role, in.OrganizationID) {
		s.denied(ctx, "user.create")
		return User{}, apperr.Forbidden("your role may not grant this role in this organization")
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, apperr.Internal(err)
	}
	var r row
	err = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var exists bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?)`, in.OrganizationID).Scan(&exists).Error; err != nil {
			return err
		}
		if !exists {
			return apperr.Invalid("organization_id", "names no organization")
		}
		if err := tx.Raw(`INSERT INTO users (email, name, role, organization_id, password_hash, must_change_password)
			VALUES (?, ?, ?, ?, ?, true) RETURNING id, email, name, role, organization_id, must_change_password,
			false AS disabled, version, created_at, updated_at`,
			email, strings.TrimSpace(in.Name), in.Role, in.OrganizationID, hash).Scan(&r).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.create", "user", r.ID.String(), audit.Success)
	})
	if database.IsCode(err, database.CodeUniqueViolation) {
		return User{}, apperr.Conflict("an account with this e-mail exists", "email")
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return User{}, err
		}
		return User{}, apperr.Internal(err)
	}
	return toUser(r), nil
}

func (s *Service) denied(ctx context.Context, action string) {
	_ = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, auth.ActionDenied, "user", action, audit.Denied)
	})
}

// Update applies a merge patch to an account the caller manages (others
// answer not found). A stale version answers ErrPreconditionFailed; a role
// the caller may not grant answers forbidden; an admin cannot disable or
// demote their own account.
func (s *Service) Update(ctx context.Context, id uuid.UUID, expected int, p Patch) (User, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	var v apperr.Validation
	if p.Name != nil {
		if n := strings.TrimSpace(*p.Name); n == "" || len([]rune(n)) > 200 {
			v.Add("name", "is required, at most 200 characters")
		}
	}
	if p.Role != nil && !authz.IsRole(*p.Role) {
		v.Add("role", "must be one of: "+strings.Join(authz.Roles, ", "))
	}
	if p.Password != nil {
		if reason := passwd.Acceptable(*p.Password, auth.DemoPassword); reason != "" {
			v.Add("password", reason)
		}
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	var hash string
	if p.Password != nil {
		// Authorized before the costly hash; the transaction checks again.
		if err := s.mayUpdate(ctx, caller, id, p); err != nil {
			return User{}, err
		}
		var err error
		if hash, err = s.hasher.Hash(ctx, *p.Password); err != nil {
			return User{}, apperr.Internal(err)
		}
	}
	var out User
	deniedGrant := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var r row
		err := tx.Raw(selectUser+` WHERE id = ? FOR UPDATE`, id).Scan(&r).Error
		if err != nil {
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
		if r.ID == caller.UserID && ((p.Disabled != nil && *p.Disabled) || (p.Role != nil && *p.Role != r.Role)) {
			return apperr.Conflict("you cannot disable or change the role of your own account")
		}
		endSessions := false
		sets := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()")}
		if p.Name != nil {
			sets["name"] = strings.TrimSpace(*p.Name)
		}
		if p.Role != nil && *p.Role != r.Role {
			sets["role"] = *p.Role
			endSessions = true
		}
		if p.Disabled != nil && *p.Disabled != r.Disabled {
			if *p.Disabled {
				sets["disabled_at"] = gorm.Expr("now()")
				endSessions = true
			} else {
				sets["disabled_at"] = nil
			}
		}
		if p.Password != nil {
			sets["password_hash"] = hash
			sets["must_change_password"] = true
			sets["password_changed_at"] = gorm.Expr("now()")
			endSessions = true
		}
		if err := tx.Table("users").Where("id = ?", id).Updates(sets).Error; err != nil {
			return err
		}
		if endSessions {
			if err := tx.Exec(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'account_changed'
				WHERE user_id = ? AND revoked_at IS NULL`, id).Error; err != nil {
				return err
			}
		}
		if err := tx.Raw(selectUser+` WHERE id = ?`, id).Scan(&r).Error; err != nil {
			return err
		}
		out = toUser(r)
		return audit.Record(ctx, tx, "user.update", "user", id.String(), audit.Success)
	})
	if deniedGrant {
		s.denied(ctx, "user.update")
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return User{}, err
		}
		return User{}, apperr.Internal(err)
	}
	return out, nil
}

// mayUpdate answers, without locking, whether the caller may apply p to
// account id: not found when the caller may not manage it, forbidden
// (audited) for a role the caller may not grant.
func (s *Service) mayUpdate(ctx context.Context, caller reqctx.Principal, id uuid.UUID, p Patch) error {
	var r row
	if err := s.db.WithContext(ctx).Raw(selectUser+` WHERE id = ?`, id).Scan(&r).Error; err != nil {
		return apperr.Internal(err)
	}
	if r.ID == uuid.Nil || !MayGrant(caller, r.Role, r.OrganizationID) {
		return apperr.NotFound("user")
	}
	if p.Role != nil && !MayGrant(caller, *p.Role, r.OrganizationID) {
		s.denied(ctx, "user.update")
		return apperr.Forbidden("your role may not grant this role in this organization")
	}
	return nil
}
