//go:build attack

package stats_test

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/stats"
)

// fetchReports reads the summary and every body's report of each
// half-year, and writes the relations their published definitions give
// (package reports, docs/disclosure.md): persons identified in the
// summary is the cell of cases_by_measure; a body's figures are counted
// over its own records, so the bodies' sum of a figure over disjoint
// records (persons identified, services, activities, people reached,
// officials trained, spending) is at most the summary's (organizations
// not listed may add to it), and a body's persons assisted is at most the
// summary's; persons assisted are at most their services; the summary's
// persons assisted are among the persons with assistance active in the
// half (the indicator), and include those whose assistance under the
// measure started in it (assistance_by_measure).
func (a *attacker) fetchReports() {
	for h, half := range a.halves() {
		path := fmt.Sprintf("/api/v1/reports/half-year/%d/%d", a.year, h+1)
		summary := a.report(path)
		a.seeReport(summary, "")
		for _, b := range summary.Bodies {
			a.orgs[b.Code] = b.OrganizationID.String()
			a.seeReport(a.report(path+"?organization_id="+b.OrganizationID.String()), b.Code)
		}
		for _, m := range summary.Measures {
			a.measureRelations(half, m.Code, summary.Bodies)
		}
	}
}

func (a *attacker) report(path string) reports.Report {
	var rep reports.Report
	a.env.GetJSON(a.t, a.tok, path, &rep)
	return rep
}

// reportKey names a report's figure: the summary's when org is empty.
func reportKey(org, half, code, figure string) string {
	switch {
	case org == "" && figure == reports.FigurePersonsIdentified:
		return "t|cases_by_measure|" + half + "|" + code
	case org == "":
		return "rs|" + code + "|" + figure + "|" + half
	}
	return "rb|" + org + "|" + code + "|" + figure + "|" + half
}

func (a *attacker) seeReport(rep reports.Report, org string) {
	for _, m := range rep.Measures {
		for _, f := range m.Figures {
			key := reportKey(org, rep.Period, m.Code, f.Name)
			if f.Name == reports.FigureSpendingKGS {
				a.money[key] = true
				a.see(key, tyiynOf(f.Value, f.Suppressed))
				continue
			}
			a.see(key, intOf(f.Value, f.Suppressed))
		}
	}
}

func tyiynOf(v *float64, suppressed bool) *int64 {
	if suppressed || v == nil {
		return nil
	}
	n := int64(math.Round(*v * 100))
	return &n
}

func (a *attacker) measureRelations(half, code string, bodies []reports.BodyState) {
	listed := func(figure string) []string {
		var out []string
		for _, b := range bodies {
			if _, ok := a.known[reportKey(b.Code, half, code, figure)]; ok {
				out = append(out, reportKey(b.Code, half, code, figure))
			}
		}
		return out
	}
	for _, f := range []string{reports.FigurePersonsIdentified, reports.FigureAssistanceServices, reports.FigureActivitiesHeld,
		reports.FigurePeopleReached, reports.FigureOfficialsTrained, reports.FigureSpendingKGS} {
		if parts := listed(f); len(parts) > 0 {
			a.rel("sumle", reportKey("", half, code, f), parts...)
		}
	}
	assisted := reportKey("", half, code, reports.FigurePersonsAssisted)
	for _, b := range listed(reports.FigurePersonsAssisted) {
		a.rel("le", assisted, b)
	}
	for _, org := range append([]string{""}, codesOf(bodies)...) {
		if _, ok := a.known[reportKey(org, half, code, reports.FigurePersonsAssisted)]; ok {
			a.rel("le", reportKey(org, half, code, reports.FigureAssistanceServices), reportKey(org, half, code, reports.FigurePersonsAssisted))
		}
	}
	a.rel("le", "i|persons_assisted|"+half, assisted)
	a.rel("le", assisted, "t|assistance_by_measure|"+half+"|"+code)
}

