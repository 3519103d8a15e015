package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

const (
	hotlineSupervisor = "supervisor@hotline1899.kg"
	missingCase       = "7d1c3a52-5a7e-4f8e-9c1a-2b7b1d2f0c11"
)

// TestHotlineSupervisor: a hotline's supervisor is a role of hotlines only,
// approves its hotline's accounts as the second person, reads its
// hotline's contacts and no other's, and reaches no case: every case and
// referral route refuses it by role, alike for an existing and a missing
// case, and row-level security shows the hotline no case even after its
// intake opened one.
func TestHotlineSupervisor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	addOshLine(t, env)
	t.Run("granted in a hotline only, it approves the hotline's operators", func(t *testing.T) { hotlineSupervisorGrants(t, env) })
	t.Run("it reads its hotline's contacts and no case, alike for existing and missing", func(t *testing.T) {
		hotlineSupervisorIsolation(t, env)
	})
}

// hotlineSupervisorGrants: the role fits a hotline only; with an active
// hotline supervisor, it (not an admin, not the org admin who asked, not a
// crisis center's supervisor) approves a new operator, which then shows in
// its work list until approved.
func hotlineSupervisorGrants(t *testing.T, env *apitest.Env) {
	env.AddUser("orgadmin@hotline1899.kg", "HOTLINE-1899", "org_admin")
	hotAdmin, hs := env.Token("orgadmin@hotline1899.kg"), env.Token(hotlineSupervisor)
	wantProblem(t, post(env, env.Token("orgadmin@sezim.kg"), "/api/v1/users", map[string]any{"email": "hs@sezim.kg",
		"name": "Not at a hotline", "role": "hotline_supervisor", "organization_id": env.OrgID("SEZIM")}), http.StatusBadRequest, "role")
	wantProblem(t, post(env, hotAdmin, "/api/v1/users", map[string]any{"email": "sup@hotline1899.kg",
		"name": "Not a case supervisor", "role": "supervisor", "organization_id": env.OrgID("HOTLINE-1899")}), http.StatusBadRequest, "role")
	r := post(env, hotAdmin, "/api/v1/users", map[string]any{"email": "op3@hotline1899.kg",
		"name": "Third Operator", "role": "hotline_operator", "organization_id": env.OrgID("HOTLINE-1899")})
	u := r.Map(t)
	if r.Status != http.StatusCreated || u["status"] != "pending_approval" {
		t.Fatalf("create operator: %d %s", r.Status, r.Body)
	}
	approve := "/api/v1/users/" + u["id"].(string) + "/approve"
	var work struct{ Items []map[string]any }
	env.GetJSON(t, hs, "/api/v1/me/work?kind=approval", &work)
	if len(work.Items) != 1 || work.Items[0]["user_id"] != u["id"] {
		t.Fatalf("the hotline supervisor's approvals: %v", work.Items)
	}
	for who, want := range map[string]int{"orgadmin@hotline1899.kg": http.StatusForbidden, "admin@jardam.local": http.StatusForbidden,
		"supervisor@sezim.kg": http.StatusNotFound} {
		if r := post(env, env.Token(who), approve, map[string]any{}); r.Status != want {
			t.Fatalf("%s approves a hotline operator: %d %s, want %d", who, r.Status, r.Body, want)
		}
	}
	r = post(env, hs, approve, map[string]any{})
	if r.Status != http.StatusOK || r.Map(t)["one_time_password"] == nil {
		t.Fatalf("the hotline supervisor approves: %d %s", r.Status, r.Body)
	}
	hotlineSupervisorRaise(t, env, hotAdmin, hs, "op3@hotline1899.kg")
}

// hotlineSupervisorRaise: raising operator email to hotline supervisor waits
// for the hotline supervisor's approval; stepping down to operator, whose
// rights it holds, does not.
func hotlineSupervisorRaise(t *testing.T, env *apitest.Env, hotAdmin, hs, email string) {
	u := userByEmail(t, env, hotAdmin, email)
	id := u["id"].(string)
	patch := func(role string, version any) map[string]any {
		r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + id, Token: hotAdmin,
			Body: map[string]any{"role": role, "version": version}})
		if r.Status != http.StatusOK {
			t.Fatalf("role %s: %d %s", role, r.Status, r.Body)
		}
		return r.Map(t)
	}
	if m := patch("hotline_supervisor", u["version"]); m["role"] != "hotline_operator" || m["pending_role"] != "hotline_supervisor" {
		t.Fatalf("raise: %v", m)
	}
	r := post(env, hs, "/api/v1/users/"+id+"/approve", map[string]any{})
	raised := r.Map(t)["user"].(map[string]any)
	if r.Status != http.StatusOK || raised["role"] != "hotline_supervisor" {
		t.Fatalf("the hotline supervisor approves the raise: %d %s", r.Status, r.Body)
	}
	if m := patch("hotline_operator", raised["version"]); m["role"] != "hotline_operator" || m["pending_role"] != nil {
		t.Fatalf("step down: %v", m)
	}
}

