package reports_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// hotlineFixture records, straight into the database, contacts of 2024
// (HOTLINE-1899 is a co-executor of measure 2.3 in the Program's bodies):
// in the
// first half seven consultations and two contacts without one at the 1899
// hotline, two of its intakes to Sezim, and six consultations at a second
// hotline listed for no measure; in the second half eight consultations
// at the 1899 hotline and osh2 at the other.
func hotlineFixture(t *testing.T, env *apitest.Env, osh2 int) {
	env.DB.Exec(t, `INSERT INTO organizations (code, name_ru, name_ky, name_en, kind, region)
		VALUES ('HOTLINE-OSH', 'Линия Ош', 'Ош линиясы', 'Osh line', 'hotline', 'osh_city')`)
	user := env.UserID("operator@hotline1899.kg")
	n := 0
	contact := func(org, outcome, at string, count int) []string {
		var ids []string
		for range count {
			n++
			id := fmt.Sprintf("00000000-0000-4000-9000-%012d", n)
			env.DB.Exec(t, `INSERT INTO contacts (id, code, organization_id, channel, caller, topic, outcome,
				key_master_version, key_wrapped, created_by, created_at)
				VALUES ($1, $2, $3, 'phone', 'anonymous', 'job_offer_check', $4, 'test', '\xdeadbeef', $5, $6)`,
				id, fmt.Sprintf("HL-2024-%05d", n), env.OrgID(org), outcome, user, at)
			ids = append(ids, id)
		}
		return ids
	}
	contact("HOTLINE-1899", "advice_given", "2024-02-12T09:00:00Z", 7)
	contact("HOTLINE-1899", "no_action", "2024-02-13T09:00:00Z", 1)
	contact("HOTLINE-OSH", "advice_given", "2024-03-12T09:00:00Z", 6)
	contact("HOTLINE-1899", "advice_given", "2024-09-12T09:00:00Z", 8)
	contact("HOTLINE-OSH", "advice_given", "2024-09-13T09:00:00Z", osh2)
	// Two intakes (a contact referred) with their referral rows, as the
	// refer route writes them.
	for _, id := range contact("HOTLINE-1899", "referred", "2024-02-14T09:00:00Z", 2) {
		env.DB.Exec(t, `INSERT INTO referrals (id, code, kind, contact_id, from_organization_id, to_organization_id, urgency,
			status, categories, due_at, case_sex, case_age_bracket, created_by, created_at, updated_at, screening)
			VALUES (gen_random_uuid(), 'REF-' || substr(md5($1::text), 1, 8), 'intake', $1::uuid, $2, $3, 'normal', 'declined', '{identity}',
				'2024-02-20T09:00:00Z', 'unknown', 'unknown', $4, '2024-02-14T09:00:00Z', '2024-02-14T09:00:00Z',
				'{"indicators": [], "result": "none"}')`,
			id, env.OrgID("HOTLINE-1899"), env.OrgID("SEZIM"), user)
	}
}

// TestHotlineReportCountsItsContacts: a hotline listed for a measure
// reports its consultations and intakes under it (it holds no case), the
// summary lists them under that measure only, and they are figures of the
// release: a coordinator reads released ones as they are, the two intakes
// withheld; no other body's report lists them.
func TestHotlineReportCountsItsContacts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	hotlineFixture(t, env, 6)
	co := env.Token(coordinator)
	hl := get(t, env, co, "/api/v1/reports/half-year/2024/1?organization_id="+env.OrgID("HOTLINE-1899"))
	if len(hl.Measures) != 1 || hl.Measures[0].Code != "2.3" || !hl.Suppressed {
		t.Fatalf("the hotline's report: %+v", hl)
	}
	if v, s := hl.figure(t, "2.3", "consultations_given"); s || v == nil || *v != 7 {
		t.Fatalf("the hotline's consultations: %v %v, want 7", v, s)
	}
	if v, s := hl.figure(t, "2.3", "intakes_referred"); !s || v != nil {
		t.Fatalf("two intakes released: %v", *v)
	}
	if u := hl.Measures[0].Figures[len(hl.Measures[0].Figures)-1].Unit; u != "contacts" {
		t.Fatalf("unit %q", u)
	}
	summary := get(t, env, co, "/api/v1/reports/half-year/2024/1")
	if v, s := summary.figure(t, "2.3", "consultations_given"); s || v == nil || *v != 7 {
		t.Fatalf("the summary's consultations under 2.3: %v %v, want 7 (the listed hotline's)", v, s)
	}
	if v, s := get(t, env, co, "/api/v1/reports/half-year/2024/2").figure(t, "2.3", "consultations_given"); s || v == nil || *v != 8 {
		t.Fatalf("the second half's consultations: %v %v, want 8", v, s)
	}
	for _, r := range []report{summary, get(t, env, co, "/api/v1/reports/half-year/2024/1?organization_id="+env.OrgID("SEZIM")),
		get(t, env, env.Token(supervisor), "/api/v1/reports/half-year/2024/1")} {
		for _, m := range r.Measures {
			for _, f := range m.Figures {
				if m.Code != "2.3" && (f.Name == "consultations_given" || f.Name == "intakes_referred") {
					t.Fatalf("%s lists %s under %s, which lists no hotline", r.Kind, f.Name, m.Code)
				}
			}
		}
		noSmallFigure(t, r)
	}
	noSmallFigure(t, hl)
	if r := env.Do(apitest.Request{Method: http.MethodGet, Token: env.Token("operator@hotline1899.kg"),
		Path: "/api/v1/reports/half-year/2024/1"}); r.Status != http.StatusForbidden {
		t.Fatalf("an operator reads reports: %d", r.Status)
	}
}

