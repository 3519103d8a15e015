package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// Claimed returns the caller a verified token names, its session still
	// to be checked (reqctx.Principal.SessionPending), for SessionInTx
	// routes; false when the token does not say enough.
	Claimed(token string) (reqctx.Principal, bool)
}

// Route is one route of the API: its method and path, who may call it and
// the handler that answers it. Build it with Get, Post, Put, Patch and
// Delete (a signed-in caller whose role has a permission) or Public; Mount
// refuses a route that is neither public nor needs a permission.
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
	// StandbyRead marks a route that reads only the stored releases of
	// ended periods: it may be served from a standby, its session checked
	// there while the primary is away (docs/adr/0014).
	StandbyRead bool
	// SessionInTx marks a hot route whose handler checks the session in
	// the first statement of its own transaction (reqctx.SessionCheckSQL)
	// instead of a round trip of its own before it; see guarded. GET
	// routes only: a handler whose session it does not confirm is called
	// again after the full check, and a request body is read once.
	SessionInTx bool
	// Handler answers the route.
	Handler echo.HandlerFunc
}

// Router serves the API's routes, each with the permission it needs
// declared on it.
type Router struct {
	e      *echo.Echo
	guard  Guard
	routes []Route
}

// NewRouter returns a router on e guarded by g.
func NewRouter(e *echo.Echo, g Guard) *Router { return &Router{e: e, guard: g} }

// Routes lists the mounted routes.
func (r *Router) Routes() []Route { return append([]Route(nil), r.routes...) }

// RouteOption adjusts a route.
type RouteOption func(*Route)

// DuringPasswordChange lets an account that must change its password call
// the route.
func DuringPasswordChange() RouteOption { return func(rt *Route) { rt.DuringPasswordChange = true } }

// DuringMFAEnrollment lets an account that must enroll a second factor
// call the route.
func DuringMFAEnrollment() RouteOption { return func(rt *Route) { rt.DuringMFAEnrollment = true } }

// StandbyRead marks a route served from a standby when there is one.
func StandbyRead() RouteOption { return func(rt *Route) { rt.StandbyRead = true } }

// SessionInTx lets the route's handler check the session inside its own
// transaction (Route.SessionInTx).
func SessionInTx() RouteOption { return func(rt *Route) { rt.SessionInTx = true } }

// MFAEnrollmentRoute is the route an account without a required second
// factor is sent to.
const MFAEnrollmentRoute = "POST /api/v1/me/mfa/totp"

// Get is a GET route for a signed-in caller whose role has perm.
func Get(path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) Route {
	return guardedRoute(http.MethodGet, path, perm, h, opts)
}

// Post is a POST route for a signed-in caller whose role has perm.
func Post(path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) Route {
	return guardedRoute(http.MethodPost, path, perm, h, opts)
}

// Put is a PUT route for a signed-in caller whose role has perm.
func Put(path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) Route {
	return guardedRoute(http.MethodPut, path, perm, h, opts)
}

// Patch is a PATCH route for a signed-in caller whose role has perm.
func Patch(path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) Route {
	return guardedRoute(http.MethodPatch, path, perm, h, opts)
}

// Delete is a DELETE route for a signed-in caller whose role has perm.
func Delete(path string, perm authz.Permission, h echo.HandlerFunc, opts ...RouteOption) Route {
	return guardedRoute(http.MethodDelete, path, perm, h, opts)
}

func guardedRoute(method, path string, perm authz.Permission, h echo.HandlerFunc, opts []RouteOption) Route {
	rt := Route{Method: method, Path: path, Permission: &perm, Handler: h}
	for _, o := range opts {
		o(&rt)
	}
	return rt
}

// Public is a route anyone may call. Keep these few: a test checks them
// against an explicit allowlist.
func Public(method, path string, h echo.HandlerFunc) Route {
	return Route{Method: method, Path: path, Public: true, Handler: h}
}

// Mount adds routes to the router. Every guarded route answers 401 without
// a valid token, 403 when the caller's role lacks the route's permission
// (audited), when the account must change its password first, or when it
// must enroll a second factor first (the detail names the enrollment
// route). Mount refuses, adding none of them, a route without a handler, a
// route that is neither public nor needs a permission (deny by default),
// a route added twice, and a SessionInTx route that is not a GET.
func (r *Router) Mount(routes ...Route) error {
	seen := map[string]bool{}
	for _, rt := range r.routes {
		seen[rt.Method+" "+rt.Path] = true
	}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		switch {
		case rt.Handler == nil:
			return fmt.Errorf("route %s has no handler", key)
		case rt.Public && rt.Permission != nil:
			return fmt.Errorf("route %s is public and needs a permission", key)
		case !rt.Public && (rt.Permission == nil || *rt.Permission == authz.Permission{}):
			return fmt.Errorf("route %s declares no permission", key)
		case seen[key]:
			return fmt.Errorf("route %s is added twice", key)
		case rt.SessionInTx && rt.Method != http.MethodGet:
			return fmt.Errorf("route %s checks its session in its transaction but is not a GET", key)
		}
		seen[key] = true
	}
	for _, rt := range routes {
		h := rt.Handler
		if !rt.Public {
			h = r.guarded(rt, h)
		}
		r.routes = append(r.routes, rt)
		r.e.Add(rt.Method, rt.Path, h)
	}
	return nil
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
		if rt.StandbyRead {
			ctx = reqctx.WithStandbyRead(ctx)
		}
		if done, err := r.pending(c, rt, perm, h, token); done {
			return err
		}
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

// pending answers a SessionInTx route with the principal its token claims,
// the session checked inside the handler's transaction: done is false (the
// caller authenticates in full) when the token does not carry its
// organization and role, when the claimed role lacks perm (a denial is
// only recorded for a confirmed caller), or when the handler refused the
// request without confirming the session (refusedBeforeSession; it then
// committed nothing, since only a confirmed session commits, and its answer
// is dropped), so that a revoked or changed session, a disabled account or one that must
// change its password answers exactly as on every other route.
func (r *Router) pending(c echo.Context, rt Route, perm authz.Permission, h echo.HandlerFunc, token string) (done bool, err error) {
	if !rt.SessionInTx {
		return false, nil
	}
	p, ok := r.guard.Claimed(token)
	if !ok || !r.guard.Allowed(p.Role, perm) {
		return false, nil
	}
	req := c.Request()
	ctx, confirmed := reqctx.WithSessionConfirmation(reqctx.WithPrincipal(req.Context(), p))
	c.SetRequest(req.WithContext(ctx))
	err = h(c)
	if !confirmed() {
		if c.Response().Committed {
			return true, errors.New("web: a SessionInTx handler answered without confirming the session")
		}
		if !refusedBeforeSession(err) {
			// The transaction failed before the session was read (the
			// database is away): the full check would fail the same way.
			return true, err
		}
		c.SetRequest(req)
		return false, nil
	}
	return true, err
}

// refusedBeforeSession reports whether a SessionInTx handler's error
// without a confirmed session is one to answer only after the full check:
// the session not confirmed, or a refusal of the request itself (a bad
// parameter) that a caller without a live session must not get instead of
// 401. An internal or unavailable error is answered as it is.
func refusedBeforeSession(err error) bool {
	if errors.Is(err, reqctx.ErrSessionUnconfirmed) {
		return true
	}
	e, ok := apperr.As(err)
	return ok && e.Kind != apperr.KindInternal && e.Kind != apperr.KindUnavailable
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
