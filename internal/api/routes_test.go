package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/api"
	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/api/openapi"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/seed"
)

// roleMatrixAccounts are a demo account of each role the hand-written
// matrices try, by role.
var roleMatrixAccounts = map[string]string{
	"caseworker": "caseworker@sezim.kg", "supervisor": "supervisor@sezim.kg", "coordinator": "coordinator@mlsp.gov.kg",
	"org_admin": "orgadmin@sezim.kg", "admin": "admin@jardam.local", "auditor": "auditor@jardam.local",
}

// TestEveryRouteDeclaresAPermission walks every route echo serves and fails
// on one registered without a permission that is not on the short public
// allowlist.
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	declared := map[string]bool{}
	for _, r := range env.Server.Router.Routes() {
		key := r.Method + " " + r.Path
		switch {
		case r.Public && !api.PublicRoutes[key]:
			t.Errorf("%s is public but not on the allowlist", key)
		case !r.Public && r.Permission == nil:
			t.Errorf("%s has no permission", key)
		}
		declared[key] = true
	}
	for _, r := range env.Server.Echo.Routes() {
		if !declared[r.Method+" "+r.Path] {
			t.Errorf("%s %s was registered outside the guarded router", r.Method, r.Path)
		}
	}
	if len(env.Server.Echo.Routes()) < 10 {
		t.Fatalf("only %d routes registered", len(env.Server.Echo.Routes()))
	}
}

// TestDescriptionCoversEveryAPIRoute checks that every API route is in the
// OpenAPI description and every described path is served.
func TestDescriptionCoversEveryAPIRoute(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+echoPath(path)] = true
		}
	}
	served := map[string]bool{}
	for _, r := range env.Server.Router.Routes() {
		key := r.Method + " " + r.Path
		served[key] = true
		if (strings.HasPrefix(r.Path, "/api/") || r.Path == "/healthz" || r.Path == "/readyz") && !described[key] {
			t.Errorf("%s is served but not described", key)
		}
	}
	for key := range described {
		if !served[key] {
			t.Errorf("%s is described but not served", key)
		}
	}
}

func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + strings.Trim(s, "{}")
		}
	}
	return strings.Join(parts, "/")
}