// TestHotlineFiguresAreInTheDisclosureControl: with two consultations at
// a hotline listed for no measure in the second half, the summary's 8
// under 2.3 and the indicator's 10 would tell them by subtraction; the
// release never gives both.
func TestHotlineFiguresAreInTheDisclosureControl(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	hotlineFixture(t, env, 2)
	co := env.Token(coordinator)
	h2 := get(t, env, co, "/api/v1/reports/half-year/2024/2")
	part, _ := h2.figure(t, "2.3", "consultations_given")
	var ind struct {
		Items []struct {
			Code  string
			Value *float64
		}
	}
	env.GetJSON(t, co, "/api/v1/indicators?period=2024-H2", &ind)
	var whole *float64
	for _, it := range ind.Items {
		if it.Code == "consultations_given" {
			whole = it.Value
		}
	}
	if part != nil && whole != nil {
		t.Fatalf("the indicator %v and the summary %v both released: the other hotline's %v consultations", *whole, *part, *whole-*part)
	}
	noSmallFigure(t, h2)
}

// TestHotlineSupervisorSubmitsItsReport: the hotline's supervisor reads
// its hotline's report exactly (measure 2.3 only, its own figures), writes
// the narrative of 2.3 and no other measure's, and submits; the summary
// lists the hotline as submitted. It reads no other body's report; the
// hotline's operator neither reads nor writes one, and a crisis center's
// supervisor does not see the hotline's.
func TestHotlineSupervisorSubmitsItsReport(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	hotlineFixture(t, env, 6)
	hs := env.Token("supervisor@hotline1899.kg")
	base := "/api/v1/reports/half-year/2024/1"
	own := get(t, env, hs, base)
	if own.Kind != "body" || own.OrganizationID != env.OrgID("HOTLINE-1899") || len(own.Measures) != 1 || own.Measures[0].Code != "2.3" ||
		own.Status != "draft" {
		t.Fatalf("the hotline supervisor's report: %+v", own)
	}
	if v, s := own.figure(t, "2.3", "intakes_referred"); s || v == nil || *v != 2 {
		t.Fatalf("its own intakes, exactly: %v %v, want 2", v, s)
	}
	put := func(tok, code string) int {
		return env.Do(apitest.Request{Method: http.MethodPut, Path: base + "/narratives/" + code, Token: tok,
			Body: map[string]string{"text": "1899 ишеним телефону 7 кеңеш берди."}}).Status
	}
	refused := map[string]int{
		"Sezim's report": env.Do(apitest.Request{Method: http.MethodGet, Path: base + "?organization_id=" + env.OrgID("SEZIM"), Token: hs}).Status,
		"Sezim's supervisor on the hotline's": env.Do(apitest.Request{Method: http.MethodGet,
			Path: base + "?organization_id=" + env.OrgID("HOTLINE-1899"), Token: env.Token(supervisor)}).Status,
		"a narrative of 3.1":       put(hs, "3.1"),
		"the operator's narrative": put(env.Token("operator@hotline1899.kg"), "2.3"),
		"the operator's submit":    env.Do(apitest.Request{Method: http.MethodPost, Path: base + "/submit", Token: env.Token("operator@hotline1899.kg"), Body: map[string]any{}}).Status,
	}
	want := map[string]int{"Sezim's report": http.StatusNotFound, "Sezim's supervisor on the hotline's": http.StatusNotFound,
		"a narrative of 3.1": http.StatusNotFound, "the operator's narrative": http.StatusForbidden, "the operator's submit": http.StatusForbidden}
	for what, status := range refused {
		if status != want[what] {
			t.Fatalf("%s: %d, want %d", what, status, want[what])
		}
	}
	if s := put(hs, "2.3"); s != http.StatusOK {
		t.Fatalf("the hotline supervisor's narrative: %d", s)
	}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: base + "/submit", Token: hs, Body: map[string]any{}})
	var sub report
	r.JSON(t, &sub)
	if r.Status != http.StatusOK || sub.Status != "submitted" || sub.Measures[0].Narrative == nil {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	listed := ""
	for _, b := range get(t, env, env.Token(coordinator), base).Bodies {
		if b.Code == "HOTLINE-1899" {
			listed = b.Status
		}
	}
	if listed != "submitted" {
		t.Fatalf("the summary lists the hotline as %q", listed)
	}
}
