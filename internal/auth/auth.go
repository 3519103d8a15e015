// Package auth owns sign-in: password checks, throttling of failed
// sign-ins, sessions, access and refresh tokens, the caller's own account
// (/me, password change), and the guard every protected route passes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// DemoPassword is the password of the demo accounts. Production refuses to
// start while an account has it, and no account may choose it.
const DemoPassword = "jardam-demo-2025"

// Audit actions of this package.
const (
	ActionLogin          = "auth.login"
	ActionLoginFailed    = "auth.login_failed"
	ActionLoginThrottled = "auth.login_throttled"
	ActionRefresh        = "auth.refresh"
	ActionRefreshReuse   = "auth.refresh_reuse"
	ActionLogout         = "auth.logout"
	ActionDenied         = "authz.denied"
	ActionPasswordChange = "self.password_change"
)

// Settings tune sign-in.
type Settings struct {
	RefreshTTL       time.Duration
	SessionMaxAge    time.Duration
	FailuresPerEmail int
	FailuresPerIP    int
	Window           time.Duration
	// MFARequired makes every account enroll a second factor before any
	// route but its own account and enrollment answers.
	MFARequired bool
	// SecretKeys wraps the data keys that seal TOTP secrets (the master
	// key).
	SecretKeys jcrypto.KeyWrapper
}

// Service implements sign-in and the route guard.
type Service struct {
	db       *gorm.DB
	tokens   *authn.Tokens
	hasher   *passwd.Hasher
	enforcer *authz.Enforcer
	set      Settings
	log      *slog.Logger
	// Replica, when set, is the standby on which the sessions of reads of
	// stored releases are checked while the primary is away.
	Replica *database.Replica
	// Spool, when set, keeps the audit entries of denials while the
	// primary is away.
	Spool *audit.Spool
	// GrantableRoles lists the roles an account of a role may grant (the
	// account rules of internal/users); shown in Me. Nil grants none.
	GrantableRoles func(role, orgKind string) []string
}

// NewService returns the sign-in service.
func NewService(db *gorm.DB, tokens *authn.Tokens, hasher *passwd.Hasher, enforcer *authz.Enforcer, set Settings, log *slog.Logger) *Service {
	if set.SessionMaxAge == 0 {
		set.SessionMaxAge = set.RefreshTTL
	}
	return &Service{db: db, tokens: tokens, hasher: hasher, enforcer: enforcer, set: set, log: log}
}

// TokenPair is the answer to sign-in and refresh.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

var errBadCredentials = apperr.Unauthorized("the e-mail or password is not correct")

// errAwaitingApproval answers every sign-in to an account that waits for a
// second person's approval, whatever the password, so that the answer
// tells nothing of it.
var errAwaitingApproval = apperr.Forbidden("this account awaits a second person's approval")

type userRow struct {
	ID                 uuid.UUID
	OrganizationID     uuid.UUID
	Email              string
	Role               string
	PasswordHash       string
	MustChangePassword bool
	Disabled           bool
	MFAEnabled         bool
	Pending            bool
}

// NormalizeEmail is the form e-mails are stored and compared in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func throttleKey(scope, v string) []byte {
	h := sha256.Sum256([]byte("jardam-login-throttle\x00" + scope + "\x00" + v))
	return h[:]
}

