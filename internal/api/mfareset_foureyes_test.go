package api_test

import (
	"net/http"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/auth"
)

// A factor reset is a grant like an account's approval: whoever created or
// last set the password of the requester's account could sign in as the
// requester, so they are no second person for it either.
func TestFactorResetIsNotApprovedByWhoeverMadeTheRequestersAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	target := env.Token("caseworker@sezim.kg")
	enroll(t, env, target)
	id := meMap(t, env, target)["id"].(string)
	approve := func(email string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users/" + id + "/mfa-reset/approve", Token: env.Token(email)})
	}
	r := env.Do(apitest.Request{Method: http.MethodDelete, Path: "/api/v1/users/" + id + "/mfa", Token: env.Token("orgadmin@sezim.kg")})
	if r.Status != http.StatusAccepted {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	env.DB.Exec(t, `UPDATE users SET created_by = (SELECT id FROM users WHERE email = 'admin@jardam.local'), password_set_by = NULL
		WHERE email = 'orgadmin@sezim.kg'`)
	if r := approve("admin@jardam.local"); r.Status != http.StatusForbidden {
		t.Fatalf("the creator of the requester's account approves: %d %s", r.Status, r.Body)
	}
	env.DB.Exec(t, `UPDATE users SET created_by = NULL, password_set_by = (SELECT id FROM users WHERE email = 'admin@jardam.local')
		WHERE email = 'orgadmin@sezim.kg'`)
	if r := approve("admin@jardam.local"); r.Status != http.StatusForbidden {
		t.Fatalf("who last set the requester's password approves: %d %s", r.Status, r.Body)
	}
	env.ExpectCount(t, 2, "refusals audited", `SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'denied'`, auth.ActionMFAResetApprove)
	if r := approve("admin2@jardam.local"); r.Status != http.StatusNoContent {
		t.Fatalf("a second person approves: %d %s", r.Status, r.Body)
	}
}