// TestEveryRouteAsEveryDemoRole calls every guarded route as each demo
// account: a role without the route's permission gets 403, a role with it
// never gets 401, 403 or a 5xx. Without a token every guarded route answers
// 401.
func TestEveryRouteAsEveryDemoRole(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	tokens := map[string]string{}
	for _, a := range seed.Accounts {
		tokens[a.Email] = env.Token(a.Email)
	}
	for _, r := range env.Server.Router.Routes() {
		if r.Public {
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", "00000000-0000-4000-8000-000000000000")
		var body any
		if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
			body = map[string]any{}
		}
		t.Run(r.Method+" "+r.Path+" anonymous", func(t *testing.T) {
			resp := env.Do(apitest.Request{Method: r.Method, Path: path, Body: body, Invalid: true})
			if resp.Status != http.StatusUnauthorized {
				t.Fatalf("got %d, want 401", resp.Status)
			}
		})
		for _, a := range seed.Accounts {
			t.Run(r.Method+" "+r.Path+" as "+a.Role+" "+a.Email, func(t *testing.T) {
				resp := env.Do(apitest.Request{Method: r.Method, Path: path, Body: body, Token: tokens[a.Email], Invalid: true})
				if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
					t.Fatalf("Cache-Control %q, want no-store", cc)
				}
				allowed := env.Enforcer.Allowed(a.Role, *r.Permission)
				switch {
				case !allowed && resp.Status != http.StatusForbidden:
					t.Fatalf("role %s lacks %s: got %d, want 403", a.Role, r.Permission, resp.Status)
				case allowed && (resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden || resp.Status >= 500):
					t.Fatalf("role %s has %s: got %d %s", a.Role, r.Permission, resp.Status, resp.Body)
				}
			})
		}
	}
	// Denials are audited.
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'authz.denied' AND outcome = 'denied'`); n == 0 {
		t.Fatal("no denial was audited")
	}
}

func TestEveryDemoAccountSignsInAndSeesItsOrganization(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, a := range seed.Accounts {
		t.Run(a.Email, func(t *testing.T) {
			resp := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: env.Token(a.Email)})
			if resp.Status != http.StatusOK {
				t.Fatalf("me: %d", resp.Status)
			}
			var me struct {
				Email        string
				Role         string
				Organization struct{ Code string }
				Permissions  []string
			}
			resp.JSON(t, &me)
			if me.Email != a.Email || me.Role != a.Role || me.Organization.Code != a.Org {
				t.Fatalf("me = %+v, want %s %s %s", me, a.Email, a.Role, a.Org)
			}
			if len(me.Permissions) == 0 {
				t.Fatal("no permissions")
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/healthz"}); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	if r.Status != 200 || r.Map(t)["status"] != "ready" {
		t.Fatalf("readyz %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/openapi.json"}); r.Status != 200 || !strings.Contains(string(r.Body), `"openapi"`) {
		t.Fatalf("openapi.json %d", r.Status)
	}
	// Schema behind: not ready.
	env.DB.Exec(t, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with an outdated schema: %d", r.Status)
	}
}

// With an audit anchor file configured, the service is ready only while
// the file can be appended to.
func TestReadinessNeedsAnAppendableAnchor(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "anchor")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := apitest.New(t, apitest.Options{Configure: func(c *config.Config) { c.AuditAnchorFile = filepath.Join(dir, "audit-anchor.jsonl") }})
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	if r.Status != 200 || r.Map(t)["checks"].(map[string]any)["audit_anchor"] != true {
		t.Fatalf("readyz with a writable anchor: %d %s", r.Status, r.Body)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	if r.Status != http.StatusServiceUnavailable || r.Map(t)["checks"].(map[string]any)["audit_anchor"] != false {
		t.Fatalf("readyz without the anchor's directory: %d %s", r.Status, r.Body)
	}
}

// TestReportRoutesByRole is the hand-written role x route matrix of the
// half-year report and budget routes: supervisors and coordinators only.
func TestReportRoutesByRole(t *testing.T) {
	t.Parallel()
	assertRoleMatrix(t, apitest.New(t), map[string]bool{"supervisor": true, "coordinator": true}, []apitest.Request{
		{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1"},
		{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1?format=xlsx"},
		{Method: http.MethodGet, Path: "/api/v1/budget?year=2025"},
		{Method: http.MethodPut, Path: "/api/v1/reports/half-year/2025/1/narratives/3.1", Body: map[string]string{"text": "demo"}},
		{Method: http.MethodPost, Path: "/api/v1/reports/half-year/2025/1/submit", Body: map[string]any{}},
	})
}

// TestStatsRoutesByRole is the hand-written role x route matrix of the
// statistics routes, the person-level export included: coordinators only.
func TestStatsRoutesByRole(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var routes []apitest.Request
	for _, path := range []string{
		"/api/v1/stats/tables",
		"/api/v1/stats/tables/persons_by_sex_age?period=2024",
		"/api/v1/stats/tables/cases_by_measure?period=2024",
		"/api/v1/stats/tables/assistance_by_measure?period=2024-H2",
		"/api/v1/stats/series/persons_identified",
		"/api/v1/stats/export/htcds?year=2024",
		"/api/v1/stats/export/ctdc?year=2024",
	} {
		routes = append(routes, apitest.Request{Method: http.MethodGet, Path: path})
	}
	assertRoleMatrix(t, env, map[string]bool{"coordinator": true}, routes)
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'stats.export' AND outcome = 'success'`); n != 2 {
		t.Fatalf("%d exports audited, want the coordinator's two", n)
	}
}

// assertRoleMatrix sends each of routes as an account of each role: 200
// for the allowed roles, 403 for the others.
func assertRoleMatrix(t *testing.T, env *apitest.Env, allowed map[string]bool, routes []apitest.Request) {
	t.Helper()
	// One sign-in per account: each costs a password hash.
	tokens := map[string]string{}
	for role, email := range roleMatrixAccounts {
		tokens[role] = env.Token(email)
	}
	for _, req := range routes {
		for role := range roleMatrixAccounts {
			req.Token = tokens[role]
			resp := env.Do(req)
			want := http.StatusForbidden
			if allowed[role] {
				want = http.StatusOK
			}
			if resp.Status != want {
				t.Errorf("%s %s as %s: %d, want %d", req.Method, req.Path, role, resp.Status, want)
			}
		}
	}
}