// Login checks e-mail and password and opens a session, or, when the
// account has a second factor, answers a challenge (LoginResult.MFA) to
// complete with CompleteMFA. Unknown e-mails, wrong passwords and disabled
// accounts answer the same unauthorized error after the same work; an
// account awaiting approval answers forbidden after the same work and
// counts as a failure, whatever the password; too many failures for the
// submitted e-mail or the client address answer ErrTooManyRequests with a
// retry delay.
func (s *Service) Login(ctx context.Context, email, password string) (LoginResult, error) {
	norm := NormalizeEmail(email)
	keys := throttleKeysFor(ctx, norm)
	if err := s.checkThrottle(ctx, keys, ActionLoginThrottled); err != nil {
		return LoginResult{}, err
	}
	var u userRow
	err := s.db.WithContext(ctx).Raw(`SELECT id, organization_id, email, role, password_hash, must_change_password,
		disabled_at IS NOT NULL AS disabled, status = 'pending_approval' AS pending,
		EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = users.id AND f.confirmed_at IS NOT NULL) AS mfa_enabled
		FROM users WHERE email = ?`, norm).Scan(&u).Error
	if err != nil {
		return LoginResult{}, apperr.Internal(err)
	}
	hash := u.PasswordHash
	if u.ID == uuid.Nil || u.Disabled {
		hash = ""
	}
	verr := s.hasher.Verify(ctx, password, hash)
	if verr != nil && !errors.Is(verr, passwd.ErrMismatch) {
		return LoginResult{}, apperr.Internal(verr)
	}
	if verr != nil {
		err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
			return s.recordFailure(ctx, tx, keys, &u, ActionLoginFailed)
		})
		if err != nil {
			return LoginResult{}, apperr.Internal(err)
		}
		if u.Pending {
			return LoginResult{}, errAwaitingApproval
		}
		return LoginResult{}, errBadCredentials
	}
	if u.MFAEnabled {
		ch, err := s.challenge(ctx, u)
		if err != nil {
			return LoginResult{}, apperr.Internal(err)
		}
		return LoginResult{MFA: &ch}, nil
	}
	var pair TokenPair
	err = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		pair, err = s.openSession(ctx, tx, u, keys, ActionLogin)
		return err
	})
	if err != nil {
		return LoginResult{}, apperr.Internal(err)
	}
	return LoginResult{Pair: pair}, nil
}

// LoginResult is the answer to a right password: the tokens, or, when the
// account has a second factor, the challenge to answer with a code.
type LoginResult struct {
	Pair TokenPair
	MFA  *MFAChallenge
}

// throttleKeys are the hashed keys failed sign-ins are counted under.
type throttleKeys struct{ email, ip []byte }

func throttleKeysFor(ctx context.Context, normEmail string) throttleKeys {
	return throttleKeys{throttleKey("email", normEmail), throttleKey("ip", reqctx.MetaFrom(ctx).ClientIP)}
}

// checkThrottle answers ErrTooManyRequests, audited as action, while the
// e-mail or the client address has too many recent failures.
func (s *Service) checkThrottle(ctx context.Context, k throttleKeys, action string) error {
	wait, err := s.throttled(ctx, k.email, k.ip)
	if err != nil {
		return err
	}
	if wait == 0 {
		return nil
	}
	_ = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		return audit.RecordEntry(ctx, tx, audit.Entry{Action: action, ObjectType: "session", Outcome: audit.Denied})
	})
	return apperr.TooMany("too many failed sign-ins; try again later", wait)
}

// recordFailure counts a failed sign-in step against the e-mail and the
// client address and audits it as action (on the account when known).
func (s *Service) recordFailure(ctx context.Context, tx *gorm.DB, k throttleKeys, u *userRow, action string) error {
	for _, t := range []struct {
		scope string
		key   []byte
	}{{"email", k.email}, {"ip", k.ip}} {
		if err := tx.Exec(`INSERT INTO login_throttle (scope, key_hash, window_start, failures)
			VALUES (?, ?, now(), 1)
			ON CONFLICT (scope, key_hash) DO UPDATE SET
			  failures = CASE WHEN login_throttle.window_start < now() - make_interval(secs => ?) THEN 1 ELSE login_throttle.failures + 1 END,
			  window_start = CASE WHEN login_throttle.window_start < now() - make_interval(secs => ?) THEN now() ELSE login_throttle.window_start END`,
			t.scope, t.key, s.set.Window.Seconds(), s.set.Window.Seconds()).Error; err != nil {
			return err
		}
	}
	e := audit.Entry{Action: action, ObjectType: "session", Outcome: audit.Failure}
	if u.ID != uuid.Nil {
		id, org := u.ID, u.OrganizationID
		e.ActorID, e.OrganizationID, e.Role = &id, &org, u.Role
	}
	return audit.RecordEntry(ctx, tx, e)
}

