package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// caseworkWorld is a case of Sezim referred (accepted, identity consented)
// to MLSSM-SOC, and the accounts of the case access matrix by their
// relation to it.
type caseworkWorld struct {
	*referralWorld
	// tokens by relation: owner (the assigned caseworker), supervisor (of
	// the owner), referred (assigned to the accepted referral, identity
	// consented), referred_off (a worker of the recipient not on the
	// referral), other_org, coordinator.
	tokens map[string]string
}

func newCaseworkWorld(t *testing.T) *caseworkWorld {
	t.Helper()
	w := newReferralWorld(t, "assistance")
	w.to(t, "accepted")
	return &caseworkWorld{referralWorld: w, tokens: map[string]string{
		"owner": w.sender, "supervisor": w.senderSupervisor, "referred": w.recipient,
		"referred_off": w.otherRecipient, "other_org": w.third, "coordinator": w.coordinator}}
}

// caseworkRoute is one route of the casework access matrix and the status
// each relation gets (a relation left out gets 404).
type caseworkRoute struct {
	method, path string
	body         func() any
	want         map[string]int
}

// ownerOnly is the answer of a route of the owner's side: the owner and
// its supervisor succeed with ok, a referred organization sees the case
// but may not (403), the coordinator's role has no case permission (403),
// everyone else does not see the case (404).
func ownerOnly(ok int) map[string]int {
	return map[string]int{"owner": ok, "supervisor": ok, "referred": 403, "coordinator": 403}
}

// matrix runs each route as each relation and checks the status; every
// 404 body of a route is the same, whoever asks.
func (w *caseworkWorld) matrix(t *testing.T, routes []caseworkRoute) {
	t.Helper()
	for _, rt := range routes {
		var notFound []byte // per route: a case's routes say "case", an object's its own
		for _, rel := range []string{"referred", "referred_off", "other_org", "coordinator", "owner", "supervisor"} {
			want, ok := rt.want[rel]
			if !ok {
				want = http.StatusNotFound
			}
			var body any
			if rt.body != nil {
				body = rt.body()
			}
			r := w.env.Do(apitest.Request{Method: rt.method, Path: rt.path, Token: w.tokens[rel], Body: body, Invalid: true})
			if r.Status != want {
				t.Errorf("%s %s as %s: %d, want %d: %s", rt.method, rt.path, rel, r.Status, want, r.Body)
				continue
			}
			if want == http.StatusNotFound {
				b := requestIDField.ReplaceAll(r.Body, []byte(`"request_id":""`))
				if notFound == nil {
					notFound = b
				} else if string(b) != string(notFound) {
					t.Errorf("%s %s as %s: another 404 body: %s", rt.method, rt.path, rel, b)
				}
			}
		}
	}
}

// expectCount fails t unless query (its arguments written ?), run past
// row-level security, counts want.
func expectCount(t *testing.T, env *apitest.Env, want int64, what, query string, args ...any) {
	t.Helper()
	n := 0
	query = placeholder.ReplaceAllStringFunc(query, func(string) string { n++; return "$" + strconv.Itoa(n) })
	if got := env.DB.Count(t, query, args...); got != want {
		t.Fatalf("%s: %d, want %d", what, got, want)
	}
}

var placeholder = regexp.MustCompile(`\?`)

// fieldsOf returns the fields a 400 names.
func fieldsOf(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var p struct{ Errors []struct{ Field string } }
	r.JSON(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// needsAnswers answers every needs domain with score.
func needsAnswers(score int) map[string]any {
	out := map[string]any{}
	for _, d := range []string{"safety", "physical_health", "mental_health", "housing", "legal", "documents", "income",
		"education_skills", "family"} {
		out[d] = map[string]any{"score": score}
	}
	return out
}

// safetyAnswers answers every danger indicator, present for those listed.
func safetyAnswers(present ...string) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"trafficker_contact", "threats", "debt", "documents_withheld", "unsafe_housing",
		"family_involved", "self_harm_risk", "pursued_by_recruiters"} {
		out[k] = map[string]any{"present": slices.Contains(present, k)}
	}
	return out
}

// reintegrationAnswers scores every reintegration indicator: those of
// economic with econ, the others with rest.
func reintegrationAnswers(econ, rest int) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"income_source", "economic_satisfaction", "food_security", "access_to_credit", "debt_burden"} {
		out[k] = map[string]any{"score": econ}
	}
	for _, k := range []string{"housing", "education_access", "health_access", "documentation", "justice_access",
		"social_participation", "support_network", "sense_of_belonging", "psychological_wellbeing", "feels_safe"} {
		out[k] = map[string]any{"score": rest}
	}
	return out
}

// path is a route under the world's case: /api/v1/cases/{id}/sub.
func (w *caseworkWorld) path(sub string) string { return "/api/v1/cases/" + w.caseID + "/" + sub }

// approvalsWorld is the casework world with a second supervisor of the
// owner, supervisors of the referred and another organization, and the
// closure request the steps decide.
type approvalsWorld struct {
	*caseworkWorld
	sup2      string
	closureID string
}

func newApprovalsWorld(t *testing.T) *approvalsWorld {
	t.Helper()
	w := newCaseworkWorld(t)
	w.env.AddUser("supervisor@mlsp.gov.kg", "MLSSM-SOC", "supervisor")
	w.env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	w.env.AddUser("supervisor2@sezim.kg", "SEZIM", "supervisor")
	return &approvalsWorld{caseworkWorld: w, sup2: w.env.Token("supervisor2@sezim.kg")}
}

