package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

func newCase(t *testing.T, env *apitest.Env, token string, body map[string]any) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["identity"]; !ok {
		body["identity"] = map[string]any{"given_name": "Айгүл", "family_name": "Токтосунова", "birth_date": "1999-04-12"}
	}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: token, Body: body})
	if r.Status != http.StatusCreated {
		t.Fatalf("create case: %d %s", r.Status, r.Body)
	}
	return r.Map(t)
}

var requestIDField = regexp.MustCompile(`"request_id":"[^"]*"`)

func TestCaseLifecycle(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	path := "/api/v1/cases/" + createLifecycleCase(t, env, worker)
	assertLifecycleCaseReadsBack(t, env, worker, path)
	assertIdentityMergePatched(t, env, worker, path)
	patchTests := []struct {
		name   string
		body   map[string]any
		header map[string]string
		want   int
	}{
		{"ReadOnlyStageIs400", map[string]any{"stage": "closed", "version": 2}, nil, 400},
		{"ReadOnlyCodeIs400", map[string]any{"code": "X", "version": 2}, nil, 400},
		{"UnknownEnumIs400", map[string]any{"sex": "robot", "version": 2}, nil, 400},
		{"MissingVersionIs428", map[string]any{"risk_level": "low"}, nil, 428},
		{"StaleVersionIs412", map[string]any{"risk_level": "low"}, map[string]string{"If-Match": `"1"`}, 412},
		{"ConflictingBracketIs400", map[string]any{"age_bracket": "48+", "version": 2}, nil, 400},
		{"CaseworkerCannotAssign", map[string]any{"assigned_user_ids": []string{}, "version": 2}, nil, 403},
	}
	for _, tc := range patchTests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: worker, Body: tc.body, Header: tc.header, Invalid: true})
			if r.Status != tc.want {
				t.Fatalf("got %d, want %d: %s", r.Status, tc.want, r.Body)
			}
		})
	}
	if strings.Contains(string(env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: worker, Invalid: true,
		Body: map[string]any{"sex": "robot", "version": 2}}).Body), "sex") == false {
		t.Fatal("problem does not name the field")
	}
	sup := env.Token("supervisor@sezim.kg")
	assertLifecycleStageMoves(t, env, worker, sup, path)
	assertLifecyclePlan(t, env, sup, path)
	// Access log for supervisors.
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: path + "/access-log", Token: sup})
	var log struct{ Items []map[string]any }
	r.JSON(t, &log)
	if r.Status != 200 || len(log.Items) < 5 {
		t.Fatalf("access log %d: %d entries", r.Status, len(log.Items))
	}
}

// createLifecycleCase creates a whole case and checks what the create
// answered: its code, stage, status, age bracket, reflection period and
// assignment. It returns the case's id.
func createLifecycleCase(t *testing.T, env *apitest.Env, worker string) string {
	t.Helper()
	c := newCase(t, env, worker, map[string]any{
		"sex": "female", "citizenship": "KG", "region_of_origin": "osh", "identification_channel": "hotline",
		"exploitation_types": []string{"forced_labour"}, "countries_of_exploitation": []string{"RU"},
		"trafficking_events": []map[string]any{{"kind": "exploitation", "country": "RU", "region": "Moscow", "year_month": "2025-03", "place": "a market", "details": "held for months"}},
		"identity":           map[string]any{"given_name": "Айгүл", "family_name": "Токтосунова", "birth_date": "1999-04-12", "phone": "+996555000111"},
	})
	if !regexp.MustCompile(`^SEZIM-\d{4}-\d{4}$`).MatchString(c["code"].(string)) {
		t.Fatalf("code %v", c["code"])
	}
	if c["stage"] != "identification" || c["status"] != "open" || c["age_bracket"] != "27-29" || c["is_minor"] != false {
		t.Fatalf("created %v", c)
	}
	if c["reflection_ends_on"] == nil || len(c["assigned_user_ids"].([]any)) != 1 {
		t.Fatalf("reflection period or assignment missing: %v", c)
	}
	return c["id"].(string)
}