// openSession starts a session for u, clears the e-mail's failed sign-ins
// and audits the sign-in as action.
func (s *Service) openSession(ctx context.Context, tx *gorm.DB, u userRow, k throttleKeys, action string) (TokenPair, error) {
	sid := uuid.New()
	if err := tx.Exec(`INSERT INTO sessions (id, user_id, role, organization_id, expires_at)
		VALUES (?, ?, ?, ?, now() + make_interval(secs => ?))`, sid, u.ID, u.Role, u.OrganizationID, s.set.SessionMaxAge.Seconds()).Error; err != nil {
		return TokenPair{}, err
	}
	if err := tx.Exec(`DELETE FROM login_throttle WHERE scope = 'email' AND key_hash = ?`, k.email).Error; err != nil {
		return TokenPair{}, err
	}
	pair, err := s.issue(tx, u.ID, sid)
	if err != nil {
		return TokenPair{}, err
	}
	id, org := u.ID, u.OrganizationID
	return pair, audit.RecordEntry(ctx, tx, audit.Entry{ActorID: &id, OrganizationID: &org, Role: u.Role,
		Action: action, ObjectType: "session", ObjectID: sid.String(), Outcome: audit.Success})
}

// throttled returns how long the caller must wait, or zero.
func (s *Service) throttled(ctx context.Context, emailKey, ipKey []byte) (time.Duration, error) {
	type row struct {
		Scope    string
		Failures int
		Until    time.Time
	}
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT scope, failures, window_start + make_interval(secs => ?) AS until
		FROM login_throttle
		WHERE ((scope = 'email' AND key_hash = ?) OR (scope = 'ip' AND key_hash = ?))
		  AND window_start > now() - make_interval(secs => ?)`,
		s.set.Window.Seconds(), emailKey, ipKey, s.set.Window.Seconds()).Scan(&rows).Error
	if err != nil {
		return 0, apperr.Internal(err)
	}
	var wait time.Duration
	for _, r := range rows {
		limit := s.set.FailuresPerEmail
		if r.Scope == "ip" {
			limit = s.set.FailuresPerIP
		}
		if r.Failures >= limit {
			if d := time.Until(r.Until); d > wait {
				wait = d
			}
		}
	}
	if wait < 0 {
		wait = 0
	}
	return wait, nil
}

func hashRefresh(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func (s *Service) issue(tx *gorm.DB, userID, sessionID uuid.UUID) (TokenPair, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return TokenPair{}, err
	}
	refresh := base64.RawURLEncoding.EncodeToString(b)
	var sess struct {
		OrganizationID uuid.UUID
		Role           string
	}
	if err := tx.Raw(`WITH s AS (SELECT organization_id, role, expires_at FROM sessions WHERE id = ?),
		t AS (INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
			SELECT ?, ?, least(now() + make_interval(secs => ?), s.expires_at) FROM s)
		SELECT organization_id, role FROM s`,
		sessionID, sessionID, hashRefresh(refresh), s.set.RefreshTTL.Seconds()).Scan(&sess).Error; err != nil {
		return TokenPair{}, err
	}
	access, err := s.tokens.Issue(userID, sessionID, sess.OrganizationID, sess.Role)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.tokens.TTL().Seconds()), RefreshToken: refresh}, nil
}

var errBadRefresh = apperr.Unauthorized("the refresh token is invalid or expired")

// Refresh spends a refresh token and returns a new pair. A token presented a
// second time revokes its whole session (the family) and answers
// unauthorized, as does a token of a revoked session or disabled account.
func (s *Service) Refresh(ctx context.Context, refresh string) (TokenPair, error) {
	if refresh == "" {
		return TokenPair{}, errBadRefresh
	}
	var pair TokenPair
	reused := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var r struct {
			ID             uuid.UUID
			SessionID      uuid.UUID
			Used           bool
			Expired        bool
			UserID         uuid.UUID
			OrganizationID uuid.UUID
			Role           string
			Valid          bool
		}
		err := tx.Raw(`SELECT t.id, t.session_id, t.used_at IS NOT NULL AS used, t.expires_at <= now() AS expired,
				s.user_id, s.organization_id, s.role,
				(s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL
				 AND u.role = s.role AND u.organization_id = s.organization_id) AS valid
			FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
			WHERE t.token_hash = ? FOR UPDATE OF t, s`, hashRefresh(refresh)).Scan(&r).Error
		if err != nil {
			return err
		}
		if r.ID == uuid.Nil {
			return errBadRefresh
		}
		uid, org := r.UserID, r.OrganizationID
		actor := audit.Entry{ActorID: &uid, OrganizationID: &org, Role: r.Role, ObjectType: "session", ObjectID: r.SessionID.String()}
		if r.Used {
			reused = true
			if err := tx.Exec(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse'
				WHERE id = ? AND revoked_at IS NULL`, r.SessionID).Error; err != nil {
				return err
			}
			actor.Action, actor.Outcome = ActionRefreshReuse, audit.Denied
			return audit.RecordEntry(ctx, tx, actor)
		}
		if r.Expired || !r.Valid {
			return errBadRefresh
		}
		if err := tx.Exec(`UPDATE refresh_tokens SET used_at = now() WHERE id = ?`, r.ID).Error; err != nil {
			return err
		}
		pair, err = s.issue(tx, r.UserID, r.SessionID)
		if err != nil {
			return err
		}
		actor.Action, actor.Outcome = ActionRefresh, audit.Success
		return audit.RecordEntry(ctx, tx, actor)
	})
	if reused {
		return TokenPair{}, errBadRefresh
	}
	if err != nil {
		return TokenPair{}, apperr.Wrap(err)
	}
	return pair, nil
}

