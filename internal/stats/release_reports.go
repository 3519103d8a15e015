package stats

import (
	"fmt"
	"math"
	"strconv"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/platform/database"
)

// The half-year reports and the budget are part of the release of their
// year (docs/disclosure.md): a coordinator reads the summary and every
// body's report of each ended half-year, and the budget's actual spending
// of the ended year, and each of those figures is a figure of the system:
//
//	r|s|<measure>|<figure>|<half>          the summary's figure (persons
//	                                       identified: the cell of cases_by_measure)
//	r|b|<org>|<measure>|<figure>|<half>    a body's figure
//	r|rest|<measure>|<figure>|<half>       every organization not listed for
//	                                       the measure (hidden, never released)
//	b|<measure>|<source>|<year>            actual spending of a funding source
//	b|<measure>|<year>                     actual spending of a measure
//	b|program|<program>|<year>             actual spending of a program
//
// Amounts of money are in tyiyn (hundredths of a som), so that sums are
// exact; Release.KGS converts them.

// Report figure names (package reports lists them in this order).
const (
	ReportPersonsIdentified  = "persons_identified"
	ReportPersonsAssisted    = "persons_assisted"
	ReportAssistanceServices = "assistance_services"
	ReportActivitiesHeld     = "activities_held"
	ReportPeopleReached      = "people_reached"
	ReportOfficialsTrained   = "officials_trained"
	ReportSpendingKGS        = "spending_kgs"
	// A hotline's figures (it holds no case): its contacts whose outcome
	// is advice given, and the intakes it referred, in the half-year.
	ReportConsultationsGiven = "consultations_given"
	ReportIntakesReferred    = "intakes_referred"
)

var reportFigureNames = []string{ReportPersonsIdentified, ReportPersonsAssisted, ReportAssistanceServices,
	ReportActivitiesHeld, ReportPeopleReached, ReportOfficialsTrained, ReportSpendingKGS}

// BudgetSources are the funding sources of a cost (measures.FundingSources
// is this list).
var BudgetSources = []string{"state_budget", "state_social_order", "international_organization", "ngo_own_funds", "other"}

// MoneyShare is the relative interval rule for amounts: a withheld amount
// must keep an interval of at least MoneyShare of its value (and at least
// MoneyFloorKGS): a reader may not narrow a withheld spending figure to
// within 20 % of its value.
const (
	MoneyShare    = 0.2
	MoneyFloorKGS = 1.0
)

// MoneyWidth is the interval, in tyiyn, that a withheld amount of tyiyn
// must keep.
func MoneyWidth(tyiyn int64) float64 {
	return math.Max(MoneyShare*float64(tyiyn), MoneyFloorKGS*100)
}

// ReportKey is the figure key of a half-year report's figure: the
// summary's when org is empty, else the body org's (its code).
func ReportKey(org, measure, figure, half string) string {
	switch {
	case org == "" && figure == ReportPersonsIdentified:
		return cellKey("cases_by_measure", half, measure)
	case org == "":
		return "r|s|" + measure + "|" + figure + "|" + half
	}
	return "r|b|" + org + "|" + measure + "|" + figure + "|" + half
}

// BudgetKey is the figure key of a measure's actual spending in year from
// source (every source when empty).
func BudgetKey(measure, source string, year int) string {
	if source == "" {
		return "b|" + measure + "|" + strconv.Itoa(year)
	}
	return "b|" + measure + "|" + source + "|" + strconv.Itoa(year)
}

// BudgetProgramKey is the figure key of a program's actual spending in year.
func BudgetProgramKey(program string, year int) string {
	return "b|program|" + program + "|" + strconv.Itoa(year)
}

// KGS returns the released amount of key in som; ok is false when the key
// is not part of the release, withheld when it is withheld.
func (r *Release) KGS(key string) (v float64, withheld, ok bool) {
	n, withheld, ok := r.Figure(key)
	return float64(n) / 100, withheld, ok
}

// tyiyn converts an amount in som to tyiyn.
func tyiyn(kgs float64) int64 { return int64(math.Round(kgs * 100)) }