func codesOf(bodies []reports.BodyState) []string {
	out := make([]string, len(bodies))
	for i, b := range bodies {
		out[i] = b.Code
	}
	return out
}

// fetchBudget reads the budget of an ended year: a measure's actual
// spending is the sum of its funding sources' and of the summaries'
// spending of the two halves (money adds up), the program's the sum of
// its measures'.
func (a *attacker) fetchBudget() {
	if a.year >= time.Now().In(stats.Bishkek).Year() {
		return
	}
	y := strconv.Itoa(a.year)
	var b reports.Budget
	a.env.GetJSON(a.t, a.tok, "/api/v1/budget?year="+y, &b)
	var measures []string
	for _, m := range b.Items {
		key := "b|" + m.Code + "|" + y
		a.seeMoney(key, m.ActualKGS, m.ActualSuppressed)
		var sources []string
		for _, s := range m.Sources {
			sources = append(sources, key+"|"+s.FundingSource)
			a.seeMoney(key+"|"+s.FundingSource, s.ActualKGS, s.ActualSuppressed)
		}
		a.rel("sum", key, sources...)
		h := a.halves()
		a.rel("sum", key, reportKey("", h[0], m.Code, reports.FigureSpendingKGS), reportKey("", h[1], m.Code, reports.FigureSpendingKGS))
		measures = append(measures, key)
	}
	a.seeMoney("b|program|"+b.Program+"|"+y, b.ActualKGS, b.ActualSuppressed)
	a.rel("sum", "b|program|"+b.Program+"|"+y, measures...)
}

func (a *attacker) seeMoney(key string, v *float64, suppressed bool) {
	a.money[key] = true
	a.see(key, tyiynOf(v, suppressed))
}

// trueMoney computes the exact amount (tyiyn) behind a withheld money
// figure, as the audit's rule is relative to it.
func (a *attacker) trueMoney(key string) int64 {
	p := strings.Split(key, "|")
	var q string
	var args []any
	switch {
	case p[0] == "b" && p[1] == "program":
		q = `SELECT coalesce(sum(assistance_kgs + activity_kgs), 0)::float8 FROM jardam_budget_actuals(?,
			array(SELECT code FROM measures WHERE program = ?)) WHERE funding_source IS NULL`
		args = []any{a.year, p[2]}
	case p[0] == "b" && len(p) == 3:
		q = `SELECT coalesce(sum(assistance_kgs + activity_kgs), 0)::float8 FROM jardam_budget_actuals(?, ARRAY[?]) WHERE funding_source IS NULL`
		args = []any{a.year, p[1]}
	case p[0] == "b":
		q = `SELECT coalesce(sum(assistance_kgs + activity_kgs), 0)::float8 FROM jardam_budget_actuals(?, ARRAY[?]) WHERE funding_source = ?`
		args = []any{a.year, p[1], p[3]}
	default:
		org, code, half := "", p[1], p[3]
		if p[0] == "rb" {
			org, code, half = a.orgs[p[1]], p[2], p[4]
		}
		from, to := halfBounds(half)
		q = `SELECT coalesce(sum(value), 0)::float8 FROM jardam_report_figures(NULL, ?, ?, ARRAY[?])
			WHERE figure IN ('assistance_kgs', 'activity_kgs') AND coalesce(organization_id::text, '') = ?`
		args = []any{from, to, code, org}
	}
	var v float64
	if err := a.env.DB.App.Raw(q, args...).Scan(&v).Error; err != nil {
		a.t.Fatalf("true value of %s: %v", key, err)
	}
	return int64(math.Round(v * 100))
}

func halfBounds(half string) (time.Time, time.Time) {
	y, _ := strconv.Atoi(half[:4])
	m := time.January
	if strings.HasSuffix(half, "H2") {
		m = time.July
	}
	from := time.Date(y, m, 1, 0, 0, 0, 0, stats.Bishkek)
	return from, from.AddDate(0, 6, 0)
}