// Logout revokes the session of the refresh token and, when given, of the
// access token's session. It answers unauthorized when neither names a
// session.
func (s *Service) Logout(ctx context.Context, refresh, access string) error {
	var sessions []uuid.UUID
	if refresh != "" {
		var r struct{ SessionID uuid.UUID }
		if err := s.db.WithContext(ctx).Raw(`SELECT session_id FROM refresh_tokens WHERE token_hash = ?`, hashRefresh(refresh)).Scan(&r).Error; err != nil {
			return apperr.Internal(err)
		}
		if r.SessionID != uuid.Nil {
			sessions = append(sessions, r.SessionID)
		}
	}
	if access != "" {
		if _, sid, err := s.tokens.Parse(access); err == nil {
			sessions = append(sessions, sid)
		}
	}
	if len(sessions) == 0 {
		return errBadRefresh
	}
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		for _, sid := range sessions {
			var r struct {
				UserID         uuid.UUID
				OrganizationID uuid.UUID
				Role           string
			}
			if err := tx.Raw(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'
				WHERE id = ? AND revoked_at IS NULL RETURNING user_id, organization_id, role`, sid).Scan(&r).Error; err != nil {
				return err
			}
			if r.UserID == uuid.Nil {
				continue
			}
			uid, org := r.UserID, r.OrganizationID
			if err := audit.RecordEntry(ctx, tx, audit.Entry{ActorID: &uid, OrganizationID: &org, Role: r.Role,
				Action: ActionLogout, ObjectType: "session", ObjectID: sid.String(), Outcome: audit.Success}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return apperr.Internal(err)
	}
	return nil
}

var errBadToken = apperr.Unauthorized("the access token is invalid or expired")

// Authenticate checks an access token and its session: the session must be
// live, the account enabled, and its role and organization unchanged since
// sign-in.
func (s *Service) Authenticate(ctx context.Context, token string) (reqctx.Principal, error) {
	uid, sid, err := s.tokens.Parse(token)
	if err != nil {
		return reqctx.Principal{}, errBadToken
	}
	r, err := s.session(ctx, s.db, uid, sid)
	if database.IsUnavailable(err) && reqctx.StandbyRead(ctx) && s.Replica.MayCheckSessions() {
		// The primary is away: a read of stored releases checks the
		// session on the standby, which held every revocation the primary
		// had committed up to JARDAM_REPLICA_MAX_LAG before it went away
		// (docs/adr/0014).
		r, err = s.session(ctx, s.Replica.DB, uid, sid)
	}
	if err != nil {
		return reqctx.Principal{}, apperr.Internal(err)
	}
	if r.Role == "" {
		return reqctx.Principal{}, errBadToken
	}
	return reqctx.Principal{UserID: uid, OrganizationID: r.OrganizationID, SessionID: sid, Role: r.Role,
		MustChangePassword: r.MustChangePassword, MustEnrollMFA: r.MustEnrollMFA}, nil
}

// Claimed returns the caller a verified access token names, for a route
// that checks the session inside its own transaction (web.SessionInTx):
// SessionPending, with the organization and role the token carries; false
// for a token that is not accepted or carries neither.
func (s *Service) Claimed(token string) (reqctx.Principal, bool) {
	c, err := s.tokens.ParseClaims(token)
	if err != nil || c.OrganizationID == uuid.Nil || c.Role == "" {
		return reqctx.Principal{}, false
	}
	return reqctx.Principal{UserID: c.UserID, OrganizationID: c.OrganizationID, SessionID: c.SessionID, Role: c.Role,
		SessionPending: true, MFARequired: s.set.MFARequired}, true
}

// sessionRow is what Authenticate reads of a live session.
type sessionRow struct {
	OrganizationID     uuid.UUID
	Role               string
	MustChangePassword bool
	MustEnrollMFA      bool
}

// session reads the live session sid of user uid on db; Role is empty
// when there is none.
func (s *Service) session(ctx context.Context, db *gorm.DB, uid, sid uuid.UUID) (sessionRow, error) {
	var r sessionRow
	err := db.WithContext(ctx).Raw(`SELECT s.organization_id, s.role, u.must_change_password,
		(?::boolean AND NOT EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)) AS must_enroll_mfa
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > now()
		  AND u.disabled_at IS NULL AND u.role = s.role AND u.organization_id = s.organization_id`, s.set.MFARequired, sid, uid).Scan(&r).Error
	return r, err
}

// Allowed reports whether role may do p.
func (s *Service) Allowed(role string, p authz.Permission) bool { return s.enforcer.Allowed(role, p) }

// Denied records an authorization denial.
func (s *Service) Denied(ctx context.Context, p authz.Permission) {
	err := audit.RecordDurably(ctx, s.db, s.Spool, ActionDenied, p.Resource, p.String(), audit.Denied)
	if err != nil {
		s.log.Error("audit denial", slog.String("request_id", reqctx.MetaFrom(ctx).RequestID), slog.String("error", err.Error()))
	}
}

// LocalizedName is a name in Russian, Kyrgyz and English.
type LocalizedName struct {
	RU string `json:"ru"`
	KY string `json:"ky"`
	EN string `json:"en"`
}

// OrganizationRef is the caller's organization as /me shows it.
type OrganizationRef struct {
	ID     uuid.UUID     `json:"id"`
	Code   string        `json:"code"`
	Name   LocalizedName `json:"name"`
	Kind   string        `json:"kind"`
	Region string        `json:"region"`
}

// Me is the signed-in caller's account.
type Me struct {
	ID           uuid.UUID       `json:"id"`
	Email        string          `json:"email"`
	Name         string          `json:"name"`
	Role         string          `json:"role"`
	Organization OrganizationRef `json:"organization"`
	Permissions  []string        `json:"permissions"`
	// GrantableRoles are the roles the caller may give an account.
	GrantableRoles     []string `json:"grantable_roles"`
	MustChangePassword bool     `json:"must_change_password"`
	// MFAEnabled is true while the account has a confirmed second factor.
	MFAEnabled bool `json:"mfa_enabled"`
	// MFARequired is true when every account must have a second factor.
	MFARequired bool `json:"mfa_required"`
	// Locale is the language the person chose (ru, ky, en); null until
	// they choose.
	Locale *string `json:"locale"`
}

// Me returns the caller's account, organization and permissions.
func (s *Service) Me(ctx context.Context) (Me, error) {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return Me{}, errBadToken
	}
	var r struct {
		ID                 uuid.UUID
		Email, Name, Role  string
		MustChangePassword bool
		MFAEnabled         bool
		OrgID              uuid.UUID
		Code               string
		NameRu, NameKy     string
		NameEn             string
		Kind, Region       string
		Locale             *string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT u.id, u.email, u.name, u.role, u.must_change_password, u.locale,
		EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS mfa_enabled,
		o.id AS org_id, o.code, o.name_ru, o.name_ky, o.name_en, o.kind, o.region
		FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.id = ?`, p.UserID).Scan(&r).Error
	if err != nil {
		return Me{}, apperr.Internal(err)
	}
	if r.ID == uuid.Nil {
		return Me{}, errBadToken
	}
	grantable := []string{}
	if s.GrantableRoles != nil {
		grantable = s.GrantableRoles(r.Role, r.Kind)
	}
	return Me{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, MustChangePassword: r.MustChangePassword,
		MFAEnabled: r.MFAEnabled, MFARequired: s.set.MFARequired, Locale: r.Locale,
		Organization: OrganizationRef{ID: r.OrgID, Code: r.Code, Name: LocalizedName{r.NameRu, r.NameKy, r.NameEn}, Kind: r.Kind, Region: r.Region},
		Permissions:  s.enforcer.PermissionsOf(r.Role), GrantableRoles: grantable,
	}, nil
}

