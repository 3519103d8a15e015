package web

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/authz"
)

func TestMountRefusesARouteWithoutAPermission(t *testing.T) {
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	for name, rt := range map[string]Route{
		"NoPermission":   {Method: http.MethodGet, Path: "/api/v1/x", Handler: ok},
		"ZeroPermission": Get("/api/v1/x", authz.Permission{}, ok),
		"PublicWithPermission": func() Route {
			rt := Get("/api/v1/x", authz.CaseRead, ok)
			rt.Public = true
			return rt
		}(),
		"NoHandler":         Get("/api/v1/x", authz.CaseRead, nil),
		"SessionInTxOnPost": Post("/api/v1/x", authz.CaseCreate, ok, SessionInTx()),
	} {
		t.Run(name, func(t *testing.T) {
			e := echo.New()
			r := NewRouter(e, nil)
			if err := r.Mount(Get("/api/v1/y", authz.CaseRead, ok), rt); err == nil {
				t.Fatal("mounted")
			}
			if len(r.Routes()) != 0 || len(e.Routes()) != 0 {
				t.Fatalf("%d routes added, want none", len(r.Routes()))
			}
		})
	}
}

func TestMountRefusesARouteTwice(t *testing.T) {
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	r := NewRouter(echo.New(), nil)
	if err := r.Mount(Public(http.MethodGet, "/healthz", ok), Get("/api/v1/x", authz.CaseRead, ok)); err != nil {
		t.Fatal(err)
	}
	if err := r.Mount(Post("/api/v1/x", authz.CaseCreate, ok)); err != nil {
		t.Fatalf("another method on the same path: %v", err)
	}
	if err := r.Mount(Get("/api/v1/x", authz.CaseList, ok)); err == nil {
		t.Fatal("the same route mounted twice")
	}
	if got := len(r.Routes()); got != 3 {
		t.Fatalf("%d routes, want 3", got)
	}
}