// assertLifecycleCaseReadsBack reads the case: version 1, its contact and
// its event's details as written.
func assertLifecycleCaseReadsBack(t *testing.T, env *apitest.Env, worker, path string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: worker})
	if r.Status != http.StatusOK || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("read: %d %s", r.Status, r.Header.Get("ETag"))
	}
	got := r.Map(t)
	if got["identity"].(map[string]any)["phone"] != "+996555000111" {
		t.Fatalf("identity %v", got["identity"])
	}
	ev := got["trafficking_events"].([]any)[0].(map[string]any)
	if ev["details"] != "held for months" || ev["country"] != "RU" {
		t.Fatalf("event %v", ev)
	}
}

// assertIdentityMergePatched sends a merge patch: the identity is merged
// field by field and the version goes to 2.
func assertIdentityMergePatched(t *testing.T, env *apitest.Env, worker, path string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: worker, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"risk_level": "high", "identity": map[string]any{"phone": nil, "address": "Bishkek"}}})
	if r.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	got := r.Map(t)
	idn := got["identity"].(map[string]any)
	if got["risk_level"] != "high" || idn["address"] != "Bishkek" || idn["phone"] != nil || idn["given_name"] != "Айгүл" || got["version"].(float64) != 2 {
		t.Fatalf("patched %v", got)
	}
}

// assertLifecycleStageMoves moves the case forward (skipping a stage),
// back to shelter, refuses other moves back and a caseworker's closing,
// and lets the supervisor close it with a closure reason; the history
// holds the four moves.
func assertLifecycleStageMoves(t *testing.T, env *apitest.Env, worker, sup, path string) {
	t.Helper()
	for _, mv := range []struct {
		what, tok, stage, reason string
		want                     int
	}{
		{"forward with skip", worker, "rehabilitation", "moved to the center's programme", 200},
		{"return to shelter", worker, "shelter", "needs shelter again", 200},
		{"backwards", worker, "identification", "back", 409},
		{"caseworker closing (a closure needs approval)", worker, "closed", "reintegrated", 409},
		{"closing without a closure reason", sup, "closed", "not a reason", 400},
		{"supervisor closing", sup, "closed", "reintegrated", 200},
	} {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: path + "/stage", Token: mv.tok, Body: map[string]string{"stage": mv.stage, "reason": mv.reason}})
		if r.Status != mv.want {
			t.Fatalf("%s: %d", mv.what, r.Status)
		}
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: path + "/stages", Token: sup})
	var hist struct{ Items []map[string]any }
	r.JSON(t, &hist)
	if len(hist.Items) != 4 || hist.Items[3]["closure_reason"] != "reintegrated" || hist.Items[1]["reason"] != "moved to the center's programme" {
		t.Fatalf("history %v", hist.Items)
	}
}

// assertLifecyclePlan writes the plan (version 1) and refuses a second
// write without a version.
func assertLifecyclePlan(t *testing.T, env *apitest.Env, sup, path string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPut, Path: path + "/plan", Token: sup, Body: map[string]any{
		"needs_assessment": "needs housing and documents",
		"goals":            []map[string]any{{"text": "restore passport", "due_on": "2026-12-31"}}}})
	if r.Status != http.StatusOK || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Request{Method: http.MethodPut, Path: path + "/plan", Token: sup, Body: map[string]any{"needs_assessment": "x", "goals": []any{}}}); r.Status != 428 {
		t.Fatalf("plan without version: %d", r.Status)
	}
}