// decide approves or returns (what) request id as tok.
func (w *approvalsWorld) decide(tok, id, what string, body any) *apitest.Response {
	return post(w.env, tok, "/api/v1/approvals/"+id+"/"+what, body)
}

// newConsentedCase opens a case of the caseworker with a consent to share
// with Ak-Zhurok, and returns their ids.
func (w *approvalsWorld) newConsentedCase(t *testing.T) (string, string) {
	t.Helper()
	id := newCase(t, w.env, w.sender, nil)["id"].(string)
	r := post(w.env, w.sender, "/api/v1/cases/"+id+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": w.env.OrgID("AKZHUROK"), "categories": []string{"identity", "contact"}, "given_by": "person"})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	return id, r.Map(t)["id"].(string)
}

// followUpsWorld is the casework world with today in Bishkek and the
// follow-up the steps work on.
type followUpsWorld struct {
	*caseworkWorld
	today   time.Time
	created string
}

func newFollowUpsWorld(t *testing.T) *followUpsWorld {
	t.Helper()
	return &followUpsWorld{caseworkWorld: newCaseworkWorld(t), today: time.Now().In(time.FixedZone("Asia/Bishkek", 6*3600))}
}

// isoDay writes a day as YYYY-MM-DD.
func isoDay(t time.Time) string { return t.Format("2006-01-02") }

// version reads the current version of the follow-up created.
func (w *followUpsWorld) version(t *testing.T) int {
	t.Helper()
	var l struct {
		Items []struct {
			ID      string
			Version int
		}
	}
	w.env.GetJSON(t, w.sender, w.path("follow-ups"), &l)
	for _, it := range l.Items {
		if it.ID == w.created {
			return it.Version
		}
	}
	return 0
}

// personsWorld is the casework world with the recruiter the steps link.
type personsWorld struct {
	*caseworkWorld
	recruiterID string
}

// The persons TestPersons links: the victim's mother, and her mother again
// as the recruiter, each with a marker in the name and the phone.
var (
	linkedMother = map[string]any{"relation": "mother", "identity": map[string]any{"given_name": "MOTHER-NAME-41aa"},
		"contact": map[string]any{"phone": "MOTHER-PHONE-41ab"}}
	linkedRecruiter = map[string]any{"relation": "mother", "perpetrator_role": "recruiter", "recruitment_channel": "messenger",
		"identity": map[string]any{"given_name": "PERP-NAME-9c0d"}, "contact": map[string]any{"phone": "PERP-PHONE-9c0e"}}
)

// TestAssessments walks assessments step by step on one fixture.
func TestAssessments(t *testing.T) {
	t.Parallel()
	w := newCaseworkWorld(t)
	runSteps(t, w, []step[*caseworkWorld]{
		{"every route under the case access matrix", assessmentsUnderTheMatrix},
		{"a wrong answer is named by its field", assessmentAnswersNamed},
		{"scores and sealed notes", assessmentScoresAndSealedNotes},
		{"the risk level follows the latest safety assessment", riskLevelFollowsSafety},
		{"a plan's goal names the need it answers", planGoalNamesANeed},
		{"the definitions are listed", assessmentDefinitionsListed},
	})
}

// assessmentsUnderTheMatrix: every route under the case access matrix.
func assessmentsUnderTheMatrix(w *caseworkWorld, t *testing.T) {
	path := w.path("assessments")
	w.matrix(t, []caseworkRoute{
		{http.MethodPost, path, func() any { return map[string]any{"kind": "needs", "answers": needsAnswers(1)} }, ownerOnly(201)},
		{http.MethodGet, path, nil, ownerOnly(200)},
	})
}

// assessmentAnswersNamed: a wrong answer is named by its field.
func assessmentAnswersNamed(w *caseworkWorld, t *testing.T) {
	env, path := w.env, w.path("assessments")
	answers := needsAnswers(2)
	answers["housing"] = map[string]any{"score": 4}
	delete(answers, "family")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "needs", "answers": answers}, "answers.housing.score"},
		{map[string]any{"kind": "needs", "answers": answers}, "answers.family"},
		{map[string]any{"kind": "wellbeing", "answers": answers}, "kind"},
		{map[string]any{"kind": "needs", "definition_version": 9, "answers": needsAnswers(1)}, "definition_version"},
		{map[string]any{"kind": "safety", "answers": map[string]any{"threats": map[string]any{"score": 1}}}, "answers.threats.present"},
		{map[string]any{"kind": "needs", "level": "high", "answers": needsAnswers(1)}, "level"},
	} {
		r := post(env, w.sender, path, c.body)
		if r.Status != http.StatusBadRequest || !slices.Contains(fieldsOf(t, r), c.field) {
			t.Errorf("%s: %d %s", c.field, r.Status, r.Body)
		}
	}
}