// contributors are the persons behind a sum of costs and the largest
// amount (som) one of them contributes.
type contributors struct {
	Persons    int64
	LargestKgs float64
}

// sensitive is the primary rule for a sum of costs of sum tyiyn: from 1 to
// k-1 persons contribute to it, or one person more than half of it.
func (c contributors) sensitive(sum int64, k int) bool {
	return small(c.Persons, k) || (sum > 0 && 2*tyiyn(c.LargestKgs) > sum)
}

// amount adds an amount of money with its primary rule.
func (m *model) amount(key string, v int64, c contributors) int {
	i := m.sys.Figure(key, v)
	m.sys.Amount(i, MoneyWidth(v))
	if c.sensitive(v, m.k) {
		m.sys.Withhold(i)
	}
	return i
}

// reportFigures adds the reports of every ended half-year, and the budget
// of the year once it has ended.
func (m *model) reportFigures() error {
	var orgs []struct {
		ID      uuid.UUID
		Code    string
		Hotline bool
	}
	if err := m.tx.Raw(`SELECT id, code, kind = 'hotline' AS hotline FROM organizations`).Scan(&orgs).Error; err != nil {
		return err
	}
	codes, hotlines := map[uuid.UUID]string{}, map[string]bool{}
	for _, o := range orgs {
		codes[o.ID] = o.Code
		hotlines[o.Code] = o.Hotline
	}
	for _, h := range m.sc.halves {
		if err := m.halfReports(h, codes, hotlines); err != nil {
			return fmt.Errorf("reports %s: %w", h.Name, err)
		}
	}
	if m.sc.full == nil {
		return nil
	}
	if err := m.budget(); err != nil {
		return fmt.Errorf("budget %d: %w", m.sc.year, err)
	}
	return nil
}

// reportMeasure is a measure of the program a half-year reports under,
// with the codes of its bodies.
type reportMeasure struct {
	Code   string
	Bodies database.Array[string] `gorm:"type:text[]"`
}

// orgMeasure names a group of report figures: an organization's code
// (empty: every organization) and a measure.
type orgMeasure struct{ org, code string }

// halfReports adds the summary and every body's report of the half-year
// h (hotlines: the organizations whose reports count contacts, by code).
func (m *model) halfReports(h Period, orgCodes map[uuid.UUID]string, hotlines map[string]bool) error {
	var ms []reportMeasure
	err := m.tx.Raw(`SELECT m.code, array(SELECT b.organization_code FROM measure_bodies b
			JOIN organizations o ON o.code = b.organization_code
			WHERE b.measure_code = m.code ORDER BY b.organization_code) AS bodies
		FROM measures m WHERE m.program = (SELECT code FROM programs WHERE starts_on < ?::date
			ORDER BY (ends_on >= ?::date) DESC, starts_on DESC, code DESC LIMIT 1)
		ORDER BY m.position`, h.To.In(Bishkek).Format("2006-01-02"), h.From.In(Bishkek).Format("2006-01-02")).Scan(&ms).Error
	if err != nil || len(ms) == 0 {
		return err
	}
	codes := make([]string, len(ms))
	for i, x := range ms {
		codes[i] = x.Code
	}
	var rows []struct {
		OrganizationID *uuid.UUID
		MeasureCode    string
		Figure         string
		Value          float64
	}
	// With each group's figures, the largest amount one person
	// contributes to its spending (cost_persons are the persons behind it).
	from, to, arr := h.From.UTC(), h.To.UTC(), database.Array[string](codes)
	if err := m.tx.Raw(`SELECT organization_id, measure_code, figure, value::float8 AS value
		FROM jardam_report_figures(NULL, ?, ?, ?::text[])
		UNION ALL SELECT organization_id, measure_code, figure, value::float8
		FROM jardam_report_contact_figures(NULL, ?, ?, ?::text[])
		UNION ALL SELECT organization_id, measure_code, 'largest_kgs', largest_kgs::float8
		FROM jardam_report_cost_contributors(?, ?, ?::text[])`, from, to, arr, from, to, arr, from, to, arr).Scan(&rows).Error; err != nil {
		return err
	}
	figs := map[orgMeasure]map[string]float64{}
	for _, r := range rows {
		k := orgMeasure{code: r.MeasureCode}
		if r.OrganizationID != nil {
			k.org = orgCodes[*r.OrganizationID]
		}
		if figs[k] == nil {
			figs[k] = map[string]float64{}
		}
		figs[k][r.Figure] = r.Value
	}
	costs := map[orgMeasure]contributors{}
	for k, raw := range figs {
		costs[k] = contributors{Persons: int64(math.Round(raw["cost_persons"])), LargestKgs: raw["largest_kgs"]}
	}
	for _, x := range ms {
		for _, f := range reportFigureNames {
			m.reportFigure(h.Name, x, f, figs, costs)
		}
		m.assistedWithin(h.Name, x)
		m.contactFigures(h.Name, x, hotlines, figs)
	}
	m.activityTotals(h.Name, codes)
	return nil
}

