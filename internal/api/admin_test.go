package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// listedItem lists path as token and returns the item whose field is
// value.
func listedItem(t *testing.T, env *apitest.Env, token, path, field, value string) map[string]any {
	t.Helper()
	var l struct{ Items []map[string]any }
	env.GetJSON(t, token, path, &l)
	for _, it := range l.Items {
		if it[field] == value {
			return it
		}
	}
	t.Fatalf("%s: no item with %s %s", path, field, value)
	return nil
}

func orgByCode(t *testing.T, env *apitest.Env, token, code string) map[string]any {
	t.Helper()
	return listedItem(t, env, token, "/api/v1/organizations?limit=200", "code", code)
}

func userByEmail(t *testing.T, env *apitest.Env, token, email string) map[string]any {
	t.Helper()
	return listedItem(t, env, token, "/api/v1/users?limit=200", "email", email)
}

func TestWhoMayGrantWhat(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Token("admin@jardam.local")
	orgAdmin := env.Token("orgadmin@sezim.kg")
	sezim := orgByCode(t, env, admin, "SEZIM")["id"]
	akzhurok := orgByCode(t, env, admin, "AKZHUROK")["id"]
	ctu := orgByCode(t, env, admin, "MLSSM-CTU")["id"]
	n := 0
	// Coordinators and auditors get a one-time password from their creator;
	// the other roles wait for a second person's approval, without one.
	create := func(token, role string, org any) int {
		n++
		body := map[string]any{"email": "user" + string(rune('a'+n)) + "@example.kg", "name": "Someone", "role": role, "organization_id": org}
		if role == "coordinator" || role == "auditor" {
			body["password"] = "a one-time password"
		}
		return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: token, Body: body, Invalid: role == "root"}).Status
	}
	tests := []struct {
		name  string
		token string
		role  string
		org   any
		want  int
	}{
		{"OrgAdminCreatesCaseworkerInOwnOrg", orgAdmin, "caseworker", sezim, http.StatusCreated},
		{"OrgAdminCreatesSupervisorInOwnOrg", orgAdmin, "supervisor", sezim, http.StatusCreated},
		{"OrgAdminCannotCreateInAnotherOrg", orgAdmin, "caseworker", akzhurok, http.StatusForbidden},
		{"OrgAdminCannotCreateCoordinator", orgAdmin, "coordinator", sezim, http.StatusForbidden},
		{"OrgAdminCannotCreateAdmin", orgAdmin, "admin", sezim, http.StatusForbidden},
		{"AdminCreatesCoordinator", admin, "coordinator", ctu, http.StatusCreated},
		{"AdminCreatesOrgAdmin", admin, "org_admin", akzhurok, http.StatusCreated},
		{"AdminCreatesAuditor", admin, "auditor", ctu, http.StatusCreated},
		{"AdminCannotCreateCaseworker", admin, "caseworker", sezim, http.StatusForbidden},
		{"UnknownRoleIsInvalid", admin, "root", sezim, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := create(tc.token, tc.role, tc.org); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
	if got := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'user.create' AND outcome = 'success'`); got != 5 {
		t.Fatalf("grants audited: %d", got)
	}
	// An org admin lists only its own organization's accounts.
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/users", Token: orgAdmin})
	var l struct{ Items []map[string]any }
	r.JSON(t, &l)
	for _, u := range l.Items {
		if u["organization_id"] != sezim {
			t.Fatalf("org admin sees %v", u["email"])
		}
		if _, ok := u["password_hash"]; ok {
			t.Fatal("password hash in the response")
		}
	}
	if len(l.Items) < 4 {
		t.Fatalf("org admin sees %d accounts", len(l.Items))
	}
	// A supervisor lists its own organization's caseworkers to assign them,
	// and may not open an account.
	supervisor := env.Token("supervisor@sezim.kg")
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/users?role=caseworker", Token: supervisor})
	l.Items = nil
	r.JSON(t, &l)
	if r.Status != http.StatusOK || len(l.Items) == 0 {
		t.Fatalf("supervisor's list: %d, %d accounts", r.Status, len(l.Items))
	}
	for _, u := range l.Items {
		if u["organization_id"] != sezim || u["role"] != "caseworker" {
			t.Fatalf("supervisor sees %v (%v)", u["email"], u["role"])
		}
	}
	if got := create(supervisor, "caseworker", sezim); got != http.StatusForbidden {
		t.Fatalf("supervisor opened an account: %d", got)
	}
}

func TestRoleChangeAndDisablingEndSessionsAtOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	orgAdmin := env.Token("orgadmin@sezim.kg")
	worker := env.Token("caseworker@sezim.kg")
	u := userByEmail(t, env, orgAdmin, "caseworker@sezim.kg")
	id := u["id"].(string)
	patch := func(body map[string]any, header map[string]string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + id, Token: orgAdmin, Body: body, Header: header})
	}
	if r := patch(map[string]any{"role": "supervisor"}, nil); r.Status != http.StatusPreconditionRequired {
		t.Fatalf("without a version: %d", r.Status)
	}
	if r := patch(map[string]any{"role": "supervisor"}, map[string]string{"If-Match": `"99"`}); r.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale version: %d", r.Status)
	}
	if r := patch(map[string]any{"role": "admin", "version": 1}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("granting admin: %d", r.Status)
	}
	// A raise waits for the organization's supervisor: the account keeps
	// working in its current role until then.
	r := patch(map[string]any{"role": "supervisor"}, map[string]string{"If-Match": `"1"`})
	if m := r.Map(t); r.Status != http.StatusOK || r.Header.Get("ETag") != `"2"` || m["role"] != "caseworker" || m["pending_role"] != "supervisor" {
		t.Fatalf("role change: %d %s %s", r.Status, r.Header.Get("ETag"), r.Body)
	}
	if me(env, worker) != http.StatusOK {
		t.Fatal("a pending raise ended the account's sessions")
	}
	r = approve(env, env.Token("supervisor@sezim.kg"), id)
	if m := r.Map(t); r.Status != http.StatusOK || m["user"].(map[string]any)["role"] != "supervisor" || m["one_time_password"] != nil {
		t.Fatalf("approval: %d %s", r.Status, r.Body)
	}
	if me(env, worker) != http.StatusUnauthorized {
		t.Fatal("the old role's token still works")
	}
	worker = env.Token("caseworker@sezim.kg")
	if r := patch(map[string]any{"disabled": true, "version": 3}, nil); r.Status != http.StatusOK {
		t.Fatalf("disable: %d", r.Status)
	}
	if me(env, worker) != http.StatusUnauthorized {
		t.Fatal("a disabled account's token still works")
	}
	if r := login(env, "caseworker@sezim.kg", "jardam-demo-2025"); r.Status != http.StatusUnauthorized {
		t.Fatalf("a disabled account signs in: %d", r.Status)
	}
	// Accounts of other organizations are invisible to an org admin.
	other := userByEmail(t, env, env.Token("admin@jardam.local"), "caseworker@akzhurok.kg")
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + other["id"].(string), Token: orgAdmin,
		Body: map[string]any{"name": "X", "version": 1}})
	if r.Status != http.StatusNotFound {
		t.Fatalf("other organization's account: %d", r.Status)
	}
}

func TestOrganizationsAreManagedByTheAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Token("admin@jardam.local")
	body := map[string]any{"code": "NGO-TEST", "name": map[string]string{"ru": "НКО", "ky": "ӨЭУ", "en": "NGO"},
		"kind": "ngo", "region": "naryn", "services": []string{"shelter", "legal"}}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/organizations", Token: admin, Body: body})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/organizations", Token: admin, Body: body}); r.Status != http.StatusConflict {
		t.Fatalf("duplicate code: %d", r.Status)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/" + id, Token: admin,
		Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": map[string]string{"en": "NGO Naryn"}, "region": "naryn"}})
	if r.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	name := m["name"].(map[string]any)
	if name["en"] != "NGO Naryn" || name["ru"] != "НКО" || m["version"].(float64) != 2 {
		t.Fatalf("merge patch result %v", m)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/" + id, Token: admin,
		Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"region": "talas"}})
	if r.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale patch: %d", r.Status)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/" + id, Token: admin,
		Header: map[string]string{"If-Match": `"2"`}, Body: map[string]any{"region": "atlantis"}, Invalid: true})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"region"`) || strings.Contains(string(r.Body), "atlantis") {
		t.Fatalf("bad region: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/00000000-0000-4000-8000-000000000000", Token: admin,
		Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"region": "talas"}}); r.Status != http.StatusNotFound {
		t.Fatalf("missing organization: %d", r.Status)
	}
	assertKindChangeKeepsRoles(t, env, admin, id)
	assertApprovalKinds(t, env, admin)
}