// caseMatrixRoutes are the routes of one case TestCaseAccessMatrix walks.
var caseMatrixRoutes = []struct {
	method, suffix string
	body           any
}{
	{http.MethodGet, "", nil},
	{http.MethodPatch, "", map[string]any{"risk_level": "low", "version": 1}},
	{http.MethodPost, "/stage", map[string]any{"stage": "shelter", "reason": "x"}},
	{http.MethodGet, "/stages", nil},
	{http.MethodGet, "/plan", nil},
	{http.MethodPut, "/plan", map[string]any{"needs_assessment": "x", "goals": []any{}}},
	{http.MethodGet, "/access-log", nil},
	{http.MethodGet, "/assistance", nil},
	{http.MethodPost, "/assistance", map[string]any{"type": "medical"}},
	{http.MethodGet, "/notes", nil},
	{http.MethodPost, "/notes", map[string]any{"text": "visit"}},
	{http.MethodGet, "/consents", nil},
	{http.MethodGet, "/documents", nil},
	{http.MethodGet, "/subject-access", nil},
	{http.MethodPost, "/referrals", map[string]any{"to_organization_id": "00000000-0000-4000-8000-000000000001",
		"categories": []string{}, "assistance_types": []string{"medical"}, "consent_id": "00000000-0000-4000-8000-000000000002"}},
}

// caseMatrixAccount is an account of TestCaseAccessMatrix and what it may
// reach.
type caseMatrixAccount struct {
	email string
	// visible lists the cases (by name) this account may reach.
	visible map[string]bool
	// forbidden is true for roles without case permissions.
	forbidden bool
}

var caseMatrixAccounts = []caseMatrixAccount{
	{"caseworker@sezim.kg", map[string]bool{"assigned": true}, false},
	{"supervisor@sezim.kg", map[string]bool{"assigned": true, "unassigned": true}, false},
	{"caseworker@akzhurok.kg", map[string]bool{"other": true}, false},
	{"social@mlsp.gov.kg", map[string]bool{}, false},
	{"coordinator@mlsp.gov.kg", nil, true},
	{"auditor@jardam.local", nil, true},
	{"admin@jardam.local", nil, true},
	{"orgadmin@sezim.kg", nil, true},
}

func TestCaseAccessMatrix(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	assigned := newCase(t, env, worker, nil)["id"].(string)
	// A case of Sezim not assigned to the caseworker.
	unassigned := newCase(t, env, env.Token("supervisor@sezim.kg"), nil)["id"].(string)
	other := newCase(t, env, env.Token("caseworker@akzhurok.kg"), nil)["id"].(string)
	missing := "00000000-0000-4000-8000-000000000000"
	cases := map[string]string{"assigned": assigned, "unassigned": unassigned, "other": other, "missing": missing}
	var notFoundBody []byte
	for _, a := range caseMatrixAccounts {
		tok := env.Token(a.email)
		for name, id := range cases {
			for _, rt := range caseMatrixRoutes {
				label := a.email + " " + rt.method + " " + rt.suffix + " on " + name
				r := env.Do(apitest.Request{Method: rt.method, Path: "/api/v1/cases/" + id + rt.suffix, Token: tok, Body: rt.body, Invalid: true})
				assertCaseMatrixAnswer(t, label, a, name, rt.suffix, r, &notFoundBody)
			}
		}
	}
	// A hidden and a missing case write the same single audit entry.
	n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'case.read' AND outcome = 'not_found' AND object_id = ?`, missing)
	m := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'case.read' AND outcome = 'not_found' AND object_id = ?`, other)
	if n == 0 || m == 0 {
		t.Fatalf("not_found audit entries: missing %d, hidden %d", n, m)
	}
}

// assertCaseMatrixAnswer checks one answer of the matrix: 403 for roles
// without case permissions and for the access log and subject access of
// those whose role may not ask for them, an answer for a visible case, and otherwise a 404 whose body is
// byte for byte the first 404's (but for the request id).
func assertCaseMatrixAnswer(t *testing.T, label string, a caseMatrixAccount, name, suffix string, r *apitest.Response, notFoundBody *[]byte) {
	t.Helper()
	switch {
	case a.forbidden:
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", label, r.Status)
		}
	case (suffix == "/access-log" || suffix == "/subject-access") && (strings.HasPrefix(a.email, "caseworker") || a.email == "social@mlsp.gov.kg"):
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", label, r.Status)
		}
	case a.visible[name]:
		if r.Status == http.StatusNotFound || r.Status == http.StatusForbidden || r.Status >= 500 {
			t.Errorf("%s: got %d %s", label, r.Status, r.Body)
		}
	default:
		if r.Status != http.StatusNotFound {
			t.Errorf("%s: got %d, want 404", label, r.Status)
			return
		}
		b := requestIDField.ReplaceAll(r.Body, []byte(`"request_id":""`))
		if *notFoundBody == nil {
			*notFoundBody = b
		} else if !bytes.Equal(b, *notFoundBody) {
			t.Errorf("%s: 404 body differs:\n%s\n%s", label, b, *notFoundBody)
		}
	}
}

