package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// publicPaths are the routes that need no bearer token.
var publicPaths = map[string]bool{
	"/healthz":             true,
	"/readyz":              true,
	"/api/v1/openapi.json": true,
	"/api/v1/auth/login":   true,
	"/api/v1/auth/refresh": true,
	"/api/v1/auth/logout":  true,
	"/api/v1/auth/mfa":     true,
}

// wantRoutes are the routes the server implements; each must be described.
var wantRoutes = []string{
	"GET /healthz",
	"GET /readyz",
	"GET /api/v1/openapi.json",
	"POST /api/v1/auth/login",
	"POST /api/v1/auth/refresh",
	"POST /api/v1/auth/logout",
	"GET /api/v1/me",
	"POST /api/v1/me/password",
	"POST /api/v1/auth/mfa",
	"POST /api/v1/me/mfa/totp",
	"POST /api/v1/me/mfa/totp/confirm",
	"GET /api/v1/organizations",
	"POST /api/v1/organizations",
	"PATCH /api/v1/organizations/{id}",
	"GET /api/v1/users",
	"POST /api/v1/users",
	"PATCH /api/v1/users/{id}",
	"DELETE /api/v1/users/{id}/mfa",
	"POST /api/v1/users/{id}/mfa-reset/approve",
	"GET /api/v1/audit",
	"GET /api/v1/audit/verify",
	"POST /api/v1/cases",
	"GET /api/v1/cases",
	"POST /api/v1/cases/search",
	"POST /api/v1/cases/duplicates",
	"GET /api/v1/cases/{id}",
	"PATCH /api/v1/cases/{id}",
	"POST /api/v1/cases/{id}/stage",
	"GET /api/v1/cases/{id}/stages",
	"GET /api/v1/cases/{id}/plan",
	"PUT /api/v1/cases/{id}/plan",
	"GET /api/v1/cases/{id}/access-log",
	"POST /api/v1/cases/{id}/assistance",
	"GET /api/v1/cases/{id}/assistance",
	"PATCH /api/v1/assistance/{id}",
	"POST /api/v1/cases/{id}/notes",
	"GET /api/v1/cases/{id}/notes",
	"POST /api/v1/cases/{id}/consents",
	"GET /api/v1/cases/{id}/consents",
	"POST /api/v1/consents/{id}/withdraw",
	"POST /api/v1/cases/{id}/referrals",
	"GET /api/v1/referrals",
	"GET /api/v1/referrals/{id}",
	"POST /api/v1/referrals/{id}/accept",
	"POST /api/v1/referrals/{id}/decline",
	"POST /api/v1/referrals/{id}/complete",
	"POST /api/v1/referrals/{id}/cancel",
	"GET /api/v1/notifications",
	"POST /api/v1/notifications/{id}/read",
}

type operation struct {
	method, path string
	op           *openapi3.Operation
}

func (o operation) String() string { return o.method + " " + o.path }

func operations(t *testing.T, doc *openapi3.T) []operation {
	t.Helper()
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method: method, path: path, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return ops
}

func mustLoad(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc
}

func TestLoadValidates(t *testing.T) {
	doc := mustLoad(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if doc.Info == nil || doc.Info.Title != "Jardam API" || doc.Info.Version != "1.0.0" {
		t.Errorf("info = %+v, want title Jardam API, version 1.0.0", doc.Info)
	}
	// Validate again from a fresh load, independent of the cache.
	fresh, err := load(context.Background())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := fresh.Validate(context.Background()); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	again, err := Load()
	if err != nil || again != doc {
		t.Errorf("Load is not cached: %p, %p, %v", doc, again, err)
	}
}

func TestEveryRouteIsDescribed(t *testing.T) {
	doc := mustLoad(t)
	have := map[string]bool{}
	for _, o := range operations(t, doc) {
		have[o.String()] = true
	}
	for _, r := range wantRoutes {
		if !have[r] {
			t.Errorf("route %s is not described", r)
		}
	}
}

func TestEveryOperationHasOperationID(t *testing.T) {
	doc := mustLoad(t)
	seen := map[string]string{}
	for _, o := range operations(t, doc) {
		id := o.op.OperationID
		if id == "" {
			t.Errorf("%s: no operationId", o)
			continue
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s: operationId %q also used by %s", o, id, prev)
		}
		seen[id] = o.String()
	}
}

func isProblem(ref *openapi3.ResponseRef) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	mt := ref.Value.Content.Get("application/problem+json")
	return mt != nil && mt.Schema != nil && mt.Schema.Value != nil
}

func TestEveryOperationHasProblemResponse(t *testing.T) {
	doc := mustLoad(t)
	for _, o := range operations(t, doc) {
		found := false
		for code, ref := range o.op.Responses.Map() {
			if (code == "default" || strings.HasPrefix(code, "4")) && isProblem(ref) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: no 4XX or default application/problem+json response", o)
		}
	}
}

func TestSecurity(t *testing.T) {
	doc := mustLoad(t)
	if !requiresBearer(doc.Security) {
		t.Fatalf("global security = %v, want bearer", doc.Security)
	}
	scheme := doc.Components.SecuritySchemes["bearer"]
	if scheme == nil || scheme.Value == nil || scheme.Value.Type != "http" ||
		!strings.EqualFold(scheme.Value.Scheme, "bearer") || scheme.Value.BearerFormat != "JWT" {
		t.Fatalf("security scheme bearer = %+v, want http bearer JWT", scheme)
	}
	for _, o := range operations(t, doc) {
		if publicPaths[o.path] {
			if o.op.Security == nil || len(*o.op.Security) != 0 {
				t.Errorf("%s: public operation must declare security: []", o)
			}
			continue
		}
		effective := doc.Security
		if o.op.Security != nil {
			effective = *o.op.Security
		}
		if !requiresBearer(effective) {
			t.Errorf("%s: not public but does not require bearer (security %v)", o, effective)
		}
	}
}