// randomReports gives a random part of the cases measures, and records
// assistance with costs and activities under measures that two bodies
// share (3.1) and that one body holds alone (2.1).
func randomReports(t *testing.T, env *apitest.Env, r *rand.Rand) {
	var ids []string
	if err := env.DB.App.Raw(`SELECT id::text FROM cases ORDER BY id`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	sources := []string{"state_budget", "state_social_order", "international_organization"}
	for _, id := range ids {
		if r.Intn(2) == 0 {
			continue
		}
		code := []string{"3.1", "3.2", "2.1"}[r.Intn(3)]
		env.DB.Exec(t, `UPDATE cases SET measure_codes = ARRAY[$2] WHERE id = $1`, id, code)
		if r.Intn(2) == 0 {
			continue
		}
		org := []string{"SEZIM", "AKZHUROK"}[r.Intn(2)]
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(720))
		cost := float64(100 * (1 + r.Intn(50)))
		if r.Intn(10) == 0 {
			cost *= 40 // now and then one cost dominates its sum
		}
		env.DB.Exec(t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on,
			cost_kgs, funding_source, measure_codes) VALUES (gen_random_uuid(), $1, 'shelter', $2, 'completed', $3, $4, $5, $6, ARRAY[$7])`,
			id, env.OrgID(org), start.Format("2006-01-02"), start.AddDate(0, 0, 20).Format("2006-01-02"), cost,
			sources[r.Intn(len(sources))], code)
	}
	var user string
	if err := env.DB.App.Raw(`SELECT id::text FROM users WHERE email = 'caseworker@sezim.kg'`).Scan(&user).Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10+r.Intn(20); i++ {
		day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(720))
		env.DB.Exec(t, `INSERT INTO activities (id, organization_id, held_on, region, kind, title, participants_female,
			people_reached, cost_kgs, funding_source, measure_code, created_by)
			VALUES (gen_random_uuid(), $1, $2, 'chui', 'training', 'activity', $3, $4, $5, 'state_budget', $6, $7)`,
			env.OrgID([]string{"SEZIM", "AKZHUROK"}[r.Intn(2)]), day.Format("2006-01-02"), r.Intn(12), r.Intn(60),
			float64(50*r.Intn(40)), []string{"3.1", "2.1"}[r.Intn(2)], user)
	}
}

// TestHalfSpendingLessTheBudgetIsNotAnAttack: a measure's spending in
// 2024 comes from seven persons in the first half and two in the second.
// The second half's spending is withheld; the budget's actual of the year
// less the first half's would give it, so the release withholds one of
// them too, and no bound a reader reaches narrows it below 20 % of its
// value.
func TestHalfSpendingLessTheBudgetIsNotAnAttack(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	h1 := f.add(7, fcase{org: "SEZIM", identifiedAt: "2024-01-20T06:00:00Z", sex: "female", age: "21-23", channel: "hotline"})
	h2 := f.add(2, fcase{org: "SEZIM", identifiedAt: "2024-07-20T06:00:00Z", sex: "female", age: "21-23", channel: "hotline"})
	for ids, at := range map[*[]string]string{&h1: "2024-02-01", &h2: "2024-08-01"} {
		for _, id := range *ids {
			env.DB.Exec(t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on,
				cost_kgs, funding_source, measure_codes) VALUES (gen_random_uuid(), $1, 'shelter', $2, 'completed', $3, $3::date + 10, 3000,
				'state_budget', ARRAY['3.1'])`, id, env.OrgID("SEZIM"), at)
		}
	}
	a := newAttacker(t, env, 2024)
	a.attack(5)
	half2, budget, half1 := a.known["rs|3.1|spending_kgs|2024-H2"], a.known["b|3.1|2024"], a.known["rs|3.1|spending_kgs|2024-H1"]
	if half2 != nil {
		t.Fatalf("two persons' spending of 2024-H2 released: %d", *half2)
	}
	if budget != nil && half1 != nil {
		t.Fatalf("the year's actual %d less the first half's %d gives the second half's", *budget, *half1)
	}
}