// contactFigures adds the hotline figures of measure x in the reports of
// its hotline bodies and the summary, when it lists a hotline. The summary
// counts the listed hotlines' contacts (a contact has one hotline), so it
// is their sum; the indicator of the half counts every hotline's, so it is
// the summary plus the hotlines not listed (a hidden figure).
func (m *model) contactFigures(half string, x reportMeasure, hotlines map[string]bool, figs map[orgMeasure]map[string]float64) {
	var bodies []string
	for _, b := range x.Bodies {
		if hotlines[b] {
			bodies = append(bodies, b)
		}
	}
	if len(bodies) == 0 {
		return
	}
	indicators := map[string]string{ReportConsultationsGiven: IndicatorConsultations, ReportIntakesReferred: IndicatorIntakes}
	for _, f := range []string{ReportConsultationsGiven, ReportIntakesReferred} {
		nat := m.sys.Figure(ReportKey("", x.Code, f, half), reportValue(figs[orgMeasure{"", x.Code}], f))
		ids := make([]int, len(bodies))
		for i, b := range bodies {
			ids[i] = m.sys.Figure(ReportKey(b, x.Code, f, half), reportValue(figs[orgMeasure{b, x.Code}], f))
		}
		m.sys.Sum(nat, ids...)
		if ind, ok := m.sys.Lookup(IndicatorKey(indicators[f], half)); ok {
			m.sumWithRest(ind, "r|rest|"+x.Code+"|"+f+"|"+half, []int{nat})
		}
	}
}

// activityTotals relates the summary's people reached and officials
// trained under each measure to the half-year's activity figures (stored
// beside the system, released unless withheld here): the latter count
// every activity, whatever its measure, so they are the measures' sum
// plus that of the measures of other programs.
func (m *model) activityTotals(half string, codes []string) {
	for _, f := range []string{ReportPeopleReached, ReportOfficialsTrained} {
		key := ExtraKey(f, half)
		v := m.extra[key]
		if v == nil {
			continue
		}
		ids := make([]int, len(codes))
		for i, c := range codes {
			ids[i], _ = m.sys.Lookup(ReportKey("", c, f, half))
		}
		m.sumWithRest(m.sys.Figure(key, int64(*v)), "r|rest|"+f+"|"+half, ids)
	}
}

// sumWithRest records whole = sum(parts) + rest, where rest (the part no
// output shows) is a hidden figure, or nothing when zero: the audit then
// assumes a reader knows it is zero, which can only narrow the intervals
// it checks. It returns the hidden figure, or -1.
func (m *model) sumWithRest(whole int, restKey string, parts []int) int {
	rest := m.sys.Value(whole)
	for _, p := range parts {
		rest -= m.sys.Value(p)
	}
	switch {
	case rest < 0:
		return -1 // not a sum: no relation a reader can rely on
	case rest == 0:
		m.sys.Sum(whole, parts...)
		return -1
	}
	r := m.sys.Hide(restKey, rest)
	m.sys.Sum(whole, append(parts, r)...)
	return r
}