// concurrently runs fn(0) to fn(n-1) at once and waits for all of them.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}

func TestConcurrentUpdatesExactlyOneWins(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	id := newCase(t, env, worker, nil)["id"].(string)
	statuses := make([]int, 6)
	concurrently(len(statuses), func(i int) {
		statuses[i] = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/cases/" + id, Token: worker,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"risk_level": []string{"low", "medium", "high"}[i%3]}, Invalid: true}).Status
	})
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 412:
		default:
			t.Fatalf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d updates won: %v", ok, statuses)
	}
}

func TestIdempotentCreateMakesOneCase(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	body := map[string]any{"identity": map[string]any{"given_name": "Бакыт"}, "sex": "male"}
	hdr := map[string]string{"Idempotency-Key": "retry-1"}
	ids := make([]string, 4)
	concurrently(len(ids), func(i int) {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker, Body: body, Header: hdr})
		if r.Status == http.StatusCreated {
			ids[i] = r.Map(t)["id"].(string)
		}
	})
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("retries gave %v", ids)
		}
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'case.create'`); n != 1 {
		t.Fatalf("%d cases created", n)
	}
	body["sex"] = "female"
	if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker, Body: body, Header: hdr}); r.Status != http.StatusConflict {
		t.Fatalf("same key, other body: %d", r.Status)
	}
}

// TestCreateWritesEveryPart checks a new case's parts, its measures and a
// day-old idempotency key, which a new request takes over.
func TestCreateWritesEveryPart(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	post := func(body map[string]any, key string) *apitest.Response {
		req := apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: worker, Body: body}
		if key != "" {
			req.Header = map[string]string{"Idempotency-Key": key}
		}
		return env.Do(req)
	}
	body := map[string]any{"identity": map[string]any{"given_name": "Нуржан", "family_name": "Асанова", "birth_date": "2001-02-03",
		"document_number": "AN 7654321"}, "sex": "female", "measure_codes": []string{"3.1"},
		"trafficking_events": []map[string]any{{"kind": "recruitment", "country": "KG", "year_month": "2025-01"},
			{"kind": "exploitation", "country": "RU", "region": "Moscow", "year_month": "2025-03", "details": "a market stall"}}}
	r := post(body, "")
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	c := r.Map(t)
	if !regexp.MustCompile(`^SEZIM-\d{4}-\d{4,}$`).MatchString(c["code"].(string)) || c["version"].(float64) != 1 {
		t.Fatalf("code %v, version %v", c["code"], c["version"])
	}
	if ev := c["trafficking_events"].([]any); len(ev) != 2 || ev[1].(map[string]any)["details"] != "a market stall" {
		t.Fatalf("events read back: %v", ev)
	}
	id := c["id"].(string)
	for what, q := range map[string]string{
		"key":                    `SELECT count(*) FROM case_keys WHERE case_id = $1`,
		"assignment":             `SELECT count(*) FROM case_assignments WHERE case_id = $1`,
		"stage move":             `SELECT count(*) FROM case_stage_moves WHERE case_id = $1 AND to_stage = 'identification'`,
		"audit":                  `SELECT count(*) FROM audit_entries WHERE object_id = $1::text AND action = 'case.create' AND outcome = 'success'`,
		"blind index tokens (3)": `SELECT count(*) / 3 FROM case_blind_index WHERE case_id = $1`,
		"events (2)":             `SELECT count(*) / 2 FROM case_events WHERE case_id = $1`,
	} {
		if n := env.DB.Count(t, q, id); n != 1 {
			t.Errorf("%s: %d", what, n)
		}
	}
	cases := env.DB.Count(t, `SELECT count(*) FROM cases`)
	for codes, want := range map[string]string{`["9.99"]`: "must name existing", `["3.1","3.1"]`: "must not repeat"} {
		var mc []string
		_ = json.Unmarshal([]byte(codes), &mc)
		body["measure_codes"] = mc
		if r := post(body, ""); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "measure_codes") ||
			!strings.Contains(string(r.Body), want) {
			t.Fatalf("measures %s: %d %s", codes, r.Status, r.Body)
		}
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM cases`); n != cases {
		t.Fatalf("cases after refused creates: %d, want %d", n, cases)
	}
	delete(body, "measure_codes")
	first := post(body, "day-old")
	if first.Status != http.StatusCreated {
		t.Fatalf("first with a key: %d", first.Status)
	}
	env.DB.Exec(t, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'day-old'`)
	body["sex"] = "male"
	again := post(body, "day-old")
	if again.Status != http.StatusCreated || again.Map(t)["id"] == first.Map(t)["id"] {
		t.Fatalf("a day-old key taken over: %d %s", again.Status, again.Body)
	}
}

func TestSearchAndDuplicateCheck(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	newCase(t, env, worker, map[string]any{"identity": map[string]any{"given_name": "Айгүл", "family_name": "Токтосунова", "birth_date": "1999-04-12", "document_number": "ID 1234567"}})
	other := env.Token("caseworker@akzhurok.kg")
	search := func(tok string, identity map[string]any) []any {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/search", Token: tok, Body: map[string]any{"identity": identity}})
		if r.Status != 200 {
			t.Fatalf("search: %d %s", r.Status, r.Body)
		}
		return r.Map(t)["items"].([]any)
	}
	if got := search(worker, map[string]any{"given_name": "Aigul", "family_name": "Toktosunova"}); len(got) != 1 {
		t.Fatalf("latin spelling found %d", len(got))
	}
	if got := search(worker, map[string]any{"given_name": "Toktosunova", "family_name": "Aygul"}); len(got) != 1 {
		t.Fatalf("swapped order found %d", len(got))
	}
	if got := search(other, map[string]any{"given_name": "Aigul", "family_name": "Toktosunova"}); len(got) != 0 {
		t.Fatalf("another organization found %d", len(got))
	}
	dup := func(tok string, identity map[string]any) map[string]any {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: tok, Body: map[string]any{"identity": identity}})
		if r.Status != 200 {
			t.Fatalf("duplicates: %d %s", r.Status, r.Body)
		}
		return r.Map(t)
	}
	if d := dup(worker, map[string]any{"given_name": "Aigul", "family_name": "Toktosunova", "birth_date": "1999-04-12"}); len(d["matches"].([]any)) != 1 || d["exists_elsewhere"] != false {
		t.Fatalf("own duplicate %v", d)
	}
	d := dup(other, map[string]any{"given_name": "Aigul", "family_name": "Toktosunova", "birth_date": "1999-04-12"})
	if len(d["matches"].([]any)) != 0 || d["exists_elsewhere"] != true {
		t.Fatalf("elsewhere %v", d)
	}
	if d := dup(other, map[string]any{"document_number": "id-1234567"}); d["exists_elsewhere"] != true {
		t.Fatalf("document elsewhere %v", d)
	}
	if d := dup(other, map[string]any{"given_name": "Aigul", "family_name": "Toktosunova", "birth_date": "1999-04-13"}); d["exists_elsewhere"] != false {
		t.Fatalf("another birth date %v", d)
	}
	// Sezim's supervisors were told; no personal data in the notice.
	if n := env.DB.Count(t, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'supervisor@sezim.kg' AND n.kind = 'duplicate_check_match'`); n == 0 {
		t.Fatal("the holding organization's supervisors were not notified")
	}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/duplicates", Token: other, Body: map[string]any{"identity": map[string]any{"given_name": "Aigul"}}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "identity.birth_date") {
		t.Fatalf("without birth date or document: %d %s", r.Status, r.Body)
	}
	env.ExpectCount(t, 4, "duplicate checks audited", `SELECT count(*) FROM audit_entries WHERE action = 'case.duplicate_check'`)
}

