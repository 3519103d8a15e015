// Package api wires Jardam's HTTP API: it builds the echo instance, the
// route guard, each domain's service and handler, and mounts the route
// table (routes.go), health and readiness, the OpenAPI description and the
// web app.
package api

import (
	"log/slog"
	"slices"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/frontend"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/metrics"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/users"
)

// Deps are what the API needs.
type Deps struct {
	Config        config.Config
	DB            *gorm.DB
	Logger        *slog.Logger
	Tokens        *authn.Tokens
	Hasher        *passwd.Hasher
	Enforcer      *authz.Enforcer
	AuditVerifier *audit.Verifier
	Keys          *cases.Keyring
	// Metrics, when set, counts every request by route template.
	Metrics *metrics.Registry
	// Replica, when set, is the standby that serves the reads of stored
	// releases (docs/adr/0014); Spool keeps their audit entries while the
	// primary is away.
	Replica *database.Replica
	Spool   *audit.Spool
}

// Server is the wired API.
type Server struct {
	Echo   *echo.Echo
	Router *web.Router
	Auth   *auth.Service
}

// PublicRoutes is the explicit allowlist of routes anyone may call.
var PublicRoutes = map[string]bool{
	"GET /healthz":              true,
	"GET /readyz":               true,
	"GET /api/v1/openapi.json":  true,
	"POST /api/v1/auth/login":   true,
	"POST /api/v1/auth/refresh": true,
	"POST /api/v1/auth/logout":  true,
	"POST /api/v1/auth/mfa":     true,
	"GET /":                     true,
	"GET /assets/*":             true,
	// The web app's client-side routes (frontend.AppRoutes): index.html only.
	"GET /login":         true,
	"GET /password":      true,
	"GET /security":      true,
	"GET /cases":         true,
	"GET /cases/*":       true,
	"GET /work":          true,
	"GET /referrals":     true,
	"GET /referrals/*":   true,
	"GET /notifications": true,
	"GET /dashboard":     true,
	"GET /report":        true,
	"GET /organizations": true,
	"GET /users":         true,
	"GET /audit":         true,
	"GET /activities":    true,
	"GET /contacts":      true,
}

// New builds the API.
func New(d Deps) (*Server, error) {
	opts := web.Options{Logger: d.Logger, TrustedProxies: d.Config.TrustedProxies, TLS: d.Config.TLS, BodyLimitBytes: d.Config.BodyLimitBytes}
	if d.Metrics != nil {
		opts.Observe = d.Metrics.ObserveRequest
	}
	e := web.New(opts)
	authSvc := auth.NewService(d.DB, d.Tokens, d.Hasher, d.Enforcer, auth.Settings{
		RefreshTTL:       d.Config.RefreshTokenTTL,
		FailuresPerEmail: d.Config.LoginFailuresPerEmail,
		FailuresPerIP:    d.Config.LoginFailuresPerIP,
		Window:           d.Config.LoginWindow,
		MFARequired:      d.Config.MFARequired,
		SecretKeys:       d.Keys.Wrapper,
	}, d.Logger)
	authSvc.GrantableRoles = users.GrantableRoles
	authSvc.Replica, authSvc.Spool = d.Replica, d.Spool
	ops, err := operationsRoutes(d)
	if err != nil {
		return nil, err
	}
	r := web.NewRouter(e, authSvc)
	if err := r.Mount(slices.Concat(ops, newHandlers(d, authSvc).routes(), frontend.Routes())...); err != nil {
		return nil, err
	}
	return &Server{Echo: e, Router: r, Auth: authSvc}, nil
}
