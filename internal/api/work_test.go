package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

type workList struct {
	Items []struct {
		Kind         string    `json:"kind"`
		DueAt        time.Time `json:"due_at"`
		Overdue      bool      `json:"overdue"`
		Link         string    `json:"link"`
		CaseID       string    `json:"case_id"`
		ReferralID   string    `json:"referral_id"`
		UserID       string    `json:"user_id"`
		Approval     string    `json:"approval"`
		Period       string    `json:"period"`
		ReportKind   string    `json:"report_kind"`
		ReferralCode string    `json:"referral_code"`
	} `json:"items"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

func myWork(t *testing.T, env *apitest.Env, token, query string) (workList, string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me/work" + query, Token: token})
	if r.Status != http.StatusOK {
		t.Fatalf("work list: %d %s", r.Status, r.Body)
	}
	var w workList
	r.JSON(t, &w)
	return w, string(r.Body)
}

// kindsFor lists the kinds of w's items for a case, referral or user id.
func (w workList) kindsFor(id string) []string {
	var out []string
	for _, it := range w.Items {
		if it.CaseID == id || it.ReferralID == id || it.UserID == id {
			out = append(out, it.Kind)
		}
	}
	return out
}

// TestMyWork walks each role's work list: what is due, what is overdue, in
// which order, and nothing of another person's or with a name.
func TestMyWork(t *testing.T) {
	t.Parallel()
	w := newWorkWorld(t)
	// The steps act on the shared items (accept, approve) and run in order.
	runSteps(t, w, []step[*workWorld]{
		{"caseworker", (*workWorld).caseworkerSeesOwnCaseItems},
		{"receiving organization", (*workWorld).recipientAnswersReferral},
		{"supervisor", (*workWorld).supervisorSeesUnassignedAndApprovals},
		{"the requester does not approve", (*workWorld).requesterIsNotOfferedApproval},
		{"coordinator", (*workWorld).coordinatorSeesSummaryReports},
	})
}

// workWorld is a case of the caseworker with a plan goal due in 5 days, a
// reflection period ending in 3, a consent expiring in 10 and a referral
// out; an unassigned case of Sezim, two days old; and an account awaiting
// approval.
type workWorld struct {
	env                                *apitest.Env
	worker, social, supervisor, orgAdm string
	caseID, referralID, orphan         string
	pending                            string
}

func newWorkWorld(t *testing.T) *workWorld {
	t.Helper()
	env := apitest.New(t)
	w := &workWorld{env: env, worker: env.Token("caseworker@sezim.kg"), social: env.Token("social@mlsp.gov.kg"),
		supervisor: env.Token("supervisor@sezim.kg"), orgAdm: env.Token("orgadmin@sezim.kg")}
	due := func(days int) string { return time.Now().In(bishkek(t)).AddDate(0, 0, days).Format("2006-01-02") }
	w.caseID = newCase(t, env, w.worker, map[string]any{"identity": map[string]any{"given_name": "WORKNAME-7c1e"}})["id"].(string)
	if r := env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + w.caseID + "/plan", Token: w.worker, Body: map[string]any{
		"needs_assessment": "housing", "goals": []map[string]any{{"text": "restore passport", "due_on": due(5)}}}}); r.Status != http.StatusOK {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	env.DB.Exec(t, `UPDATE cases SET reflection_ends_on = $2::date WHERE id = $1`, w.caseID, due(3))
	r := post(env, w.worker, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity"}, "given_by": "person",
		"expires_at": time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	r = post(env, w.worker, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"assistance_types": []string{"financial"}, "categories": []string{"identity"}, "urgency": "urgent", "consent_id": r.Map(t)["id"]})
	if r.Status != http.StatusCreated {
		t.Fatalf("referral: %d %s", r.Status, r.Body)
	}
	w.referralID = r.Map(t)["id"].(string)
	w.orphan = newCase(t, env, w.worker, nil)["id"].(string)
	env.DB.Exec(t, `DELETE FROM case_assignments WHERE case_id = $1`, w.orphan)
	env.DB.Exec(t, `UPDATE cases SET created_at = now() - interval '2 days' WHERE id = $1`, w.orphan)
	w.pending = createPending(t, env, w.orgAdm, "work.new@sezim.kg", "caseworker", env.OrgID("SEZIM"))
	return w
}

func (ww *workWorld) caseworkerSeesOwnCaseItems(t *testing.T) {
	env := ww.env
	w, body := myWork(t, env, ww.worker, "")
	if got := strings.Join(w.kindsFor(ww.caseID), ","); got != "reflection_period_ending,plan_goal,consent_expiring" {
		t.Errorf("the case's items, most urgent first: %q", got)
	}
	for _, it := range w.Items {
		if it.Overdue || it.Kind == "unassigned_case" || it.Kind == "approval" || it.Kind == "report_due" || it.Kind == "referral_response" {
			t.Errorf("caseworker got %+v", it)
		}
	}
	if strings.Contains(body, "WORKNAME-7c1e") {
		t.Error("the work list carries a name")
	}
	if w.Counts["plan_goal"] < 1 || w.Counts["approval"] != 0 || w.Total != len(w.Items) {
		t.Errorf("counts %v, total %d of %d items", w.Counts, w.Total, len(w.Items))
	}
	only, _ := myWork(t, env, ww.worker, "?kind=plan_goal")
	if len(only.Items) != w.Counts["plan_goal"] || only.Counts["reflection_period_ending"] != w.Counts["reflection_period_ending"] {
		t.Errorf("?kind=plan_goal: %d items, counts %v", len(only.Items), only.Counts)
	}
	bad := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me/work?kind=everything", Token: ww.worker, Invalid: true})
	if bad.Status != http.StatusBadRequest || !strings.Contains(string(bad.Body), `"kind"`) {
		t.Errorf("unknown kind: %d %s", bad.Status, bad.Body)
	}
}

func (ww *workWorld) recipientAnswersReferral(t *testing.T) {
	env, referralID := ww.env, ww.referralID
	w, _ := myWork(t, env, ww.social, "")
	if got := w.kindsFor(referralID); len(got) != 1 || got[0] != "referral_response" {
		t.Fatalf("the referral to answer: %v", got)
	}
	if len(w.kindsFor(ww.caseID)) != 0 {
		t.Error("the receiving organization got the owner's case items")
	}
	// Overdue once its deadline has passed, and first.
	env.DB.Exec(t, `UPDATE referrals SET due_at = now() - interval '1 hour' WHERE id = $1`, referralID)
	w, _ = myWork(t, env, ww.social, "")
	if len(w.Items) == 0 || w.Items[0].ReferralID != referralID || !w.Items[0].Overdue {
		t.Errorf("the overdue referral is not first: %+v", w.Items)
	}
	if post(env, ww.social, "/api/v1/referrals/"+referralID+"/accept", map[string]any{}).Status != http.StatusOK {
		t.Fatal("accept")
	}
	if w, _ = myWork(t, env, ww.social, ""); len(w.kindsFor(referralID)) != 0 {
		t.Error("an answered referral stays on the list")
	}
}

func (ww *workWorld) supervisorSeesUnassignedAndApprovals(t *testing.T) {
	env := ww.env
	w, _ := myWork(t, env, ww.supervisor, "")
	if got := w.kindsFor(ww.orphan); len(got) != 1 || got[0] != "unassigned_case" {
		t.Errorf("unassigned case: %v", got)
	}
	if got := w.kindsFor(ww.pending); len(got) != 1 || got[0] != "approval" {
		t.Errorf("approval: %v", got)
	}
	if len(w.kindsFor(ww.caseID)) != 0 {
		t.Error("the supervisor got items of a case assigned to someone else")
	}
	for _, it := range w.Items {
		if it.CaseID == ww.orphan && !it.Overdue {
			t.Error("a case unassigned for two days is not overdue")
		}
	}
	submitted := env.DB.Count(t, `SELECT count(*) FROM half_year_reports r JOIN organizations o ON o.id = r.organization_id
		WHERE o.code = 'SEZIM' AND r.kind = 'body' AND r.status = 'submitted'`)
	isBody := env.DB.Count(t, `SELECT count(*) FROM measure_bodies WHERE organization_code = 'SEZIM'`)
	if want := isBody > 0 && submitted == 0; (w.Counts["report_due"] == 1) != want {
		t.Errorf("report_due %d; Sezim a body: %v, reports submitted %d", w.Counts["report_due"], isBody > 0, submitted)
	}
}

func (ww *workWorld) requesterIsNotOfferedApproval(t *testing.T) {
	w, _ := myWork(t, ww.env, ww.orgAdm, "")
	if len(w.kindsFor(ww.pending)) != 0 {
		t.Error("the org admin who asked for the account is offered its approval")
	}
	if approve(ww.env, ww.supervisor, ww.pending).Status != http.StatusOK {
		t.Fatal("approve")
	}
	if w, _ := myWork(t, ww.env, ww.supervisor, ""); len(w.kindsFor(ww.pending)) != 0 {
		t.Error("an approved account stays on the list")
	}
}

func (ww *workWorld) coordinatorSeesSummaryReports(t *testing.T) {
	w, _ := myWork(t, ww.env, ww.env.Token("coordinator@mlsp.gov.kg"), "")
	for _, it := range w.Items {
		if it.Kind != "report_due" || it.ReportKind != "summary" || !strings.Contains(it.Period, "-H") {
			t.Errorf("coordinator item %+v", it)
		}
	}
}

func bishkek(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Bishkek")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
