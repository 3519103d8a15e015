package api

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/api/openapi"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/migrations"
)

// operationsRoutes are the public routes of operators and clients: health,
// readiness and the API description.
func operationsRoutes(d Deps) ([]web.Route, error) {
	spec, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	return []web.Route{
		web.Public(http.MethodGet, "/healthz", func(c echo.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
		}),
		web.Public(http.MethodGet, "/readyz", readiness(d)),
		web.Public(http.MethodGet, "/api/v1/openapi.json", func(c echo.Context) error {
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, spec)
		}),
	}, nil
}

// Readiness reports whether the service can serve: the database answers,
// (with a standby, "standby_only" and 200 while only the standby does and
// reads of stored releases are still served),
// the schema is current, the policies are loaded and, when one is
// configured, the audit anchor file can be appended to (without it the
// record outside the database that detects a cut audit trail would stop
// growing, unnoticed but for a log line).
type Readiness struct {
	Status string          `json:"status"`
	Checks map[string]bool `json:"checks"`
}

func readiness(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]bool{"database": false, "schema": false, "policies": d.Enforcer != nil}
		if f := d.Config.AuditAnchorFile; f != "" {
			checks["audit_anchor"] = appendable(f)
		}
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
		if d.Replica != nil {
			sqlDB, err := d.Replica.DB.DB()
			checks["replica"] = err == nil && sqlDB.PingContext(ctx) == nil
			if !checks["database"] && checks["replica"] && d.Spool != nil {
				// The primary is away: the reads of stored releases are
				// still served (docs/adr/0014), everything else answers 503.
				status, code = "standby_only", http.StatusOK
			}
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(code, Readiness{Status: status, Checks: checks})
	}
}

// appendable reports whether the file at path can be opened for appending,
// creating it (mode 0600) when missing; it writes nothing.
func appendable(path string) bool {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return false
	}
	return f.Close() == nil
}