// reportValue is figure f of a group of raw figures (jardam_report_figures);
// amounts in tyiyn.
func reportValue(raw map[string]float64, f string) int64 {
	if f == ReportSpendingKGS {
		return tyiyn(raw["assistance_kgs"] + raw["activity_kgs"])
	}
	return int64(math.Round(raw[f]))
}

// reportFigure adds figure f of measure x in the summary and each body's
// report, and how they relate. Persons assisted are counted once per
// organization that assists them, so each body's are at most the
// summary's (a person assisted by two bodies counts in both), and the
// summary's at most the bodies' sum when no other organization assisted
// anyone under the measure. Every other figure is a sum over disjoint
// records (a case has one owner, a service one provider, an activity one
// organization, a cost one record), so the summary is the bodies' sum
// plus that of every organization not listed: a hidden figure, or, when
// it is zero, nothing (the audit then assumes a reader knows that no other
// organization recorded anything, which can only narrow its intervals).
func (m *model) reportFigure(half string, x reportMeasure, f string, figs map[orgMeasure]map[string]float64, costs map[orgMeasure]contributors) {
	nat := m.reportCell(half, "", x.Code, f, figs, costs)
	ids := make([]int, 0, len(x.Bodies))
	listed := map[string]bool{}
	for _, b := range x.Bodies {
		listed[b] = true
		ids = append(ids, m.reportCell(half, b, x.Code, f, figs, costs))
	}
	if f == ReportPersonsAssisted {
		// Persons assisted by organizations not listed: when none, the
		// summary is at most the bodies' sum.
		var others int64
		for k, raw := range figs {
			if k.code == x.Code && k.org != "" && !listed[k.org] {
				others += reportValue(raw, f)
			}
		}
		if others == 0 {
			m.sys.Cover(nat, ids...)
			return
		}
		for _, i := range ids {
			m.sys.AtMostOf(i, nat)
		}
		return
	}
	if f == ReportAssistanceServices {
		for _, org := range append([]string{""}, x.Bodies...) {
			p, _ := m.sys.Lookup(ReportKey(org, x.Code, ReportPersonsAssisted, half))
			s, _ := m.sys.Lookup(ReportKey(org, x.Code, f, half))
			m.sys.AtMostOf(p, s)
		}
	}
	r := m.sumWithRest(nat, "r|rest|"+x.Code+"|"+f+"|"+half, ids)
	if r >= 0 && f == ReportSpendingKGS {
		m.sys.Amount(r, MoneyWidth(m.sys.Value(r)))
		if restCosts(costs, x.Code, listed).sensitive(m.sys.Value(r), m.k) {
			m.sys.Withhold(r)
		}
	}
}

// reportCell adds figure f of measure code in the report of org (the
// summary when empty).
func (m *model) reportCell(half, org, code, f string, figs map[orgMeasure]map[string]float64, costs map[orgMeasure]contributors) int {
	k := orgMeasure{org, code}
	v := reportValue(figs[k], f)
	if f == ReportSpendingKGS {
		return m.amount(ReportKey(org, code, f, half), v, costs[k])
	}
	i := m.sys.Figure(ReportKey(org, code, f, half), v)
	if f == ReportAssistanceServices && small(reportValue(figs[k], ReportPersonsAssisted), m.k) {
		m.sys.Withhold(i) // the services of 1 to k-1 persons
	}
	return i
}

// restCosts approximates the contributors to the costs of every
// organization not listed for measure code: the sum of their persons (a
// person assisted by two of them counts twice) and the largest of their
// largest contributions.
func restCosts(costs map[orgMeasure]contributors, code string, listed map[string]bool) contributors {
	var out contributors
	for k, c := range costs {
		if k.code != code || k.org == "" || listed[k.org] {
			continue
		}
		out.Persons += c.Persons
		out.LargestKgs = math.Max(out.LargestKgs, c.LargestKgs)
	}
	return out
}

