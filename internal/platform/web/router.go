package web

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Guard authenticates callers and records denials; the auth package
// implements it.
type Guard interface {
	// Authenticate returns the caller of a bearer token, or an
	// unauthorized error.
	Authenticate(ctx context.Context, token string) (reqctx.Principal, error)
	// Allowed reports whether role may do p.
	Allowed(role string, p authz.Permission) bool
	// Denied records an authorization denial in the audit trail.
	Denied(ctx context.Context, p authz.Permission)
}

// Route describes a registered route and what it needs.
type Route struct {
	Method string
	Path   string
	// Permission is the permission the route needs; nil only for public
	// routes.
	Permission *authz.Permission
	Public     bool
	// DuringPasswordChange marks the few routes an account that must change
	// its password may still call.
	DuringPasswordChange bool
	// DuringMFAEnrollment marks the few routes an account that must enroll
	// a second factor may still call.
	DuringMFAEnrollment bool
}

// Router registers routes, each with the permission it needs declared at
// registration.
type Router struct {
	e      *echo.Echo
	guard  Guard
	routes []Route
}

// NewRouter returns a router on e guarded by g.
func NewRouter(e *echo.Echo, g Guard) *Router { return &Router{e: e, guard: g} }

// Routes lists the registered routes.
func (r *Router) Routes() []Route { return append([]Route(nil), r.routes...) }

// Public registers a route anyone may call. Keep this list short: it is
// checked against an explicit allowlist by a test.
func (r *Router) Public(method, path string, h echo.HandlerFunc) {
	r.routes = append(r.routes, Route{Method: method, Path: path, Public: true})
	r.e.Add(method, path, h)
}

// RouteOption adjusts a route.
type RouteOption func(*Route)

// DuringPasswordChange lets an account that must change its password call
// the route.
func DuringPasswordChange() RouteOption { return func(rt *Route) { rt.DuringPasswordChange = true } }

// DuringMFAEnrollment lets an account that must enroll a second factor
// call the route.
func DuringMFAEnrollment() RouteOption { return func(rt *Route) { rt.DuringMFAEnrollment = true } }

// MFAEnrollmentRoute is the route an account without a required second
// factor is sent to.
const MFAEnrollmentRoute = "POST /api/v1/me/mfa/totp"

// Handle registers a route that needs a signed-in caller whose role has
// perm. Checks run in order: 401 without a valid token, 403 when the role
// lacks perm (audited), the account must change its password first, or it
// must enroll a second factor first (the detail names the enrollment route).
func (r *Router) Handle(method, path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) {
	rt := Route{Method: method, Path: path, Permission: &perm}
	for _, o := range opts {
		o(&rt)
	}
	r.routes = append(r.routes, rt)
	r.e.Add(method, path, r.guarded(rt, h))
}

func (r *Router) guarded(rt Route, h echo.HandlerFunc) echo.HandlerFunc {
	perm := *rt.Permission
	return func(c echo.Context) error {
		token, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="jardam"`)
			return apperr.Unauthorized("a bearer token is required")
		}
		ctx := c.Request().Context()
		p, err := r.guard.Authenticate(ctx, token)
		if err != nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="jardam", error="invalid_token"`)
			return err
		}
		ctx = reqctx.WithPrincipal(ctx, p)
		c.SetRequest(c.Request().WithContext(ctx))
		if !r.guard.Allowed(p.Role, perm) {
			r.guard.Denied(ctx, perm)
			return apperr.Forbidden("your role may not do this")
		}
		if p.MustChangePassword && !rt.DuringPasswordChange {
			return apperr.Forbidden("change your one-time password first")
		}
		if p.MustEnrollMFA && !rt.DuringMFAEnrollment {
			return apperr.Forbidden("enroll a second factor first: " + MFAEnrollmentRoute)
		}
		return h(c)
	}
}

func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// Principal returns the signed-in caller of a guarded route.
func Principal(c echo.Context) reqctx.Principal {
	p, _ := reqctx.PrincipalFrom(c.Request().Context())
	return p
}