// requiresBearer reports whether every alternative of reqs includes bearer,
// so no alternative lets a request through without a token.
func requiresBearer(reqs openapi3.SecurityRequirements) bool {
	if len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		if _, ok := r["bearer"]; !ok {
			return false
		}
	}
	return true
}

func TestConventionalErrorResponses(t *testing.T) {
	doc := mustLoad(t)
	for _, o := range operations(t, doc) {
		var want []string
		if o.op.RequestBody != nil && o.op.RequestBody.Value != nil {
			want = append(want, "400", "413", "415")
		}
		if !publicPaths[o.path] {
			want = append(want, "401", "403")
		}
		if strings.Contains(o.path, "{id}") {
			want = append(want, "404")
		}
		// A PATCH changes a versioned object, except the caller's own
		// preferences (/me), which take no version.
		if o.method == http.MethodPatch && o.path != "/api/v1/me" {
			want = append(want, "409", "412", "428")
		}
		for _, code := range want {
			if !isProblem(o.op.Responses.Value(code)) {
				t.Errorf("%s: no %s problem response", o, code)
			}
		}
		if r := o.op.Responses.Value("429"); r != nil {
			if r.Value.Headers["Retry-After"] == nil {
				t.Errorf("%s: 429 without Retry-After", o)
			}
		}
	}
}

func TestRequestBodiesRejectUnknownFields(t *testing.T) {
	doc := mustLoad(t)
	for _, o := range operations(t, doc) {
		if o.op.RequestBody == nil || o.op.RequestBody.Value == nil {
			continue
		}
		for ct, mt := range o.op.RequestBody.Value.Content {
			s := mt.Schema.Value
			if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
				t.Errorf("%s %s: request body must set additionalProperties: false", o, ct)
			}
		}
	}
}

func TestSchemasAgreeWithExamples(t *testing.T) {
	doc := mustLoad(t)
	cases := []struct {
		name   string
		schema string
		body   string
		valid  bool
	}{
		{"OrganizationListLastPage", "OrganizationList", `{"items": [{"id": "7d9f4c1e-3b2a-4c5d-8e6f-1a2b3c4d5e6f", "code": "SEZIM",
			"name": {"ru": "Сезим", "ky": "Сезим", "en": "Sezim"}, "kind": "crisis_center", "region": "bishkek_city",
			"services": ["shelter", "legal"], "active": true, "version": 1,
			"created_at": "2025-01-02T03:04:05Z", "updated_at": "2025-01-02T03:04:05Z"}], "next_cursor": null}`, true},
		{"OrganizationListMissingNextCursor", "OrganizationList", `{"items": []}`, false},
		{"AuditVerifyClean", "AuditVerification", `{"ok": true, "entries": 3, "first_broken": null, "truncated": false,
			"unlinked": 0, "stale_unlinked": 0, "checkpoint": null, "checked_from": 1, "checked_to": 3, "anchor": null}`, true},
		{"AuditEntryNullActor", "AuditEntry", `{"id": 1, "at": "2025-01-02T03:04:05Z", "actor_id": null, "organization_id": null,
			"role": "", "action": "auth.login", "object_type": "user", "object_id": "", "outcome": "denied",
			"request_id": "r1", "client_ip": "10.0.0.1", "user_agent": "ua"}`, true},
		{"OrganizationCreateUnknownField", "OrganizationCreate", `{"code": "SEZIM", "name": {"ru": "a", "ky": "b", "en": "c"},
			"kind": "ngo", "region": "osh", "id": "x"}`, false},
		{"OrganizationCreateBadCode", "OrganizationCreate", `{"code": "sezim", "name": {"ru": "a", "ky": "b", "en": "c"},
			"kind": "ngo", "region": "osh"}`, false},
		{"ProblemWithFields", "Problem", `{"type": "about:blank", "title": "Bad Request", "status": 400,
			"detail": "invalid body", "request_id": "r1", "errors": [{"field": "email", "reason": "required"}]}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := doc.Components.Schemas[tc.schema]
			if ref == nil {
				t.Fatalf("no schema %s", tc.schema)
			}
			var v any
			if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
				t.Fatal(err)
			}
			err := ref.Value.VisitJSON(v)
			if tc.valid && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !tc.valid && err == nil {
				t.Errorf("want invalid, got valid")
			}
		})
	}
}

func TestJSONRoundTrips(t *testing.T) {
	b, err := JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JSON output is not a JSON object: %v", err)
	}
	if m["openapi"] != "3.0.3" {
		t.Errorf("openapi = %v", m["openapi"])
	}
	b[0] = 'x' // callers own their copy
	b2, err := JSON()
	if err != nil || b2[0] != '{' {
		t.Fatalf("JSON cache was modified through a returned slice")
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b2)
	if err != nil {
		t.Fatalf("reload JSON: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate reloaded JSON: %v", err)
	}
	// security: [] on public operations must survive marshalling.
	login := doc.Paths.Find("/api/v1/auth/login")
	if login == nil || login.Post == nil || login.Post.Security == nil || len(*login.Post.Security) != 0 {
		t.Errorf("login lost security: [] in JSON")
	}
}