// assistedWithin relates the summary's persons assisted under measure x to
// the statistics: persons whose assistance under x started in the half
// (assistance_by_measure) are among them, and they are among the persons
// with assistance active in the half (the indicator).
func (m *model) assistedWithin(half string, x reportMeasure) {
	nat, ok := m.sys.Lookup(ReportKey("", x.Code, ReportPersonsAssisted, half))
	if !ok {
		return
	}
	if c, ok := m.sys.Lookup(cellKey("assistance_by_measure", half, x.Code)); ok {
		m.sys.AtMostOf(c, nat)
	}
	if i, ok := m.sys.Lookup(IndicatorKey(IndicatorAssisted, half)); ok {
		m.sys.AtMostOf(nat, i)
	}
}

// budget adds the actual spending of the ended year: per measure of every
// program and funding source, per measure, and per program. Money is
// additive: a measure's spending is the sum of its sources' and of the
// summaries' spending of the two half-years, a program's the sum of its
// measures'.
func (m *model) budget() error {
	var progs []struct {
		Program string
		Codes   database.Array[string] `gorm:"type:text[]"`
	}
	if err := m.tx.Raw(`SELECT p.code AS program, array(SELECT m.code FROM measures m WHERE m.program = p.code
			ORDER BY m.position) AS codes FROM programs p ORDER BY p.starts_on, p.code`).Scan(&progs).Error; err != nil {
		return err
	}
	y := m.sc.year
	for _, p := range progs {
		var actual []struct {
			MeasureCode   string
			FundingSource *string
			AssistanceKgs float64
			ActivityKgs   float64
		}
		if err := m.tx.Raw(`SELECT measure_code, funding_source, assistance_kgs::float8 AS assistance_kgs,
				activity_kgs::float8 AS activity_kgs FROM jardam_budget_actuals(?, ?::text[])`, y, p.Codes).
			Scan(&actual).Error; err != nil {
			return err
		}
		var cs []struct {
			MeasureCode   *string
			FundingSource *string
			Persons       int64
			LargestKgs    float64
		}
		if err := m.tx.Raw(`SELECT measure_code, funding_source, persons, largest_kgs::float8 AS largest_kgs
				FROM jardam_budget_cost_contributors(?, ?::text[])`, y, p.Codes).Scan(&cs).Error; err != nil {
			return err
		}
		sums, costs := map[orgMeasure]int64{}, map[orgMeasure]contributors{}
		for _, a := range actual {
			sums[orgMeasure{deref(a.FundingSource), a.MeasureCode}] = tyiyn(a.AssistanceKgs + a.ActivityKgs)
		}
		for _, c := range cs {
			costs[orgMeasure{deref(c.FundingSource), deref(c.MeasureCode)}] = contributors{c.Persons, c.LargestKgs}
		}
		var total int64
		ids := make([]int, 0, len(p.Codes))
		for _, code := range p.Codes {
			ids = append(ids, m.budgetMeasure(code, sums, costs))
			total += sums[orgMeasure{"", code}]
		}
		m.sys.Sum(m.amount(BudgetProgramKey(p.Program, y), total, costs[orgMeasure{}]), ids...)
	}
	return nil
}

// budgetMeasure adds the actual spending of measure code per funding
// source and in all, and returns the latter.
func (m *model) budgetMeasure(code string, sums map[orgMeasure]int64, costs map[orgMeasure]contributors) int {
	y := m.sc.year
	if i, ok := m.sys.Lookup(BudgetKey(code, "", y)); ok {
		return i // a measure of two programs
	}
	ids := make([]int, len(BudgetSources))
	for i, s := range BudgetSources {
		k := orgMeasure{s, code}
		ids[i] = m.amount(BudgetKey(code, s, y), sums[k], costs[k])
	}
	k := orgMeasure{"", code}
	t := m.amount(BudgetKey(code, "", y), sums[k], costs[k])
	m.sys.Sum(t, ids...)
	m.relateOverTime(additive, BudgetKey(code, "", y),
		ReportKey("", code, ReportSpendingKGS, m.sc.halves[0].Name), ReportKey("", code, ReportSpendingKGS, m.sc.halves[1].Name))
	return t
}