// hotlineSupervisorIsolation: an operator's contact referred to Sezim and
// accepted there; the hotline supervisor reads the contact and its intake's
// status, never the case.
func hotlineSupervisorIsolation(t *testing.T, env *apitest.Env) {
	op, hs, cw := env.Token("operator@hotline1899.kg"), env.Token(hotlineSupervisor), env.Token("caseworker@sezim.kg")
	c := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "person_concerned", "topic": "victim_seeking_help",
		"identity": map[string]any{"given_name": "Айгерим", "family_name": "Садыкова"}})
	id := c["id"].(string)
	r := post(env, op, "/api/v1/contacts/"+id+"/refer", map[string]any{"to_organization_id": env.OrgID("SEZIM"),
		"categories": []string{"identity"}, "urgency": "normal"})
	if r.Status != http.StatusOK {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	refID := r.Map(t)["intake"].(map[string]any)["referral_id"].(string)
	r = post(env, cw, "/api/v1/referrals/"+refID+"/accept", map[string]any{})
	caseID, _ := r.Map(t)["case_id"].(string)
	if r.Status != http.StatusOK || caseID == "" {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts/" + id, Token: hs})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"status":"accepted"`) ||
		!strings.Contains(string(r.Body), "Айгерим") || strings.Contains(string(r.Body), caseID) {
		t.Fatalf("the hotline supervisor's contact: %d %s", r.Status, r.Body)
	}
	other := newContact(t, env, env.Token("operator@osh-line.kg"), map[string]any{"channel": "phone", "caller": "anonymous", "topic": "other"})
	hidden := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts/" + other["id"].(string), Token: hs})
	gone := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts/" + missingCase, Token: hs})
	if hidden.Status != http.StatusNotFound || scrub(hidden) != scrub(gone) {
		t.Fatalf("another hotline's contact: %d %s / %s", hidden.Status, hidden.Body, gone.Body)
	}
	var page struct{ Items []map[string]any }
	env.GetJSON(t, hs, "/api/v1/contacts", &page)
	if len(page.Items) == 0 || page.Items[0]["id"] != id {
		t.Fatalf("the hotline supervisor's list: %v", page.Items)
	}
	hotlineSupervisorNoCase(t, env, hs, caseID)
}

// hotlineSupervisorNoCase: the case the intake opened and a missing one
// answer alike on every case route, the lists and creation are refused,
// and the hotline's transaction sees no case row.
func hotlineSupervisorNoCase(t *testing.T, env *apitest.Env, hs, caseID string) {
	for _, sub := range []string{"", "/notes", "/documents", "/plan", "/consents", "/access-log", "/file", "/persons"} {
		a := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID + sub, Token: hs})
		b := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + missingCase + sub, Token: hs})
		if a.Status != http.StatusForbidden || scrub(a) != scrub(b) || strings.Contains(string(a.Body), "Айгерим") {
			t.Fatalf("a hotline supervisor on %s: %d %s / %d %s", sub, a.Status, a.Body, b.Status, b.Body)
		}
	}
	for _, path := range []string{"/api/v1/cases", "/api/v1/referrals", "/api/v1/stats/tables"} {
		if r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: hs}); r.Status != http.StatusForbidden {
			t.Fatalf("a hotline supervisor on %s: %d", path, r.Status)
		}
	}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: hs, Invalid: true,
		Body: map[string]any{"identity": map[string]any{"given_name": "X"}}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("a hotline supervisor opens a case: %d %s", r.Status, r.Body)
	}
	if n := countInOrg(t, env, "HOTLINE-1899", `SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("the hotline's transaction sees %d cases", n)
	}
	if n := countInOrg(t, env, "SEZIM", `SELECT count(*) FROM cases WHERE id = ?`, caseID); n != 1 {
		t.Fatal("the case the intake opened is not at Sezim")
	}
}

// scrub is a response body without its request id.
func scrub(r *apitest.Response) string {
	return requestIDField.ReplaceAllString(string(r.Body), "")
}
