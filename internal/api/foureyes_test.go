package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/users"
)

func approve(env *apitest.Env, token, id string) *apitest.Response {
	return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users/" + id + "/approve", Token: token})
}

// createPending opens an account that waits for approval and returns its id.
func createPending(t *testing.T, env *apitest.Env, token, email, role, org string) string {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: token, Body: map[string]any{
		"email": email, "name": "New " + role, "role": role, "organization_id": org}})
	m := r.Map(t)
	if r.Status != http.StatusCreated || m["status"] != "pending_approval" || m["pending_role"] != nil || m["disabled"] != false {
		t.Fatalf("create %s: %d %s", role, r.Status, r.Body)
	}
	return m["id"].(string)
}

// approved approves account id and returns its one-time password.
func approved(t *testing.T, env *apitest.Env, token, id string) string {
	t.Helper()
	r := approve(env, token, id)
	if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	pw, _ := m["one_time_password"].(string)
	if len(pw) < 16 || m["user"].(map[string]any)["status"] != "active" || m["user"].(map[string]any)["must_change_password"] != true {
		t.Fatalf("approval: %s", r.Body)
	}
	return pw
}

// changePassword signs in with a one-time password and sets a new one.
func changePassword(t *testing.T, env *apitest.Env, email, oneTime, next string) string {
	t.Helper()
	tok := env.Token(email, oneTime)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/me/password", Token: tok,
		Body: map[string]string{"current_password": oneTime, "new_password": next}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("password change: %d %s", r.Status, r.Body)
	}
	return env.Token(email, next)
}

func TestOnePersonCannotGrantCaseAccessAlone(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("admin3@jardam.local", "OPS", "admin")
	admin, admin2, admin3 := env.Token("admin@jardam.local"), env.Token("admin2@jardam.local"), env.Token("admin3@jardam.local")
	org := env.OrgID("AKZHUROK")
	// The first admin opens an org admin account: nobody can sign in to it,
	// and the same admin cannot approve it.
	orgAdminID := createPending(t, env, admin, "chief@akzhurok.kg", "org_admin", org)
	if r := login(env, "chief@akzhurok.kg", "whatever it might be"); r.Status != http.StatusForbidden {
		t.Fatalf("pending account signs in: %d", r.Status)
	}
	if r := approve(env, admin, orgAdminID); r.Status != http.StatusForbidden {
		t.Fatalf("the requester approved: %d %s", r.Status, r.Body)
	}
	// A second admin approves and hands over the one-time password.
	oneTime := approved(t, env, admin2, orgAdminID)
	orgAdmin := changePassword(t, env, "chief@akzhurok.kg", oneTime, "the chief's own password")
	// The org admin opens a supervisor account (AKZHUROK has none, so an
	// admin approves): neither the org admin, nor the admin who created the
	// org admin, nor the admin who set its password may approve it.
	supID := createPending(t, env, orgAdmin, "boss@akzhurok.kg", "supervisor", org)
	for name, tok := range map[string]string{"Requester": orgAdmin, "CreatorOfRequester": admin, "LastResetterOfRequester": admin2} {
		if r := approve(env, tok, supID); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Fatalf("%s approved: %d %s", name, r.Status, r.Body)
		}
	}
	if r := login(env, "boss@akzhurok.kg", "any password at all"); r.Status != http.StatusForbidden {
		t.Fatalf("pending supervisor: %d", r.Status)
	}
	// A third person completes the chain.
	approved(t, env, admin3, supID)
	if got := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'user.approve' AND outcome = 'success'`); got != 2 {
		t.Fatalf("approvals audited: %d", got)
	}
	if got := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'authz.denied' AND object_id = 'user.approve'`); got != 4 {
		t.Fatalf("refused approvals audited: %d", got)
	}
}