func TestAssistanceAndNotes(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	id := newCase(t, env, worker, nil)["id"].(string)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + id + "/assistance", Token: worker, Body: map[string]any{
		"type": "shelter", "status": "in_progress", "started_on": "2025-03-01", "cost_kgs": 12500.5, "funding_source": "state_social_order",
		"measure_codes": []string{"3.1"}, "notes": "room 4"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("assistance: %d %s", r.Status, r.Body)
	}
	a := r.Map(t)
	if a["notes"] != "room 4" || a["cost_kgs"].(float64) != 12500.5 || a["provider_organization_id"] == nil {
		t.Fatalf("assistance %v", a)
	}
	bad := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + id + "/assistance", Token: worker, Invalid: true,
		Body: map[string]any{"type": "teleport", "started_on": "2025-03-05", "ended_on": "2025-03-01"}})
	if bad.Status != 400 || !strings.Contains(string(bad.Body), `"type"`) || !strings.Contains(string(bad.Body), `"ended_on"`) {
		t.Fatalf("bad assistance: %d %s", bad.Status, bad.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/assistance/" + a["id"].(string), Token: worker,
		Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"status": "completed", "ended_on": "2025-04-01"}})
	if r.Status != http.StatusOK || r.Map(t)["status"] != "completed" || r.Map(t)["notes"] != "room 4" {
		t.Fatalf("patch assistance: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id + "/assistance", Token: worker})
	if l := r.Map(t)["items"].([]any); len(l) != 1 {
		t.Fatalf("assistance list %v", l)
	}
	// Notes: the organization's own, encrypted, listed newest first.
	for _, txt := range []string{"first visit", "second visit"} {
		if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + id + "/notes", Token: worker, Body: map[string]string{"text": txt}}); r.Status != 201 {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}
	}
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id + "/notes", Token: env.Token("supervisor@sezim.kg")})
	items := r.Map(t)["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["text"] != "second visit" {
		t.Fatalf("notes %v", items)
	}
	other := env.Token("caseworker@akzhurok.kg")
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id + "/notes", Token: other}); r.Status != 404 {
		t.Fatalf("another organization reads notes: %d", r.Status)
	}
	if r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/assistance/" + a["id"].(string), Token: other,
		Header: map[string]string{"If-Match": `"2"`}, Body: map[string]any{"status": "declined"}}); r.Status != 404 {
		t.Fatalf("another organization patches assistance: %d", r.Status)
	}
}