// assessmentScoresAndSealedNotes: scores and sealed notes.
func assessmentScoresAndSealedNotes(w *caseworkWorld, t *testing.T) {
	env, path := w.env, w.path("assessments")
	answers := reintegrationAnswers(4, 2)
	answers["housing"] = map[string]any{"score": 2, "note": "ANSWER-NOTE-51c2"}
	r := post(env, w.sender, path, map[string]any{"kind": "reintegration", "answers": answers, "note": "OVERALL-NOTE-9b1e"})
	if r.Status != http.StatusCreated {
		t.Fatalf("reintegration: %d %s", r.Status, r.Body)
	}
	var a struct {
		Score           float64
		DimensionScores map[string]float64 `json:"dimension_scores"`
		Note            string
		Answers         map[string]struct{ Note string }
	}
	r.JSON(t, &a)
	if a.DimensionScores["economic"] != 1 || a.DimensionScores["social"] != 0.5 || a.Score != 0.667 ||
		a.Note != "OVERALL-NOTE-9b1e" || a.Answers["housing"].Note != "ANSWER-NOTE-51c2" {
		t.Fatalf("reintegration read back: %s", r.Body)
	}
	expectCount(t, env, 0, "clear notes", `SELECT count(*) FROM case_assessments WHERE answers::text LIKE '%NOTE%'
		OR encode(texts_enc, 'escape') LIKE '%NOTE%'`)
	expectCount(t, env, 1, "sealed notes", `SELECT count(*) FROM case_assessments WHERE texts_enc IS NOT NULL`)
	var list struct{ Items []map[string]any }
	env.GetJSON(t, w.sender, path+"?kind=reintegration", &list)
	if len(list.Items) != 1 || list.Items[0]["note"] != "OVERALL-NOTE-9b1e" {
		t.Fatalf("list: %v", list.Items)
	}
}

// riskLevelFollowsSafety: the risk level follows the latest safety assessment.
func riskLevelFollowsSafety(w *caseworkWorld, t *testing.T) {
	env, path := w.env, w.path("assessments")
	risk := func() any {
		var c map[string]any
		env.GetJSON(t, w.sender, "/api/v1/cases/"+w.caseID, &c)
		return c["risk_level"]
	}
	for _, s := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"kind": "safety", "answers": safetyAnswers("threats")}, "high"},
		{map[string]any{"kind": "safety", "answers": safetyAnswers(), "assessed_on": "2025-01-10"}, "high"},
		{map[string]any{"kind": "safety", "answers": safetyAnswers("debt")}, "medium"},
		{map[string]any{"kind": "safety", "answers": safetyAnswers("debt"), "level": "low"}, "low"},
	} {
		if r := post(env, w.sender, path, s.body); r.Status != http.StatusCreated {
			t.Fatalf("safety: %d %s", r.Status, r.Body)
		}
		if got := risk(); got != s.want {
			t.Fatalf("risk level %v, want %s", got, s.want)
		}
	}
}