func TestApproverRules(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	env.AddUser("orgadmin2@sezim.kg", "SEZIM", "org_admin")
	env.AddUser("supervisor2@sezim.kg", "SEZIM", "supervisor")
	sezim := env.OrgID("SEZIM")
	orgAdmin := env.Token("orgadmin@sezim.kg")
	// The second org admin's password was last set by the SEZIM supervisor
	// (as if it had approved it), and its account created by supervisor2.
	env.DB.Exec(t, `UPDATE users SET password_set_by = (SELECT id FROM users WHERE email = 'supervisor@sezim.kg'),
		created_by = (SELECT id FROM users WHERE email = 'supervisor2@sezim.kg') WHERE email = 'orgadmin2@sezim.kg'`)
	byOrgAdmin2 := createPending(t, env, env.Token("orgadmin2@sezim.kg"), "b@sezim.kg", "caseworker", sezim)
	byOrgAdmin := createPending(t, env, orgAdmin, "a@sezim.kg", "caseworker", sezim)
	tests := []struct {
		name, who, id string
		want          int
	}{
		{"SupervisorOfAnotherOrgSeesNothing", "supervisor@akzhurok.kg", byOrgAdmin, http.StatusNotFound},
		{"AdminWhereTheOrgHasASupervisorIsRefused", "admin@jardam.local", byOrgAdmin, http.StatusForbidden},
		{"OrgAdminIsNoApprover", "orgadmin2@sezim.kg", byOrgAdmin, http.StatusForbidden},
		{"RequesterIsRefused", "orgadmin@sezim.kg", byOrgAdmin, http.StatusForbidden},
		{"LastResetterOfRequesterIsRefused", "supervisor@sezim.kg", byOrgAdmin2, http.StatusForbidden},
		{"CreatorOfRequesterIsRefused", "supervisor2@sezim.kg", byOrgAdmin2, http.StatusForbidden},
		{"AnotherSupervisorApproves", "supervisor2@sezim.kg", byOrgAdmin, http.StatusOK},
		{"NothingLeftToApprove", "supervisor@sezim.kg", byOrgAdmin, http.StatusConflict},
		{"MissingAccount", "supervisor@sezim.kg", "00000000-0000-4000-8000-000000000000", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := approve(env, env.Token(tc.who), tc.id)
			if r.Status != tc.want {
				t.Fatalf("got %d, want %d: %s", r.Status, tc.want, r.Body)
			}
		})
	}
	// Nobody approves their own raise: an admin lowered to org admin by
	// another admin (a raise of case-granting rights in its organization).
	admin, admin2 := env.Token("admin@jardam.local"), env.Token("admin2@jardam.local")
	self := userByEmail(t, env, admin2, "admin@jardam.local")
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + self["id"].(string), Token: admin2,
		Body: map[string]any{"role": "org_admin", "version": 1}})
	if r.Map(t)["pending_role"] != "org_admin" {
		t.Fatalf("raise: %d %s", r.Status, r.Body)
	}
	if r := approve(env, admin, self["id"].(string)); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "own account") {
		t.Fatalf("self-approval: %d %s", r.Status, r.Body)
	}
	// A password given for a role that needs approval is refused, naming it.
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: orgAdmin, Body: map[string]any{
		"email": "c@sezim.kg", "name": "C", "role": "supervisor", "organization_id": sezim, "password": "Sekret-value-4711"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"password"`) || strings.Contains(string(r.Body), "Sekret") {
		t.Fatalf("password for a supervisor: %d %s", r.Status, r.Body)
	}
}

func TestAnAdminApprovesWhereTheOrganizationHasNoSupervisor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("orgadmin@akzhurok.kg", "AKZHUROK", "org_admin")
	env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	orgAdmin := env.Token("orgadmin@akzhurok.kg")
	sup := userByEmail(t, env, orgAdmin, "supervisor@akzhurok.kg")
	cw := userByEmail(t, env, orgAdmin, "caseworker@akzhurok.kg")
	// The only supervisor steps down to caseworker (at once: it held those
	// rights), then is raised again: it cannot approve itself, and with no
	// supervisor left in the organization an admin approves.
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + sup["id"].(string), Token: orgAdmin,
		Body: map[string]any{"role": "caseworker", "version": 1}})
	if m := r.Map(t); r.Status != http.StatusOK || m["role"] != "caseworker" || m["pending_role"] != nil {
		t.Fatalf("step down: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + cw["id"].(string), Token: orgAdmin,
		Body: map[string]any{"role": "supervisor", "version": 1}})
	if r.Map(t)["pending_role"] != "supervisor" {
		t.Fatalf("raise: %d %s", r.Status, r.Body)
	}
	if r := approve(env, env.Token("supervisor@sezim.kg"), cw["id"].(string)); r.Status != http.StatusNotFound {
		t.Fatalf("another organization's supervisor: %d", r.Status)
	}
	r = approve(env, env.Token("admin@jardam.local"), cw["id"].(string))
	if m := r.Map(t); r.Status != http.StatusOK || m["user"].(map[string]any)["role"] != "supervisor" {
		t.Fatalf("admin approves where no supervisor is: %d %s", r.Status, r.Body)
	}
}

func TestPendingAccountSignInSaysNothingOfThePassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	orgAdmin := env.Token("orgadmin@sezim.kg")
	cw := userByEmail(t, env, orgAdmin, "caseworker@sezim.kg")
	id := cw["id"].(string)
	// Disabled, then re-enabled: a grant like any other, pending until a
	// second person approves; the old password no longer opens it.
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + id, Token: orgAdmin, Body: map[string]any{"disabled": true, "version": 1}})
	if r.Map(t)["status"] != "disabled" {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + id, Token: orgAdmin, Body: map[string]any{"disabled": false, "version": 2}})
	if m := r.Map(t); r.Status != http.StatusOK || m["status"] != "pending_approval" || m["disabled"] != false {
		t.Fatalf("re-enable: %d %s", r.Status, r.Body)
	}
	right := login(env, "caseworker@sezim.kg", "jardam-demo-2025")
	wrong := login(env, "caseworker@sezim.kg", "not the password at all")
	if right.Status != http.StatusForbidden || wrong.Status != http.StatusForbidden {
		t.Fatalf("pending sign-in: %d and %d", right.Status, wrong.Status)
	}
	if a, b := stripRequestID(t, right), stripRequestID(t, wrong); a["detail"] != b["detail"] || a["title"] != b["title"] {
		t.Fatalf("answers differ: %v / %v", a, b)
	}
	// Each attempt counts as a failure: the throttle still stops guessing.
	for i := 0; i < 3; i++ {
		login(env, "caseworker@sezim.kg", "guess")
	}
	if r := login(env, "caseworker@sezim.kg", "jardam-demo-2025"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after five attempts: %d", r.Status)
	}
	// No password can be set on a pending account by patch.
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + id, Token: orgAdmin,
		Body: map[string]any{"password": "a fresh one-time password", "version": 3}})
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), `"password"`) {
		t.Fatalf("password on a pending account: %d %s", r.Status, r.Body)
	}
	env.DB.Exec(t, `DELETE FROM login_throttle`)
	oneTime := approved(t, env, env.Token("supervisor@sezim.kg"), id)
	if r := login(env, "caseworker@sezim.kg", "jardam-demo-2025"); r.Status != http.StatusUnauthorized {
		t.Fatalf("the old password after approval: %d", r.Status)
	}
	changePassword(t, env, "caseworker@sezim.kg", oneTime, "the caseworker's own")
}

func TestCoordinatorsAndAuditorsAreActiveAtOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Token("admin@jardam.local")
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: admin, Body: map[string]any{
		"email": "count@mlsp.gov.kg", "name": "Counter", "role": "coordinator", "organization_id": env.OrgID("MLSSM-CTU"),
		"password": "a one-time password"}})
	if m := r.Map(t); r.Status != http.StatusCreated || m["status"] != "active" || m["must_change_password"] != true {
		t.Fatalf("coordinator: %d %s", r.Status, r.Body)
	}
	changePassword(t, env, "count@mlsp.gov.kg", "a one-time password", "the coordinator's own")
	if r := approve(env, env.Token("admin2@jardam.local"), r.Map(t)["id"].(string)); r.Status != http.StatusConflict {
		t.Fatalf("approving an active account: %d", r.Status)
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: admin, Body: map[string]any{
		"email": "aud@jardam.local", "name": "Auditor", "role": "auditor", "organization_id": env.OrgID("OPS")}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"password"`) {
		t.Fatalf("auditor without a password: %d %s", r.Status, r.Body)
	}
}

