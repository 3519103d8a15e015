// Package api wires Jardam's HTTP API: it builds the echo instance, the
// route guard and every domain's routes, and serves health, readiness, the
// OpenAPI description and the web app.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/frontend"
	"github.com/jardam-kg/jardam/internal/api/openapi"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/metrics"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/referrals"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/stats"
	"github.com/jardam-kg/jardam/internal/users"
	"github.com/jardam-kg/jardam/internal/work"
	"github.com/jardam-kg/jardam/migrations"
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
	"GET /referrals":     true,
	"GET /notifications": true,
	"GET /dashboard":     true,
	"GET /report":        true,
	"GET /organizations": true,
	"GET /users":         true,
	"GET /audit":         true,
	"GET /activities":    true,
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
	r := web.NewRouter(e, authSvc)

	r.Public(http.MethodGet, "/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Public(http.MethodGet, "/readyz", readiness(d))
	spec, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	r.Public(http.MethodGet, "/api/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, spec)
	})

	auth.NewHandler(authSvc).Register(r)
	organizations.NewHandler(organizations.NewService(d.DB)).Register(r)
	users.NewHandler(users.NewService(d.DB, d.Hasher)).Register(r)
	audit.NewHandler(d.DB, d.AuditVerifier).WithAnchorFile(d.Config.AuditAnchorFile).Register(r)
	caseSvc := cases.NewService(d.DB, d.Keys, cases.Settings{ReflectionDays: d.Config.ReflectionDays}, d.Logger)
	if d.Enforcer != nil {
		caseSvc.Permits = d.Enforcer.Allowed
	}
	cases.NewHandler(caseSvc).Register(r)
	referrals.NewHandler(referrals.NewService(d.DB, d.Keys.Wrapper, d.Keys.RequestHash, referrals.Settings{
		UrgentResponse: d.Config.UrgentResponse, NormalResponse: d.Config.NormalResponse}, d.Logger)).Register(r)
	notifications.NewHandler(notifications.NewService(d.DB)).Register(r)
	work.Register(r, work.NewService(d.DB, nil))
	statsSvc := stats.NewService(d.DB, stats.Settings{K: d.Config.StatsK}, d.Logger)
	measureSvc := measures.NewService(d.DB)
	measureSvc.K = d.Config.StatsK
	measureSvc.Releases = statsSvc
	measures.NewHandler(measureSvc).Register(r)
	stats.NewHandler(statsSvc).Register(r)
	reportSvc := reports.NewService(d.DB, reports.Settings{K: d.Config.StatsK}, d.Logger)
	reportSvc.Releases = statsSvc
	reports.NewHandler(reportSvc).Register(r)

	frontend.Register(r)
	return &Server{Echo: e, Router: r, Auth: authSvc}, nil
}

// Readiness reports whether the service can serve: the database answers,
// the schema is current and the policies are loaded.
type Readiness struct {
	Status string          `json:"status"`
	Checks map[string]bool `json:"checks"`
}

func readiness(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]bool{"database": false, "schema": false, "policies": d.Enforcer != nil}
		if sqlDB, err := d.DB.DB(); err == nil && sqlDB.PingContext(ctx) == nil {
			checks["database"] = true
			checks["schema"] = database.CheckSchema(ctx, d.DB, migrations.FS) == nil
		}
		status, code := "ready", http.StatusOK
		for _, ok := range checks {
			if !ok {
				status, code = "not_ready", http.StatusServiceUnavailable
			}
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(code, Readiness{Status: status, Checks: checks})
	}
}