// assertApprovalKinds: an organization's required approvals are closure
// and transfer until the admin changes them, to a set of known kinds.
func assertApprovalKinds(t *testing.T, env *apitest.Env, admin string) {
	t.Helper()
	path := "/api/v1/organizations/" + env.OrgID("AKZHUROK")
	patch := func(kinds []string, invalid bool) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: admin, Invalid: invalid,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"approval_kinds": kinds}})
	}
	if r := patch([]string{"closure", "closure"}, false); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"approval_kinds"`) {
		t.Errorf("a kind twice: %d %s", r.Status, r.Body)
	}
	if r := patch([]string{"retirement"}, true); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"approval_kinds"`) {
		t.Errorf("an unknown kind: %d %s", r.Status, r.Body)
	}
	r := patch([]string{"plan", "transfer"}, false)
	if r.Status != http.StatusOK {
		t.Fatalf("approval kinds: %d %s", r.Status, r.Body)
	}
	got := r.Map(t)["approval_kinds"].([]any)
	if len(got) != 2 || got[0] != "plan" || got[1] != "transfer" {
		t.Errorf("approval kinds %v", got)
	}
	var sezim struct{ Items []map[string]any }
	env.GetJSON(t, admin, "/api/v1/organizations?limit=200", &sezim)
	for _, o := range sezim.Items {
		if o["code"] == "SEZIM" && len(o["approval_kinds"].([]any)) != 2 {
			t.Errorf("Sezim's default approval kinds: %v", o["approval_kinds"])
		}
	}
}

