package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// allowedOf reads a case as tok and returns its allowed actions and stages.
func allowedOf(t *testing.T, env *apitest.Env, tok, caseID string) (actions, stages []string) {
	t.Helper()
	var c struct {
		Actions []string `json:"allowed_actions"`
		Stages  []string `json:"allowed_stages"`
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID, Token: tok})
	if r.Status != http.StatusOK {
		t.Fatalf("read case: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &c)
	if c.Actions == nil || c.Stages == nil {
		t.Fatalf("allowed_actions and allowed_stages must be lists: %s", r.Body)
	}
	return c.Actions, c.Stages
}

func wantActions(t *testing.T, who string, got, want, not []string) {
	t.Helper()
	for _, a := range want {
		if !slices.Contains(got, a) {
			t.Errorf("%s: %q missing from %v", who, a, got)
		}
	}
	for _, a := range not {
		if slices.Contains(got, a) {
			t.Errorf("%s: %q offered in %v", who, a, got)
		}
	}
}

// The actions a case offers follow the rules the server enforces: the owner
// moves and changes the case, only its supervisor closes, assigns and reads
// the access log, and a referred organization does none of that (the
// server refuses what is not offered).
func TestCaseAllowedActions(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	w.to(t, "accepted")
	env := w.env
	ownerOnly := []string{"update", "move_stage", "plan_read", "plan_edit", "consent_list", "consent_create", "consent_withdraw", "refer",
		"assessment_list", "assessment_create", "flag_create", "approval_list", "approval_request"}
	shared := []string{"referral_list", "assistance_list", "assistance_create", "note_list", "note_create"}
	supervisorOnly := []string{"close", "assign", "access_log", "flag_remove", "approval_decide", "erasure_request", "legal_hold"}

	actions, stages := allowedOf(t, env, w.sender, w.caseID)
	wantActions(t, "caseworker", actions, append(ownerOnly, shared...), supervisorOnly)
	if !slices.Equal(stages, []string{"shelter", "rehabilitation", "reintegration"}) {
		t.Errorf("caseworker's stages from identification: %v", stages)
	}

	actions, stages = allowedOf(t, env, w.senderSupervisor, w.caseID)
	wantActions(t, "supervisor", actions, append(append(ownerOnly, shared...), supervisorOnly...), nil)
	if !slices.Equal(stages, []string{"shelter", "rehabilitation", "reintegration", "closed"}) {
		t.Errorf("supervisor's stages from identification: %v", stages)
	}

	actions, stages = allowedOf(t, env, w.recipient, w.caseID)
	wantActions(t, "referred organization", actions, shared, append(ownerOnly, supervisorOnly...))
	if len(stages) != 0 {
		t.Errorf("referred organization's stages: %v", stages)
	}
	// What is not offered is refused; what is offered is done.
	if r := post(env, w.recipient, "/api/v1/cases/"+w.caseID+"/stage", map[string]any{"stage": "shelter"}); r.Status != http.StatusForbidden {
		t.Errorf("referred organization moves the stage: %d", r.Status)
	}
	if r := post(env, w.recipient, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "assistance", "given_by": "person"}); r.Status != http.StatusForbidden {
		t.Errorf("referred organization records a consent: %d", r.Status)
	}
	// A caseworker asks for a closure (closures need approval by default).
	if r := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/stage", map[string]any{"stage": "closed", "reason": "other"}); r.Status != http.StatusConflict {
		t.Errorf("caseworker closes: %d", r.Status)
	}
	if r := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/stage", map[string]any{"stage": "reintegration"}); r.Status != http.StatusOK {
		t.Fatalf("caseworker moves forward: %d %s", r.Status, r.Body)
	}
	if _, stages = allowedOf(t, env, w.sender, w.caseID); !slices.Equal(stages, []string{"shelter"}) {
		t.Errorf("caseworker's stages from reintegration: %v", stages)
	}
	if r := post(env, w.senderSupervisor, "/api/v1/cases/"+w.caseID+"/stage", map[string]any{"stage": "closed", "reason": "reintegrated"}); r.Status != http.StatusOK {
		t.Fatalf("supervisor closes: %d %s", r.Status, r.Body)
	}
	actions, stages = allowedOf(t, env, w.sender, w.caseID)
	wantActions(t, "caseworker on a closed case", actions, []string{"update"}, []string{"move_stage", "refer", "approval_request"})
	if len(stages) != 0 {
		t.Errorf("caseworker reopens: %v", stages)
	}
	if _, stages = allowedOf(t, env, w.senderSupervisor, w.caseID); !slices.Equal(stages, []string{"identification", "shelter", "rehabilitation", "reintegration"}) {
		t.Errorf("supervisor's reopening stages: %v", stages)
	}
}

// /me lists the roles the caller may grant, as the account rules allow.
func TestMeGrantableRoles(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, tc := range []struct {
		email string
		want  []string
	}{
		{"caseworker@sezim.kg", []string{}},
		{"supervisor@sezim.kg", []string{}},
		{"orgadmin@sezim.kg", []string{"caseworker", "supervisor"}},
		{"admin@jardam.local", []string{"admin", "org_admin", "coordinator", "auditor"}},
		{"operator@hotline1899.kg", []string{}},
	} {
		var me struct {
			GrantableRoles []string `json:"grantable_roles"`
		}
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: env.Token(tc.email)}).JSON(t, &me)
		if me.GrantableRoles == nil || !slices.Equal(me.GrantableRoles, tc.want) {
			t.Errorf("%s: grantable roles %v, want %v", tc.email, me.GrantableRoles, tc.want)
		}
	}
}