func TestAccountEventsNotifyTheOrganization(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sezim := env.OrgID("SEZIM")
	orgAdmin := env.Token("orgadmin@sezim.kg")
	supervisor := env.Token("supervisor@sezim.kg")
	notes := func(tok string) []map[string]any {
		var l struct{ Items []map[string]any }
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications?limit=100", Token: tok}).JSON(t, &l)
		return l.Items
	}
	id := createPending(t, env, orgAdmin, "new.worker@sezim.kg", "caseworker", sezim)
	approved(t, env, supervisor, id)
	cw := userByEmail(t, env, orgAdmin, "caseworker@sezim.kg")
	env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + cw["id"].(string), Token: orgAdmin,
		Body: map[string]any{"password": "a fresh one-time password", "version": 1}})
	env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + cw["id"].(string), Token: orgAdmin,
		Body: map[string]any{"role": "supervisor", "version": 2}})
	kinds := map[string]int{}
	for _, n := range notes(supervisor) {
		kinds[n["kind"].(string)]++
		for _, v := range []any{n["ref_code"], n["link"]} {
			if s := v.(string); strings.Contains(s, "@") || strings.Contains(s, "Sezim") || strings.Contains(s, "New ") {
				t.Fatalf("personal data in a notification: %v", n)
			}
		}
	}
	want := map[string]int{"account.approval_requested": 2, "account.password_reset": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Fatalf("supervisor's notifications: %v", kinds)
		}
	}
	// The supervisor did the approval and is not told of it; the org admin is.
	if kinds["account.approved"] != 0 {
		t.Fatalf("the approver is told of its own approval: %v", kinds)
	}
	adminKinds := map[string]int{}
	for _, n := range notes(orgAdmin) {
		adminKinds[n["kind"].(string)]++
	}
	if adminKinds["account.approved"] != 1 || adminKinds["account.approval_requested"] != 0 {
		t.Fatalf("org admin's notifications: %v", adminKinds)
	}
	for _, action := range []string{"user.create", "user.approve", "user.password_reset", "user.role_change_requested"} {
		if env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'success'`, action) == 0 {
			t.Fatalf("%s not audited", action)
		}
	}
}

func TestDisablingHandsOverTheCases(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("caseworker2@sezim.kg", "SEZIM", "caseworker")
	orgAdmin := env.Token("orgadmin@sezim.kg")
	worker := env.Token("caseworker@sezim.kg")
	id1 := newCase(t, env, worker, nil)["id"].(string)
	id2 := newCase(t, env, worker, nil)["id"].(string)
	cw := userByEmail(t, env, orgAdmin, "caseworker@sezim.kg")
	cw2 := userByEmail(t, env, orgAdmin, "caseworker2@sezim.kg")
	other := userByEmail(t, env, env.Token("admin@jardam.local"), "caseworker@akzhurok.kg")
	patch := func(body map[string]any, invalid bool) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + cw["id"].(string), Token: orgAdmin, Body: body, Invalid: invalid})
	}
	if r := patch(map[string]any{"disabled": true, "reassign_to": other["id"], "version": 1}, false); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), `"field":"reassign_to"`) {
		t.Fatalf("another organization's worker: %d %s", r.Status, r.Body)
	}
	if r := patch(map[string]any{"name": "X", "reassign_to": cw2["id"], "version": 1}, false); r.Status != http.StatusBadRequest {
		t.Fatalf("reassign_to without disabling: %d", r.Status)
	}
	if r := patch(map[string]any{"disabled": true, "reassign_to": cw2["id"], "version": 1}, false); r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	for _, c := range []string{id1, id2} {
		// Past row-level security, as the superuser.
		n := env.DB.Count(t, `SELECT count(*) FROM case_assignments a JOIN users u ON u.id = a.user_id WHERE a.case_id = $1 AND u.email = 'caseworker2@sezim.kg'`, c)
		m := env.DB.Count(t, `SELECT count(*) FROM case_assignments a JOIN users u ON u.id = a.user_id WHERE a.case_id = $1 AND u.email = 'caseworker@sezim.kg'`, c)
		if n != 1 || m != 0 {
			t.Fatalf("case %s: taken over %d, left %d", c, n, m)
		}
		if env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'case.assign' AND object_id = ?`, c) != 1 {
			t.Fatalf("hand-over of %s not audited", c)
		}
	}
	// Without reassign_to, the cases become unassigned; the supervisor's
	// list shows them so.
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + cw2["id"].(string), Token: orgAdmin,
		Body: map[string]any{"disabled": true, "version": 1}})
	if r.Status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	var l struct{ Items []map[string]any }
	env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?unassigned=true", Token: env.Token("supervisor@sezim.kg")}).JSON(t, &l)
	found := 0
	for _, c := range l.Items {
		if len(c["assigned_user_ids"].([]any)) != 0 {
			t.Fatalf("an assigned case among the unassigned: %v", c["id"])
		}
		if c["id"] == id1 || c["id"] == id2 {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("unassigned cases in the supervisor's list: %d", found)
	}
}

