// Package reqctx carries who is calling and the request's metadata through a
// context.Context, so that services and the audit trail below the HTTP layer
// never see echo.
package reqctx

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// Meta is what the audit trail records about a request.
type Meta struct {
	RequestID string
	ClientIP  string
	UserAgent string
}

// Principal is the signed-in caller.
type Principal struct {
	UserID             uuid.UUID
	OrganizationID     uuid.UUID
	SessionID          uuid.UUID
	Role               string
	MustChangePassword bool
	// MustEnrollMFA is set while a second factor is required and the
	// account has none.
	MustEnrollMFA bool
	// SessionPending is set on a route that checks the session inside its
	// own transaction (web.SessionInTx): the principal is what the
	// verified access token says, not yet confirmed against the session.
	// Only the pipelined paths that read the session first (SessionCheckSQL)
	// accept it; everything else answers ErrSessionUnconfirmed, upon which
	// the router authenticates the caller in full and calls the handler
	// again.
	SessionPending bool
	// MFARequired is the server's setting, for SessionCheckSQL.
	MFARequired bool
}

// ErrSessionUnconfirmed reports that a principal's session is still to be
// checked (Principal.SessionPending), or that the check inside the
// request's transaction did not confirm it: nothing was committed, and the
// router authenticates the caller in full before answering.
var ErrSessionUnconfirmed = errors.New("reqctx: session not confirmed")

type confirmKey struct{}

// WithSessionConfirmation returns ctx in which ConfirmSession records that
// the pending principal's session was confirmed, and a function that tells
// whether it was.
func WithSessionConfirmation(ctx context.Context) (context.Context, func() bool) {
	confirmed := new(bool)
	return context.WithValue(ctx, confirmKey{}, confirmed), func() bool { return *confirmed }
}

// ConfirmSession records, in a ctx of WithSessionConfirmation, that
// SessionCheckSQL found the pending principal's session live.
func ConfirmSession(ctx context.Context) {
	if c, ok := ctx.Value(confirmKey{}).(*bool); ok {
		*c = true
	}
}

// SessionCheckSQL confirms a pending principal's session as the first
// statement of its transaction and sets the transaction's row-level
// security scope from it: one row when the session $1 of user $2 is live,
// still of organization $3 with role $4, its account enabled with the same
// organization and role, and needing neither a new password nor (when $5,
// the second factor is required) a second factor; no row otherwise, and
// then no scope (row-level security shows nothing) and the caller rolls
// back. The same conditions as the session check of every other request.
const SessionCheckSQL = `SELECT set_config('jardam.org_id', s.organization_id::text, true),
	set_config('jardam.user_id', s.user_id::text, true)
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id = $1 AND s.user_id = $2 AND s.organization_id = $3 AND s.role = $4
	  AND s.revoked_at IS NULL AND s.expires_at > now()
	  AND u.disabled_at IS NULL AND u.role = s.role AND u.organization_id = s.organization_id
	  AND NOT u.must_change_password
	  AND NOT ($5::boolean AND NOT EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL))`

type metaKey struct{}
type principalKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata of ctx, or the zero Meta.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the signed-in caller of ctx; ok is false for an
// anonymous request.
func PrincipalFrom(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type standbyKey struct{}

// WithStandbyRead returns ctx marking a request whose route reads only
// what a standby holds (the stored releases of ended periods), so that its
// session may be checked on the standby while the primary is away.
func WithStandbyRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, standbyKey{}, true)
}

// StandbyRead reports whether ctx is marked by WithStandbyRead.
func StandbyRead(ctx context.Context) bool {
	v, _ := ctx.Value(standbyKey{}).(bool)
	return v
}