// planGoalNamesANeed: a plan's goal names the need it answers.
func planGoalNamesANeed(w *caseworkWorld, t *testing.T) {
	env := w.env
	plan := "/api/v1/cases/" + w.caseID + "/plan"
	r := env.Do(apitest.Request{Method: http.MethodPut, Path: plan, Token: w.sender, Invalid: true,
		Body: map[string]any{"needs_assessment": "", "goals": []map[string]any{{"text": "rent a room", "need": "shelter"}}}})
	if r.Status != http.StatusBadRequest || !slices.Contains(fieldsOf(t, r), "goals.need") {
		t.Fatalf("unknown need: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPut, Path: plan, Token: w.sender,
		Body: map[string]any{"needs_assessment": "", "goals": []map[string]any{{"text": "rent a room", "need": "housing"}}}})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"need":"housing"`) {
		t.Fatalf("goal with a need: %d %s", r.Status, r.Body)
	}
}

// assessmentDefinitionsListed: the definitions are listed.
func assessmentDefinitionsListed(w *caseworkWorld, t *testing.T) {
	env := w.env
	var defs struct{ Items []struct{ Kind string } }
	env.GetJSON(t, w.sender, "/api/v1/assessment-definitions", &defs)
	var kinds []string
	for _, d := range defs.Items {
		kinds = append(kinds, d.Kind)
	}
	if strings.Join(kinds, ",") != "safety,needs,reintegration" {
		t.Fatalf("definitions: %v", kinds)
	}
}

// flagsOf reads case id as tok: its flagged marker, its flags and the list
// item's marker.
func (w *caseworkWorld) flagsOf(t *testing.T, tok string) (flagged bool, flags []map[string]any, listed bool) {
	t.Helper()
	var c struct {
		Flagged bool
		Flags   []map[string]any
	}
	w.env.GetJSON(t, tok, "/api/v1/cases/"+w.caseID, &c)
	var list struct {
		Items []struct {
			ID      string
			Flagged bool
		}
	}
	w.env.GetJSON(t, tok, "/api/v1/cases", &list)
	for _, it := range list.Items {
		if it.ID == w.caseID {
			listed = it.Flagged
		}
	}
	return c.Flagged, c.Flags, listed
}

func TestFlags(t *testing.T) {
	t.Parallel()
	w := newCaseworkWorld(t)
	env, path := w.env, "/api/v1/cases/"+w.caseID+"/flags"
	env.AddUser("supervisor@mlsp.gov.kg", "MLSSM-SOC", "supervisor")
	env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	const reason = "FLAG-REASON-3d7e: the recruiter called the shelter"
	var flagID string
	runSteps(t, w, []step[*caseworkWorld]{
		{"flagging under the case access matrix", func(w *caseworkWorld, t *testing.T) {
			w.matrix(t, []caseworkRoute{{http.MethodPost, path, func() any { return map[string]any{"reason": reason} }, ownerOnly(201)}})
		}},
		{"a bad flag is named by its field", func(w *caseworkWorld, t *testing.T) {
			for body, field := range map[string]map[string]any{
				"reason": {"reason": " "}, "until": {"reason": "x", "until": "2020-01-01"}} {
				if r := post(env, w.sender, path, field); r.Status != 400 || !slices.Contains(fieldsOf(t, r), body) {
					t.Errorf("%s: %d %s", body, r.Status, r.Body)
				}
			}
		}},
		{"flags show in lists and on the case, the reason on the owner's side only", func(w *caseworkWorld, t *testing.T) {
			flagged, flags, listed := w.flagsOf(t, w.sender)
			if !flagged || !listed || len(flags) != 2 || flags[0]["reason"] != reason {
				t.Fatalf("owner: flagged %v listed %v flags %v", flagged, listed, flags)
			}
			flagID = flags[0]["id"].(string)
			flagged, flags, listed = w.flagsOf(t, w.recipient)
			if !flagged || !listed || len(flags) != 2 || flags[0]["reason"] != nil {
				t.Fatalf("referred: flagged %v listed %v flags %v", flagged, listed, flags)
			}
			expectCount(t, env, 0, "clear reasons", `SELECT count(*) FROM case_flags WHERE encode(reason_enc, 'escape') LIKE '%FLAG-REASON%'`)
			expectCount(t, env, 2, "flags", `SELECT count(*) FROM case_flags`)
		}},
		{"only the owner's supervisors remove a flag", func(w *caseworkWorld, t *testing.T) {
			del := func(tok string) int {
				return env.Do(apitest.Request{Method: http.MethodDelete, Path: "/api/v1/flags/" + flagID, Token: tok}).Status
			}
			for who, want := range map[string]int{"supervisor@akzhurok.kg": 404, "supervisor@mlsp.gov.kg": 403,
				"caseworker@sezim.kg": 403, "coordinator@mlsp.gov.kg": 403} {
				if got := del(env.Token(who)); got != want {
					t.Errorf("%s removes a flag: %d, want %d", who, got, want)
				}
			}
			if got := del(w.senderSupervisor); got != 204 {
				t.Fatalf("owner's supervisor removes a flag: %d", got)
			}
			if got := del(w.senderSupervisor); got != 404 {
				t.Fatalf("a removed flag again: %d", got)
			}
			for _, id := range []string{w.caseID} {
				var c struct{ Flags []map[string]any }
				env.GetJSON(t, w.sender, "/api/v1/cases/"+id, &c)
				if len(c.Flags) != 1 || c.Flags[0]["id"] == flagID {
					t.Fatalf("after removal: %v", c.Flags)
				}
			}
		}},
	})
}

// workItems returns tok's work items of kind approval.
func workItems(t *testing.T, env *apitest.Env, tok string) []map[string]any {
	t.Helper()
	var l struct{ Items []map[string]any }
	env.GetJSON(t, tok, "/api/v1/me/work?kind=approval", &l)
	return l.Items
}

// hasApproval reports whether items hold request id with status.
func hasApproval(items []map[string]any, id, status string) bool {
	return slices.ContainsFunc(items, func(it map[string]any) bool {
		return it["approval_id"] == id && it["approval_status"] == status
	})
}

// TestApprovals walks requests for approval step by step on one fixture.
func TestApprovals(t *testing.T) {
	t.Parallel()
	w := newApprovalsWorld(t)
	runSteps(t, w, []step[*approvalsWorld]{
		{"requests under the case access matrix", approvalsUnderTheMatrix},
		{"a bad request is named by its field", approvalRequestNamed},
		{"who decides: a supervisor of the owner, never on their own request", approvalDeciders},
		{"a closure waits for approval and happens on it", closureWaitsForApproval},
		{"a transfer waits for approval, is returned, asked again and sent on approval", transferWaitsForApproval},
	})
}

// approvalsUnderTheMatrix: requests under the case access matrix.
func approvalsUnderTheMatrix(w *approvalsWorld, t *testing.T) {
	env, path := w.env, w.path("approvals")
	want := ownerOnly(201)
	want["supervisor"] = http.StatusConflict // one request of a kind waits at a time
	w.matrix(t, []caseworkRoute{
		{http.MethodPost, path, func() any {
			return map[string]any{"kind": "closure", "closure_reason": "reintegrated", "comment": "REQUEST-COMMENT-77a1"}
		}, want},
		{http.MethodGet, path, nil, ownerOnly(200)},
	})
	var l struct{ Items []map[string]any }
	env.GetJSON(t, w.sender, path, &l)
	if len(l.Items) != 1 || l.Items[0]["comment"] != "REQUEST-COMMENT-77a1" || l.Items[0]["status"] != "pending" {
		t.Fatalf("requests: %v", l.Items)
	}
	w.closureID = l.Items[0]["id"].(string)
	expectCount(t, env, 0, "clear comments", `SELECT count(*) FROM case_approvals WHERE encode(request_enc, 'escape') LIKE '%REQUEST-COMMENT%'`)
	expectCount(t, env, 1, "requests", `SELECT count(*) FROM case_approvals`)
}

// approvalRequestNamed: a bad request is named by its field.
func approvalRequestNamed(w *approvalsWorld, t *testing.T) {
	env, path := w.env, w.path("approvals")
	for field, body := range map[string]map[string]any{
		"kind":               {"kind": "budget"},
		"closure_reason":     {"kind": "closure", "closure_reason": "bored"},
		"to_organization_id": {"kind": "transfer"},
	} {
		if r := env.Do(apitest.Request{Method: http.MethodPost, Path: path, Token: w.sender, Body: body, Invalid: true}); r.Status != 400 || !slices.Contains(fieldsOf(t, r), field) {
			t.Errorf("%s: %d %s", field, r.Status, r.Body)
		}
	}
}

// approvalDeciders: who decides: a supervisor of the owner, never on their own request.
func approvalDeciders(w *approvalsWorld, t *testing.T) {
	env, path := w.env, w.path("approvals")
	for who, want := range map[string]int{"supervisor@akzhurok.kg": 404, "supervisor@mlsp.gov.kg": 403,
		"caseworker@sezim.kg": 403, "coordinator@mlsp.gov.kg": 403} {
		if r := w.decide(env.Token(who), w.closureID, "approve", map[string]any{}); r.Status != want {
			t.Errorf("%s approves: %d, want %d", who, r.Status, want)
		}
	}
	if r := w.decide(w.senderSupervisor, w.closureID, "return", map[string]any{}); r.Status != 400 {
		t.Errorf("a return without a comment: %d", r.Status)
	}
	put := env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + w.caseID + "/plan", Token: w.senderSupervisor,
		Body: map[string]any{"needs_assessment": "", "goals": []map[string]any{{"text": "find work", "need": "income"}}}})
	if put.Status != 200 {
		t.Fatalf("plan: %d %s", put.Status, put.Body)
	}
	plan := post(env, w.senderSupervisor, path, map[string]any{"kind": "plan"})
	if plan.Status != 201 || plan.Map(t)["plan_version"] != float64(1) {
		t.Fatalf("plan request: %d %s", plan.Status, plan.Body)
	}
	planID := plan.Map(t)["id"].(string)
	if r := w.decide(w.senderSupervisor, planID, "approve", map[string]any{}); r.Status != 403 {
		t.Fatalf("own request approved: %d", r.Status)
	}
	if !hasApproval(workItems(t, env, w.sup2), planID, "pending") || hasApproval(workItems(t, env, w.senderSupervisor), planID, "pending") {
		t.Fatal("the plan request is on the wrong work lists")
	}
	if r := w.decide(w.sup2, planID, "approve", map[string]any{"comment": "good"}); r.Status != 200 || r.Map(t)["status"] != "approved" {
		t.Fatalf("another supervisor approves: %d %s", r.Status, r.Body)
	}
	if r := w.decide(w.sup2, planID, "approve", map[string]any{}); r.Status != 409 {
		t.Fatalf("approved twice: %d", r.Status)
	}
	assertPlanApproval(t, env, w.senderSupervisor, w.caseID)
}

// closureWaitsForApproval: a closure waits for approval and happens on it.
func closureWaitsForApproval(w *approvalsWorld, t *testing.T) {
	env := w.env
	id, _ := w.newConsentedCase(t)
	r := post(env, w.sender, "/api/v1/cases/"+id+"/stage", map[string]any{"stage": "closed", "reason": "reintegrated"})
	if r.Status != 409 || !slices.Contains(fieldsOf(t, r), "approval") {
		t.Fatalf("caseworker closes: %d %s", r.Status, r.Body)
	}
	req := post(env, w.sender, "/api/v1/cases/"+id+"/approvals", map[string]any{"kind": "closure", "closure_reason": "lost_contact"})
	if req.Status != 201 {
		t.Fatalf("closure request: %d %s", req.Status, req.Body)
	}
	reqID := req.Map(t)["id"].(string)
	if !hasApproval(workItems(t, env, w.senderSupervisor), reqID, "pending") {
		t.Fatal("the closure request is not on the supervisor's work list")
	}
	if r := w.decide(w.senderSupervisor, reqID, "approve", map[string]any{}); r.Status != 200 {
		t.Fatalf("approve closure: %d %s", r.Status, r.Body)
	}
	var c map[string]any
	env.GetJSON(t, w.sender, "/api/v1/cases/"+id, &c)
	if c["status"] != "closed" || c["closure_reason"] != "lost_contact" {
		t.Fatalf("after approval: %v %v", c["status"], c["closure_reason"])
	}
	expectCount(t, env, 1, "the closing stage move", `SELECT count(*) FROM case_stage_moves WHERE case_id = ? AND to_stage = 'closed' AND closure_reason = 'lost_contact'`, id)
	expectCount(t, env, 1, "the requester's notification", `SELECT count(*) FROM notifications WHERE user_id = ? AND kind = 'approval.approved' AND link = ?`,
		env.UserID("caseworker@sezim.kg"), "/cases/"+id)
}

// transferWaitsForApproval: a transfer waits for approval, is returned, asked again and sent on approval.
func transferWaitsForApproval(w *approvalsWorld, t *testing.T) {
	env := w.env
	id, consent := w.newConsentedCase(t)
	transfer := map[string]any{"kind": "transfer", "to_organization_id": env.OrgID("AKZHUROK"), "categories": []string{"identity"},
		"consent_id": consent, "note": "TRANSFER-NOTE-0c4f"}
	r := post(env, w.sender, "/api/v1/cases/"+id+"/referrals", transfer)
	if r.Status != 409 || !slices.Contains(fieldsOf(t, r), "approval") {
		t.Fatalf("caseworker transfers: %d %s", r.Status, r.Body)
	}
	bad := map[string]any{"kind": "transfer", "to_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity"}, "consent_id": consent}
	if r := post(env, w.sender, "/api/v1/cases/"+id+"/approvals", bad); r.Status != 409 || !slices.Contains(fieldsOf(t, r), "consent_id") {
		t.Fatalf("a transfer the consent does not cover: %d %s", r.Status, r.Body)
	}
	first := post(env, w.sender, "/api/v1/cases/"+id+"/approvals", transfer)
	if first.Status != 201 {
		t.Fatalf("transfer request: %d %s", first.Status, first.Body)
	}
	firstID := first.Map(t)["id"].(string)
	if r := w.decide(w.senderSupervisor, firstID, "return", map[string]any{"comment": "RETURN-COMMENT: ask for urgency"}); r.Status != 200 ||
		r.Map(t)["status"] != "returned" || r.Map(t)["decision_comment"] != "RETURN-COMMENT: ask for urgency" {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	if !hasApproval(workItems(t, env, w.sender), firstID, "returned") {
		t.Fatal("the returned request is not on the worker's work list")
	}
	expectCount(t, env, 1, "the returned notification", `SELECT count(*) FROM notifications WHERE user_id = ? AND kind = 'approval.returned'`,
		env.UserID("caseworker@sezim.kg"))
	expectCount(t, env, 0, "referrals before approval", `SELECT count(*) FROM referrals WHERE case_id = ?`, id)
	transfer["urgency"] = "urgent"
	again := post(env, w.sender, "/api/v1/cases/"+id+"/approvals", transfer)
	if again.Status != 201 || hasApproval(workItems(t, env, w.sender), firstID, "returned") {
		t.Fatalf("asked again: %d %s", again.Status, again.Body)
	}
	ok := w.decide(w.senderSupervisor, again.Map(t)["id"].(string), "approve", map[string]any{})
	if ok.Status != 200 || ok.Map(t)["referral_id"] == nil {
		t.Fatalf("approve transfer: %d %s", ok.Status, ok.Body)
	}
	expectCount(t, env, 1, "the transfer referral, sent by the worker who asked", `SELECT count(*) FROM referrals
		WHERE case_id = ? AND kind = 'transfer' AND status = 'pending' AND urgency = 'urgent' AND created_by = ? AND to_organization_id = ?`,
		id, env.UserID("caseworker@sezim.kg"), env.OrgID("AKZHUROK"))
	var ref map[string]any
	env.GetJSON(t, w.sender, "/api/v1/referrals/"+ok.Map(t)["referral_id"].(string), &ref)
	if ref["note"] != "TRANSFER-NOTE-0c4f" {
		t.Fatalf("the referral's note: %v", ref["note"])
	}
}

// TestFollowUps walks follow-ups step by step on one fixture.
func TestFollowUps(t *testing.T) {
	t.Parallel()
	w := newFollowUpsWorld(t)
	runSteps(t, w, []step[*followUpsWorld]{
		{"follow-ups under the case access matrix", followUpsUnderTheMatrix},
		{"a bad follow-up is named by its field", followUpNamed},
		{"due follow-ups are on the worker's work list until done, the outcome sealed", dueFollowUpsOnTheWorkList},
		{"an assessment made at a follow-up", assessmentAtAFollowUp},
		{"reaching reintegration plans follow-ups at 3, 6 and 12 months, once", reintegrationPlansFollowUps},
	})
}

// followUpsUnderTheMatrix: follow-ups under the case access matrix.
func followUpsUnderTheMatrix(w *followUpsWorld, t *testing.T) {
	env, path := w.env, w.path("follow-ups")
	w.matrix(t, []caseworkRoute{
		{http.MethodPost, path, func() any { return map[string]any{"planned_on": isoDay(w.today), "kind": "call"} }, ownerOnly(201)},
		{http.MethodGet, path, nil, ownerOnly(200)},
	})
	var l struct{ Items []map[string]any }
	env.GetJSON(t, w.sender, path, &l)
	if len(l.Items) != 2 {
		t.Fatalf("follow-ups: %v", l.Items)
	}
	for _, it := range l.Items {
		if it["assigned_to"] == env.UserID("caseworker@sezim.kg") {
			w.created = it["id"].(string)
		}
	}
	w.matrix(t, []caseworkRoute{{http.MethodPatch, "/api/v1/follow-ups/" + w.created,
		func() any { return map[string]any{"kind": "visit", "version": w.version(t)} }, ownerOnly(200)}})
}

// followUpNamed: a bad follow-up is named by its field.
func followUpNamed(w *followUpsWorld, t *testing.T) {
	env, path := w.env, w.path("follow-ups")
	for field, body := range map[string]map[string]any{
		"planned_on":  {"kind": "call"},
		"kind":        {"planned_on": isoDay(w.today), "kind": "pigeon"},
		"done_on":     {"planned_on": isoDay(w.today), "kind": "call", "done_on": isoDay(w.today.AddDate(0, 0, 3))},
		"assigned_to": {"planned_on": isoDay(w.today), "kind": "call", "assigned_to": env.UserID("caseworker@akzhurok.kg")},
	} {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: path, Token: w.sender, Body: body, Invalid: true})
		if r.Status != 400 || !slices.Contains(fieldsOf(t, r), field) {
			t.Errorf("%s: %d %s", field, r.Status, r.Body)
		}
	}
}

// dueFollowUpsOnTheWorkList: due follow-ups are on the worker's work list until done, the outcome sealed.
func dueFollowUpsOnTheWorkList(w *followUpsWorld, t *testing.T) {
	env := w.env
	has := func() bool {
		var l struct{ Items []map[string]any }
		env.GetJSON(t, w.sender, "/api/v1/me/work?kind=follow_up", &l)
		return slices.ContainsFunc(l.Items, func(it map[string]any) bool { return it["follow_up_id"] == w.created })
	}
	if !has() {
		t.Fatal("the follow-up due today is not on the work list")
	}
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/follow-ups/" + w.created, Token: w.sender,
		Body: map[string]any{"done_on": isoDay(w.today), "outcome": "OUTCOME-5e1d: working at a bakery", "version": w.version(t)}})
	if r.Status != 200 || r.Map(t)["outcome"] != "OUTCOME-5e1d: working at a bakery" {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}
	if has() {
		t.Fatal("a follow-up done stays on the work list")
	}
	expectCount(t, env, 0, "clear outcomes", `SELECT count(*) FROM case_follow_ups WHERE encode(outcome_enc, 'escape') LIKE '%OUTCOME%'`)
	expectCount(t, env, 1, "sealed outcomes", `SELECT count(*) FROM case_follow_ups WHERE outcome_enc IS NOT NULL`)
	if r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/follow-ups/" + w.created, Token: w.sender,
		Body: map[string]any{"kind": "call", "version": 1}, Invalid: true}); r.Status != 412 {
		t.Fatalf("a stale version: %d", r.Status)
	}
}

// assessmentAtAFollowUp: an assessment made at a follow-up.
func assessmentAtAFollowUp(w *followUpsWorld, t *testing.T) {
	env, path := w.env, w.path("follow-ups")
	other := newCase(t, env, w.sender, nil)["id"].(string)
	theirs := post(env, w.sender, "/api/v1/cases/"+other+"/follow-ups", map[string]any{"planned_on": isoDay(w.today), "kind": "call"}).Map(t)["id"]
	body := map[string]any{"kind": "reintegration", "answers": reintegrationAnswers(3, 3), "follow_up_id": theirs}
	if r := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/assessments", body); r.Status != 400 || !slices.Contains(fieldsOf(t, r), "follow_up_id") {
		t.Fatalf("another case's follow-up: %d %s", r.Status, r.Body)
	}
	body["follow_up_id"] = w.created
	a := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/assessments", body)
	if a.Status != 201 {
		t.Fatalf("assessment at a follow-up: %d %s", a.Status, a.Body)
	}
	var l struct{ Items []map[string]any }
	env.GetJSON(t, w.sender, path, &l)
	if !slices.ContainsFunc(l.Items, func(it map[string]any) bool {
		return it["id"] == w.created && it["assessment_id"] == a.Map(t)["id"]
	}) {
		t.Fatalf("the follow-up's assessment: %v", l.Items)
	}
}

// reintegrationPlansFollowUps: reaching reintegration plans follow-ups at 3, 6 and 12 months, once.
func reintegrationPlansFollowUps(w *followUpsWorld, t *testing.T) {
	env, path := w.env, w.path("follow-ups")
	for _, stage := range []string{"reintegration", "shelter", "reintegration"} {
		if r := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/stage", map[string]any{"stage": stage}); r.Status != 200 {
			t.Fatalf("to %s: %d %s", stage, r.Status, r.Body)
		}
	}
	var l struct{ Items []map[string]any }
	env.GetJSON(t, w.sender, path, &l)
	var planned []string
	for _, it := range l.Items {
		if it["months"] != nil {
			planned = append(planned, it["planned_on"].(string))
		}
	}
	want := []string{isoDay(w.today.AddDate(0, 3, 0)), isoDay(w.today.AddDate(0, 6, 0)), isoDay(w.today.AddDate(0, 12, 0))}
	if !slices.Equal(planned, want) {
		t.Fatalf("planned %v, want %v", planned, want)
	}
}

// TestPersons walks linked persons step by step on one fixture.
func TestPersons(t *testing.T) {
	t.Parallel()
	w := &personsWorld{caseworkWorld: newCaseworkWorld(t)} // referred with identity consented, not contact nor legal
	runSteps(t, w, []step[*personsWorld]{
		{"linking under the case access matrix", personsUnderTheMatrix},
		{"a wrong person is named by its field", personNamed},
		{"the owner reads everyone, sealed", ownerReadsPersonsSealed},
		{"a referral without legal carries no perpetrator, family under its categories", referralWithoutLegalHidesPerpetrators},
	})
}

// personsUnderTheMatrix: linking under the case access matrix.
func personsUnderTheMatrix(w *personsWorld, t *testing.T) {
	env, path := w.env, w.path("persons")
	w.matrix(t, []caseworkRoute{
		{http.MethodPost, path, func() any { return linkedMother }, ownerOnly(201)},
		{http.MethodGet, path, nil, map[string]int{"owner": 200, "supervisor": 200, "referred": 200, "coordinator": 403}},
	})
	r := post(env, w.sender, path, linkedRecruiter)
	if r.Status != 201 {
		t.Fatalf("recruiter: %d %s", r.Status, r.Body)
	}
	w.recruiterID = r.Map(t)["id"].(string)
	w.matrix(t, []caseworkRoute{{http.MethodPatch, "/api/v1/persons/" + w.recruiterID, func() any {
		var l struct {
			Items []struct {
				ID      string
				Version int
			}
		}
		env.GetJSON(t, w.sender, path, &l)
		v := 0
		for _, it := range l.Items {
			if it.ID == w.recruiterID {
				v = it.Version
			}
		}
		return map[string]any{"recruitment_channel": "website", "version": v}
	}, ownerOnly(200)}})
}

// personNamed: a wrong person is named by its field.
func personNamed(w *personsWorld, t *testing.T) {
	env, path := w.env, w.path("persons")
	for field, body := range map[string]map[string]any{
		"relation":            {"relation": "neighbour"},
		"perpetrator_role":    {"relation": "none", "perpetrator_role": "bystander"},
		"recruitment_channel": {"relation": "none", "recruitment_channel": "website"},
	} {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: path, Token: w.sender, Body: body, Invalid: true})
		if r.Status != 400 || !slices.Contains(fieldsOf(t, r), field) {
			t.Errorf("%s: %d %s", field, r.Status, r.Body)
		}
	}
}

// ownerReadsPersonsSealed: the owner reads everyone, sealed.
func ownerReadsPersonsSealed(w *personsWorld, t *testing.T) {
	env, path := w.env, w.path("persons")
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: w.sender})
	for _, s := range []string{"MOTHER-NAME-41aa", "MOTHER-PHONE-41ab", "PERP-NAME-9c0d", "PERP-PHONE-9c0e", `"recruitment_channel":"website"`} {
		if !strings.Contains(string(r.Body), s) {
			t.Errorf("the owner does not read %s", s)
		}
	}
	expectCount(t, env, 0, "clear persons", `SELECT count(*) FROM case_persons WHERE encode(identity_enc, 'escape') LIKE '%NAME%'
		OR encode(contact_enc, 'escape') LIKE '%PHONE%'`)
	expectCount(t, env, 3, "persons", `SELECT count(*) FROM case_persons WHERE identity_enc IS NOT NULL`)
}

// referralWithoutLegalHidesPerpetrators: a referral without legal carries no perpetrator, family under its categories.
func referralWithoutLegalHidesPerpetrators(w *personsWorld, t *testing.T) {
	env, path := w.env, w.path("persons")
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: w.recipient})
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "MOTHER-NAME-41aa") {
		t.Fatalf("the referred organization reads the mother's identity: %d %s", r.Status, body)
	}
	for _, s := range []string{"MOTHER-PHONE-41ab", "PERP-NAME-9c0d", "PERP-PHONE-9c0e", w.recruiterID, "recruiter"} {
		if strings.Contains(body, s) {
			t.Errorf("the referred organization without contact or legal reads %s", s)
		}
	}
	// With legal consented (a new referral), the perpetrator shows.
	c := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"legal"}, "given_by": "person"})
	ref := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"assistance_types": []string{"legal"}, "categories": []string{"legal"}, "consent_id": c.Map(t)["id"]})
	if ref.Status != 201 {
		t.Fatalf("legal referral: %d %s", ref.Status, ref.Body)
	}
	if a := post(env, w.recipient, "/api/v1/referrals/"+ref.Map(t)["id"].(string)+"/accept", map[string]any{}); a.Status != 200 {
		t.Fatalf("accept: %d %s", a.Status, a.Body)
	}
	body = string(env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: w.recipient}).Body)
	if !strings.Contains(body, "PERP-NAME-9c0d") || !strings.Contains(body, "PERP-PHONE-9c0e") || strings.Contains(body, "MOTHER-PHONE-41ab") {
		t.Fatalf("with legal consented: %s", body)
	}
}

func TestConsentNamesTheGuardian(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	c := newCase(t, env, worker, map[string]any{"identity": map[string]any{"given_name": "Айбек", "birth_date": "2014-05-01"}})
	id := c["id"].(string)
	person := func(relation string) string {
		r := post(env, worker, "/api/v1/cases/"+id+"/persons", map[string]any{"relation": relation,
			"identity": map[string]any{"given_name": "Гүлнара"}})
		if r.Status != 201 {
			t.Fatalf("person: %d %s", r.Status, r.Body)
		}
		return r.Map(t)["id"].(string)
	}
	needs := func() any {
		var c map[string]any
		env.GetJSON(t, worker, "/api/v1/cases/"+id, &c)
		return c["needs_guardian"]
	}
	if needs() != true {
		t.Fatal("a minor's case without a guardian does not say it needs one")
	}
	guardian, uncle := person("guardian"), person("other_family")
	if needs() != nil {
		t.Fatal("a minor's case with a guardian still needs one")
	}
	consent := func(givenBy, who string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + id + "/consents", Token: worker, Invalid: true,
			Body: map[string]any{"purpose": "assistance", "given_by": givenBy, "given_by_person_id": who}})
	}
	for _, bad := range []struct{ by, who string }{{"guardian", uncle}, {"guardianship_authority", guardian},
		{"guardian", "00000000-0000-4000-8000-000000000009"}} {
		if r := consent(bad.by, bad.who); r.Status != 400 || !slices.Contains(fieldsOf(t, r), "given_by_person_id") {
			t.Errorf("given by %s, %s: %d %s", bad.by, bad.who, r.Status, r.Body)
		}
	}
	r := consent("guardian", guardian)
	if r.Status != 201 || r.Map(t)["given_by_person_id"] != guardian {
		t.Fatalf("a guardian's consent: %d %s", r.Status, r.Body)
	}
}

// assertPlanApproval: the plan reads approved at the version approved, and
// no longer once it changes.
func assertPlanApproval(t *testing.T, env *apitest.Env, tok, caseID string) {
	t.Helper()
	var pl map[string]any
	env.GetJSON(t, tok, "/api/v1/cases/"+caseID+"/plan", &pl)
	if pl["approved"] != true || pl["approved_version"] != float64(1) || pl["approved_at"] == nil {
		t.Fatalf("the approved plan: %v", pl)
	}
	put := env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + caseID + "/plan", Token: tok,
		Body: map[string]any{"needs_assessment": "", "goals": []map[string]any{{"text": "find work and housing", "need": "income"}}, "version": 1}})
	if put.Status != 200 {
		t.Fatalf("plan changed: %d %s", put.Status, put.Body)
	}
	env.GetJSON(t, tok, "/api/v1/cases/"+caseID+"/plan", &pl)
	if pl["approved"] != false || pl["approved_version"] != float64(1) {
		t.Fatalf("a changed plan still reads approved: %v", pl)
	}
}