// assertKindChangeKeepsRoles: an organization with accounts is not turned
// into a hotline (its case workers would keep roles a hotline has none
// of), nor a hotline with accounts into another kind; one without
// accounts may change.
func assertKindChangeKeepsRoles(t *testing.T, env *apitest.Env, admin, empty string) {
	t.Helper()
	for _, c := range []struct{ org, kind string }{{"SEZIM", "hotline"}, {"HOTLINE-1899", "crisis_center"}} {
		r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/" + env.OrgID(c.org), Token: admin,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"kind": c.kind}})
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), `"kind"`) {
			t.Errorf("%s to %s: %d %s", c.org, c.kind, r.Status, r.Body)
		}
	}
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/organizations/" + empty, Token: admin,
		Header: map[string]string{"If-Match": `"2"`}, Body: map[string]any{"kind": "hotline"}})
	if r.Status != http.StatusOK {
		t.Errorf("an organization without accounts to a hotline: %d %s", r.Status, r.Body)
	}
}

func TestBadInputGetsAProblemAndWritesNothing(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Token("admin@jardam.local")
	before := env.Count(`SELECT count(*) FROM organizations`)
	good := `{"code":"NGO-X","name":{"ru":"a","ky":"b","en":"c"},"kind":"ngo","region":"chui"}`
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        int
		field       string
	}{
		{"MalformedJSONIs400", []byte(`{"code":`), "application/json", 400, "body"},
		{"UnknownFieldIs400", []byte(strings.Replace(good, `"kind"`, `"owner":"x","kind"`, 1)), "application/json", 400, "owner"},
		{"WrongTypeIs400", []byte(strings.Replace(good, `"ngo"`, `42`, 1)), "application/json", 400, "kind"},
		{"ArrayIs400", []byte(`[1,2]`), "application/json", 400, "body"},
		{"TrailingDataIs400", []byte(good + `{}`), "application/json", 400, "body"},
		{"InvalidValueIs400", []byte(strings.Replace(good, `"chui"`, `"mars"`, 1)), "application/json", 400, "region"},
		{"WrongContentTypeIs415", []byte(good), "text/plain", 415, ""},
		{"OversizeIs413", bytes.Repeat([]byte(" "), 100<<10), "application/json", 413, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/organizations", Token: admin, RawBody: tc.body,
				Header: map[string]string{"Content-Type": tc.contentType}, Invalid: true})
			if r.Status != tc.want {
				t.Fatalf("got %d, want %d: %s", r.Status, tc.want, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			p := r.Map(t)
			if p["status"].(float64) != float64(tc.want) || p["request_id"] == "" || p["type"] == "" {
				t.Fatalf("problem %v", p)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("problem does not name %s: %s", tc.field, r.Body)
			}
			if strings.Contains(string(r.Body), "mars") {
				t.Fatal("problem echoes the value")
			}
		})
	}
	if after := env.Count(`SELECT count(*) FROM organizations`); after != before {
		t.Fatalf("organizations %d -> %d", before, after)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, r := range []*apitest.Response{
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/healthz"}),
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/nothing-here", Invalid: true}),
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Invalid: true}),
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/"}),
	} {
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("status %d lacks security headers: %v", r.Status, r.Header)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Fatal("HSTS without TLS")
		}
	}
	tls := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.TLS = true }})
	if r := tls.Do(apitest.Request{Method: http.MethodGet, Path: "/healthz"}); r.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS behind TLS")
	}
}

