// Package reqctx carries who is calling and the request's metadata through a
// context.Context, so that services and the audit trail below the HTTP layer
// never see echo.
package reqctx

import (
	"context"

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
}

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