// ChangePassword replaces the caller's password after checking the current
// one, clears must_change_password and ends the caller's other sessions.
// A wrong current password answers a validation error on current_password.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return errBadToken
	}
	var v apperr.Validation
	if current == "" {
		v.Add("current_password", "is required")
	}
	if reason := passwd.Acceptable(next, DemoPassword); reason != "" {
		v.Add("new_password", reason)
	} else if next == current {
		v.Add("new_password", "must differ from the current password")
	}
	if err := v.Err(); err != nil {
		return err
	}
	var hash string
	if err := s.db.WithContext(ctx).Raw(`SELECT password_hash FROM users WHERE id = ?`, p.UserID).Scan(&hash).Error; err != nil {
		return apperr.Internal(err)
	}
	if err := s.hasher.Verify(ctx, current, hash); err != nil {
		if errors.Is(err, passwd.ErrMismatch) {
			return apperr.Invalid("current_password", "is not correct")
		}
		return apperr.Internal(err)
	}
	newHash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return apperr.Internal(err)
	}
	err = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET password_hash = ?, must_change_password = false, password_changed_at = now(),
			updated_at = now(), version = version + 1 WHERE id = ?`, newHash, p.UserID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'password_change'
			WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, p.UserID, p.SessionID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionPasswordChange, "user", p.UserID.String(), audit.Success)
	})
	if err != nil {
		return apperr.Internal(err)
	}
	return nil
}

func requiredErr(fields ...string) error {
	var v apperr.Validation
	for _, f := range fields {
		v.Add(f, "is required")
	}
	return v.Err()
}