func TestAuditTrailVerifyReportsTampering(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	auditor := env.Token("auditor@jardam.local")
	env.Token("caseworker@sezim.kg")
	login(env, "caseworker@sezim.kg", "wrong password here")
	env.LinkAudit()
	verify := func() map[string]any {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit/verify", Token: auditor})
		if r.Status != http.StatusOK {
			t.Fatalf("verify: %d %s", r.Status, r.Body)
		}
		return r.Map(t)
	}
	if rep := verify(); rep["ok"] != true || rep["checkpoint"] == nil {
		t.Fatalf("clean trail: %v", rep)
	}
	// The auditor sees the entries, including failed sign-ins.
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit?action=auth.login_failed", Token: auditor})
	var l struct{ Items []map[string]any }
	r.JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0]["outcome"] != "failure" {
		t.Fatalf("failed sign-ins: %v", l.Items)
	}
	// The application role cannot change the trail.
	if err := env.DB.App.Exec(`UPDATE audit_entries SET outcome = 'success'`).Error; err == nil {
		t.Fatal("the application role updated the audit trail")
	}
	if err := env.DB.App.Exec(`DELETE FROM audit_links`).Error; err == nil {
		t.Fatal("the application role deleted links")
	}
	// Someone with the owner's powers rewrites a linked entry.
	env.DB.Exec(t, `SET session_replication_role = replica;
		UPDATE audit_entries SET outcome = 'success' WHERE action = 'auth.login_failed'`)
	rep := verify()
	if rep["ok"] != false || rep["first_broken"] == nil {
		t.Fatalf("tampered trail: %v", rep)
	}
}

func TestAuditTrailVerifyReportsTruncation(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	auditor := env.Token("auditor@jardam.local")
	env.Token("supervisor@sezim.kg")
	env.LinkAudit()
	env.DB.Exec(t, `SET session_replication_role = replica;
		DELETE FROM audit_links WHERE seq = (SELECT max(seq) FROM audit_links)`)
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit/verify", Token: auditor})
	rep := r.Map(t)
	if rep["ok"] != false || rep["truncated"] != true {
		t.Fatalf("truncated trail: %v", rep)
	}
}

// TestAuditVerifyAgainstTheAnchor: the server compares the chain with the
// anchor file's newest head, says which links it checked, and reports as
// truncated a chain whose newest entries and checkpoints were deleted.
func TestAuditVerifyAgainstTheAnchor(t *testing.T) {
	t.Parallel()
	anchor := filepath.Join(t.TempDir(), "audit-anchor.jsonl")
	env := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.AuditAnchorFile = anchor }})
	auditor := env.Token("auditor@jardam.local")
	env.LinkAudit()
	env.Token("supervisor@sezim.kg")
	env.Token("caseworker@sezim.kg")
	env.LinkAudit()
	verify := func(query string) map[string]any {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit/verify" + query, Token: auditor})
		if r.Status != http.StatusOK {
			t.Fatalf("verify: %d %s", r.Status, r.Body)
		}
		return r.Map(t)
	}
	last := float64(env.Count(`SELECT max(seq) FROM audit_links`))
	quick := verify("")
	if quick["ok"] != true || quick["anchor"] == nil || quick["anchor"].(map[string]any)["seq"] != last ||
		quick["checked_to"] != last || quick["checked_from"].(float64) <= 1 {
		t.Fatalf("quick check: %v", quick)
	}
	if full := verify("?full=true"); full["ok"] != true || full["checked_from"] != float64(1) || full["checked_to"] != last {
		t.Fatalf("full check: %v", full)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit/verify?full=yes", Token: auditor, Invalid: true}); r.Status != http.StatusBadRequest {
		t.Fatalf("full=yes: %d", r.Status)
	}
	// The newest entries go, with their links and checkpoints.
	env.DB.Exec(t, fmt.Sprintf(`SET session_replication_role = replica;
		DELETE FROM audit_entries WHERE id IN (SELECT entry_id FROM audit_links WHERE seq > %[1]d);
		DELETE FROM audit_links WHERE seq > %[1]d;
		DELETE FROM audit_checkpoints WHERE seq > %[1]d`, int64(last)-2))
	for _, q := range []string{"", "?full=true"} {
		if rep := verify(q); rep["ok"] != false || rep["truncated"] != true || rep["checked_to"] != last-2 {
			t.Fatalf("cut trail%s: %v", q, rep)
		}
	}
}