func TestListByCode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	var codes []string
	for _, name := range []string{"Айгүл", "Нургүл", "Жылдыз"} {
		codes = append(codes, newCase(t, env, worker, map[string]any{"identity": map[string]any{"given_name": name}})["code"].(string))
	}
	list := func(tok, code string) (int, []any) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?code=" + url.QueryEscape(code), Token: tok})
		if r.Status != 200 {
			return r.Status, nil
		}
		return r.Status, r.Map(t)["items"].([]any)
	}
	t.Run("the case with the code, in either letter case", func(t *testing.T) {
		for _, code := range []string{codes[1], strings.ToLower(codes[1]), " " + codes[1] + " "} {
			status, items := list(worker, code)
			if status != 200 || len(items) != 1 || items[0].(map[string]any)["code"] != codes[1] {
				t.Fatalf("code %q: %d %v", code, status, items)
			}
		}
	})
	t.Run("a code another organization holds lists nothing", func(t *testing.T) {
		if status, items := list(env.Token("caseworker@akzhurok.kg"), codes[0]); status != 200 || len(items) != 0 {
			t.Fatalf("%d %v", status, items)
		}
	})
	t.Run("an unknown code lists nothing", func(t *testing.T) {
		if status, items := list(worker, "SEZIM-1999-0001"); status != 200 || len(items) != 0 {
			t.Fatalf("%d %v", status, items)
		}
	})
	t.Run("not a code: 400 naming code", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?code=" + url.QueryEscape("x' OR 1=1"), Token: worker})
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"code"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}