func TestDormantAccountsAreDisabledOnceADay(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.Token("caseworker@sezim.kg")
	env.DB.Exec(t, `UPDATE users SET activated_at = now() - interval '100 days'`)
	env.DB.Exec(t, `UPDATE sessions SET created_at = now() - interval '95 days'
		WHERE user_id = (SELECT id FROM users WHERE email = 'supervisor@sezim.kg')`)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	job := users.NewDormancy(env.DB.App, 90, log)
	n, err := job.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Every demo account but the caseworker, who signed in just now.
	if want := env.Count(`SELECT count(*) FROM users`) - 1; int64(n) != want {
		t.Fatalf("disabled %d, want %d", n, want)
	}
	if env.Count(`SELECT count(*) FROM users WHERE status = 'active'`) != 1 ||
		env.Count(`SELECT count(*) FROM users WHERE email = 'caseworker@sezim.kg' AND status = 'active'`) != 1 {
		t.Fatal("the used account was disabled")
	}
	if r := login(env, "supervisor@sezim.kg", "jardam-demo-2025"); r.Status != http.StatusUnauthorized {
		t.Fatalf("a dormant account signs in: %d", r.Status)
	}
	if got := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'user.disable_dormant' AND actor_id IS NULL`); got != int64(n) {
		t.Fatalf("dormancy audited %d times", got)
	}
	// A second replica (or a second pass the same day) does nothing.
	env.DB.Exec(t, `UPDATE users SET status = 'active', disabled_at = NULL WHERE email = 'supervisor@sezim.kg'`)
	again, err := users.NewDormancy(env.DB.App, 90, log).RunOnce(context.Background())
	if err != nil || again != 0 {
		t.Fatalf("second pass the same day: %d %v", again, err)
	}
	env.DB.Exec(t, `UPDATE scheduled_jobs SET last_run_at = now() - interval '25 hours'`)
	if next, err := job.RunOnce(context.Background()); err != nil || next != 1 {
		t.Fatalf("next day's pass: %d %v", next, err)
	}
}

func TestTheRuleServesOtherGrants(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	id := func(email string) uuid.UUID {
		var r struct{ ID uuid.UUID }
		if err := env.DB.App.Raw(`SELECT id FROM users WHERE email = ?`, email).Scan(&r).Error; err != nil || r.ID == uuid.Nil {
			t.Fatalf("%s: %v", email, err)
		}
		return r.ID
	}
	principal := func(email, role, org string) reqctx.Principal {
		return reqctx.Principal{UserID: id(email), Role: role, OrganizationID: uuid.MustParse(env.OrgID(org))}
	}
	sup := principal("supervisor@sezim.kg", "supervisor", "SEZIM")
	admin := principal("admin@jardam.local", "admin", "OPS")
	cw, orgAdmin := id("caseworker@sezim.kg"), id("orgadmin@sezim.kg")
	tests := []struct {
		name      string
		caller    reqctx.Principal
		target    uuid.UUID
		requester uuid.UUID
		refused   bool
	}{
		{"SupervisorApprovesForACaseworker", sup, cw, orgAdmin, false},
		{"AdminIsNotTheApproverWhereASupervisorIs", admin, cw, orgAdmin, true},
		{"RequesterIsRefused", sup, cw, sup.UserID, true},
		{"AnotherAdminApprovesForAnOrgAdmin", admin, orgAdmin, id("admin2@jardam.local"), false},
		{"SupervisorIsNotTheApproverOfAnOrgAdmin", sup, orgAdmin, id("admin2@jardam.local"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reason, err := users.ApproverRefusal(env.DB.App, tc.caller, tc.target, tc.requester)
			if err != nil || (reason != "") != tc.refused {
				t.Fatalf("reason %q, err %v", reason, err)
			}
		})
	}
	if _, err := users.ApproverRefusal(env.DB.App, principal("caseworker@akzhurok.kg", "supervisor", "AKZHUROK"), cw, orgAdmin); err == nil {
		t.Fatal("another organization's account is visible")
	}
}
