//go:build attack

package stats_test

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/disclosure"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/stats"
)

// attacker fetches every figure a coordinator can obtain about one year
// (every table of the year and its halves, the months of the series, the
// indicators of the year, its halves and its months) and writes down, from
// the published definitions alone, the relations between them. It then
// bounds every withheld figure by linear programming, as a reader would.
type attacker struct {
	t     *testing.T
	env   *apitest.Env
	tok   string
	year  int
	known map[string]*int64 // nil: withheld
	rels  []relation
	money map[string]bool   // amounts, in tyiyn
	orgs  map[string]string // a body's code -> its id
}

type relation struct {
	kind  string // "sum": whole = parts; "cover": parts <= whole <= sum; "le": parts[0] <= whole; "sumle": sum <= whole
	whole string
	parts []string
}

// Published definitions: which tables count persons identified (and share
// their total), which may count a person in several cells, which add up
// over time and which state a status at the end of the period.
var (
	tableFamily = map[string]string{
		"persons_by_sex_age": "identified", "persons_by_exploitation_type": "identified",
		"persons_by_country_of_exploitation": "identified", "persons_by_region_of_origin": "identified",
		"persons_by_identification_channel": "identified", "cases_by_stage": "identified", "cases_by_measure": "identified",
		"assistance_by_type_provider_kind": "assisted", "assistance_by_measure": "assisted",
		"referrals_by_outcome": "referred", "referrals_by_response_time": "referred",
		"contacts_by_topic": "contacts", "contacts_by_channel": "contacts", "contacts_by_region": "contacts",
	}
	// additiveFamily: a year is the sum of its halves (each counts in the
	// period of one date).
	additiveFamily = map[string]bool{"identified": true, "contacts": true}
	multiValued    = map[string]bool{"persons_by_exploitation_type": true, "persons_by_country_of_exploitation": true,
		"cases_by_measure": true, "assistance_by_type_provider_kind": true, "assistance_by_measure": true,
		"referrals_by_outcome": true, "referrals_by_response_time": true}
	endState = map[string]bool{"cases_by_stage": true, "referrals_by_outcome": true, "referrals_by_response_time": true}
)

func newAttacker(t *testing.T, env *apitest.Env, year int) *attacker {
	return &attacker{t: t, env: env, tok: env.Token(coordinator), year: year, known: map[string]*int64{},
		money: map[string]bool{}, orgs: map[string]string{}}
}

// see records a fetched figure; the same figure fetched twice must agree.
func (a *attacker) see(key string, v *int64) {
	if old, ok := a.known[key]; ok {
		if (old == nil) != (v == nil) || (old != nil && *old != *v) {
			a.t.Errorf("%s is %v in one answer and %v in another", key, show(old), show(v))
		}
		if old != nil {
			return
		}
	}
	a.known[key] = v
}

func show(v *int64) any {
	if v == nil {
		return "withheld"
	}
	return *v
}

func (a *attacker) rel(kind, whole string, parts ...string) {
	a.rels = append(a.rels, relation{kind, whole, parts})
}

func (a *attacker) halves() []string {
	return []string{fmt.Sprintf("%d-H1", a.year), fmt.Sprintf("%d-H2", a.year)}
}

func (a *attacker) months(half int) []string {
	var out []string
	for m := 1 + 6*(half-1); m <= 6*half; m++ {
		out = append(out, fmt.Sprintf("%d-%02d", a.year, m))
	}
	return out
}

// fetchTables reads every table of the year and its halves.
func (a *attacker) fetchTables() {
	y := strconv.Itoa(a.year)
	for name, fam := range tableFamily {
		cells := map[string][]string{}
		for _, p := range append(a.halves(), y) {
			tb := getTable(a.t, a.env, a.tok, "/api/v1/stats/tables/"+name+"?period="+p)
			total := fam + "|" + p
			a.see(total, released(tb.Totals.Count, tb.Totals.Suppressed))
			var keys []string
			for _, r := range tb.Rows {
				key := "t|" + name + "|" + p
				var cell string
				for _, d := range tb.Dimensions {
					cell += "|" + r[d].(string)
				}
				key += cell
				a.see(key, rowCount(r))
				keys = append(keys, key)
				cells[cell] = append(cells[cell], key)
			}
			if multiValued[name] {
				a.rel("cover", total, keys...)
			} else {
				a.rel("sum", total, keys...)
			}
		}
		if endState[name] {
			continue
		}
		for _, ks := range cells {
			if len(ks) == 3 { // H1, H2, year
				if additiveFamily[tableFamily[name]] {
					a.rel("sum", ks[2], ks[0], ks[1])
				} else {
					a.rel("cover", ks[2], ks[0], ks[1])
				}
			}
		}
	}
}

func released(c *int64, suppressed bool) *int64 {
	if suppressed {
		return nil
	}
	return c
}

func rowCount(r row) *int64 {
	if r["suppressed"] == true {
		return nil
	}
	n := int64(r["count"].(float64))
	return &n
}

// fetchSeries reads the months of the year that the series hold.
func (a *attacker) fetchSeries() {
	for name, fam := range map[string]string{"persons_identified": "identified", "persons_assisted": "assisted",
		"persons_referred": "referred", "contacts_received": "contacts"} {
		tb := getTable(a.t, a.env, a.tok, "/api/v1/stats/series/"+name)
		for _, r := range tb.Rows {
			if m := r["month"].(string); m[:4] == strconv.Itoa(a.year) {
				a.see(fam+"|"+m, rowCount(r))
			}
		}
	}
}

// fetchIndicators reads the indicators of the year, its halves and months.
func (a *attacker) fetchIndicators() {
	periods := append(append(a.months(1), a.months(2)...), append(a.halves(), strconv.Itoa(a.year))...)
	for _, p := range periods {
		var m measures.Matrix
		a.env.GetJSON(a.t, a.tok, "/api/v1/indicators?period="+p, &m)
		for _, ind := range m.Items {
			key := "i|" + ind.Code + "|" + p
			switch ind.Code {
			case measures.IndicatorPersonsIdentified, measures.IndicatorPersonsAssisted,
				measures.IndicatorPersonsReintegrated, measures.IndicatorHomecomings, measures.IndicatorReintegrationSustained,
				measures.IndicatorConsultationsGiven, measures.IndicatorIntakesReferred:
			default:
				continue
			}
			a.see(key, intOf(ind.Value, ind.Suppressed))
			var parts []string
			for _, c := range ind.Breakdown {
				ck := key + "|" + c.Sex + c.AgeBracket + c.AssistanceType
				a.see(ck, c.Value)
				parts = append(parts, ck)
				if ind.Code == measures.IndicatorPersonsIdentified {
					a.rel("le", "t|persons_by_sex_age|"+p+"|"+c.Sex+"|"+c.AgeBracket, ck)
				}
			}
			switch ind.Code {
			case measures.IndicatorConsultationsGiven:
				a.rel("le", "contacts|"+p, key)
			case measures.IndicatorPersonsIdentified:
				a.rel("le", "identified|"+p, key)
				if len(parts) > 0 {
					a.rel("sum", key, parts...)
				}
			case measures.IndicatorPersonsAssisted:
				a.rel("le", key, "assisted|"+p)
				if len(parts) > 0 {
					a.rel("cover", key, parts...)
				}
			}
		}
	}
}

func intOf(v *float64, suppressed bool) *int64 {
	if suppressed || v == nil {
		return nil
	}
	n := int64(math.Round(*v))
	return &n
}

// overTime relates the totals and indicators of months, halves and year.
func (a *attacker) overTime() {
	y := strconv.Itoa(a.year)
	for key, kind := range map[string]string{"identified|": "sum", "assisted|": "cover", "referred|": "cover", "contacts|": "sum",
		"i|persons_identified|": "sum", "i|persons_assisted|": "cover", "i|persons_reintegrated|": "sum", "i|homecomings|": "sum",
		"i|reintegration_sustained|": "sum", "i|consultations_given|": "sum", "i|intakes_referred|": "sum"} {
		for h, half := range a.halves() {
			var ms []string
			for _, m := range a.months(h + 1) {
				ms = append(ms, key+m)
			}
			a.rel(kind, key+half, ms...)
		}
		a.rel(kind, key+y, key+a.halves()[0], key+a.halves()[1])
	}
}

// attack bounds every withheld figure and fails the test for any interval
// narrower than k (an amount: than stats.MoneyWidth of its true value). It
// returns how many withheld figures it bounded.
func (a *attacker) attack(k int) int {
	a.fetchTables()
	a.fetchSeries()
	a.fetchIndicators()
	a.fetchReports()
	a.fetchBudget()
	a.overTime()
	var sys disclosure.System
	var pattern []bool
	id := func(key string) (int, bool) {
		v, ok := a.known[key]
		if !ok {
			return 0, false
		}
		if i, ok := sys.Lookup(key); ok {
			return i, true
		}
		var val int64
		if v != nil {
			val = *v
		}
		pattern = append(pattern, v == nil)
		return sys.Figure(key, val), true
	}
	for _, r := range a.rels {
		w, ok := id(r.whole)
		if !ok {
			continue
		}
		var parts []int
		for _, p := range r.parts {
			if i, ok := id(p); ok {
				parts = append(parts, i)
			}
		}
		if len(parts) != len(r.parts) {
			continue // a figure not published (a month of the series outside its span)
		}
		switch r.kind {
		case "sum":
			sys.Sum(w, parts...)
		case "cover":
			sys.Cover(w, parts...)
		case "le":
			sys.AtMostOf(parts[0], w)
		case "sumle": // what organizations not listed add is unknown, >= 0
			pattern = append(pattern, true)
			sys.Sum(w, append(parts, sys.Hide(fmt.Sprintf("rest|%d", len(pattern)), 0))...)
		}
	}
	withheld := 0
	for _, iv := range disclosure.Intervals(&sys, pattern) {
		key := sys.Key(iv.Figure)
		if sys.Hidden(iv.Figure) {
			continue
		}
		withheld++
		need := float64(k)
		if a.money[key] {
			need = stats.MoneyWidth(a.trueMoney(key))
		}
		if math.IsNaN(iv.Lo) || iv.Width() < need-1e-6 {
			a.t.Errorf("%d: %s can be narrowed to [%v, %v] (needs %v)", a.year, key, iv.Lo, iv.Hi, need)
		}
	}
	return withheld
}

// TestDifferencingAttacksOfTheReview replays the three subtractions a
// review made on the demo data: a channel of 2024 (7 in the year, 6 in the
// first half, so 1 in the second), a region of 2025 (7 in the year, 5 in
// the second half, so 2 in the first) and persons given financial help in
// 2024 less its second half. None may narrow a withheld figure below k.
func TestDifferencingAttacksOfTheReview(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	at := func(day string) string { return day + "T06:00:00Z" }
	bk, osh, chui := str("bishkek_city"), str("osh_city"), str("chui")
	// 2024: ngo_outreach 6 in H1 and 1 in H2; hotline and police fill the rest.
	f.add(6, fcase{org: "SEZIM", identifiedAt: at("2024-03-10"), sex: "female", age: "21-23", region: osh, channel: "ngo_outreach"})
	f.add(1, fcase{org: "SEZIM", identifiedAt: at("2024-09-10"), sex: "female", age: "21-23", region: osh, channel: "ngo_outreach"})
	f.add(12, fcase{org: "SEZIM", identifiedAt: at("2024-02-10"), sex: "female", age: "18-20", region: chui, channel: "hotline"})
	f.add(11, fcase{org: "AKZHUROK", identifiedAt: at("2024-10-10"), sex: "male", age: "30-38", region: chui, channel: "police"})
	// 2025: bishkek_city 2 in H1 and 5 in H2.
	f.add(2, fcase{org: "SEZIM", identifiedAt: at("2025-04-10"), sex: "female", age: "18-20", region: bk, channel: "hotline"})
	f.add(5, fcase{org: "SEZIM", identifiedAt: at("2025-08-10"), sex: "female", age: "18-20", region: bk, channel: "hotline"})
	f.add(14, fcase{org: "SEZIM", identifiedAt: at("2025-02-10"), sex: "male", age: "30-38", region: osh, channel: "police"})
	f.add(9, fcase{org: "AKZHUROK", identifiedAt: at("2025-11-10"), sex: "male", age: "30-38", region: chui, channel: "police"})
	// Financial help in 2024: 3 persons in the first half only, 6 in the second.
	helpedH1 := f.add(3, fcase{org: "SEZIM", identifiedAt: at("2024-01-20"), sex: "female", age: "24-26", region: chui, channel: "hotline"})
	f.assistSpan(helpedH1, "financial", "2024-02-01", "2024-03-01")
	f.assistSpan(f.add(6, fcase{org: "SEZIM", identifiedAt: at("2024-07-20"), sex: "female", age: "24-26", region: chui, channel: "hotline"}),
		"financial", "2024-08-01", "2024-09-01")

	for _, c := range []struct {
		year            int
		table, dim, val string
		withheld        string
	}{
		{2024, "persons_by_identification_channel", "identification_channel", "ngo_outreach", "2024-H2"},
		{2025, "persons_by_region_of_origin", "region", "bishkek_city", "2025-H1"},
	} {
		tb := getTable(t, env, env.Token(coordinator), "/api/v1/stats/tables/"+c.table+"?period="+c.withheld)
		if r := tb.cell(t, c.dim+"="+c.val); r["suppressed"] != true {
			t.Fatalf("%s %s %s released: %v", c.table, c.withheld, c.val, r)
		}
	}
	for _, year := range []int{2024, 2025} {
		a := newAttacker(t, env, year)
		n := a.attack(5)
		t.Logf("%d: %d figures fetched, %d withheld, none narrower than k", year, len(a.known), n)
		if n == 0 {
			t.Fatalf("%d: nothing withheld: the fixture does not exercise suppression", year)
		}
		if year == 2024 {
			// The financial help of the first half: 3 persons, withheld in
			// the indicators of 2024-H1.
			if v, ok := a.known["i|persons_assisted|2024-H1|financial"]; !ok || v != nil {
				t.Fatalf("financial help of 2024-H1: %v", show(v))
			}
		}
	}
}

// TestNoAttackNarrowsAWithheldFigure generates random caseloads (few
// persons per cell, many small regions, two years), and attacks every year
// with everything a coordinator can fetch. JARDAM_ATTACK_SEEDS sets how
// many caseloads (default 2).
func TestNoAttackNarrowsAWithheldFigure(t *testing.T) {
	t.Parallel()
	seeds := 2
	if v := os.Getenv("JARDAM_ATTACK_SEEDS"); v != "" {
		seeds, _ = strconv.Atoi(v)
	}
	base := time.Now().UnixNano()
	for i := 0; i < seeds; i++ {
		seed := base + int64(i)
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			t.Parallel()
			env := apitest.New(t)
			r := rand.New(rand.NewSource(seed))
			randomCaseload(t, env, r)
			randomReports(t, env, r)
			for _, year := range []int{2024, 2025} {
				a := newAttacker(t, env, year)
				n := a.attack(5)
				t.Logf("seed %d, %d: %d figures, %d withheld", seed, year, len(a.known), n)
			}
		})
	}
}

// randomCaseload writes 60 to 160 cases over 2024 and 2025 with attributes
// drawn from small, uneven lists, some with assistance.
func randomCaseload(t *testing.T, env *apitest.Env, r *rand.Rand) {
	f := newFixture(t, env)
	regions := []string{"bishkek_city", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh", "talas", "chui"}
	channels := []string{"hotline", "police", "consulate", "ngo_outreach", "self_referral"}
	sexes := []string{"female", "female", "male", "unknown"}
	ages := []string{"9-17", "18-20", "21-23", "24-26", "30-38", "39-47"}
	exploits := []string{"forced_labour", "sexual_exploitation", "forced_marriage", "forced_begging"}
	countries := []string{"RU", "KZ", "TR", "AE", "KR"}
	types := []string{"shelter", "medical", "legal", "financial", "psychological"}
	n := 60 + r.Intn(100)
	for i := 0; i < n; i++ {
		day := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(730))
		region := regions[int(math.Min(float64(r.Intn(len(regions))), float64(r.Intn(len(regions)))))]
		ids := f.add(1+r.Intn(2), fcase{org: []string{"SEZIM", "AKZHUROK"}[r.Intn(2)], identifiedAt: day.Format(time.RFC3339),
			sex: sexes[r.Intn(len(sexes))], age: ages[r.Intn(len(ages))], region: &region, channel: channels[r.Intn(len(channels))],
			exploitation: []string{exploits[r.Intn(len(exploits))]}, countries: []string{countries[r.Intn(len(countries))]}})
		if r.Intn(3) == 0 {
			start := day.AddDate(0, 0, r.Intn(60))
			f.assistSpan(ids, types[r.Intn(len(types))], start.Format("2006-01-02"), start.AddDate(0, 0, 10+r.Intn(120)).Format("2006-01-02"))
		}
	}
	// Hotline contacts: a few per topic, channel and region, unevenly.
	topics := []string{"safe_migration_advice", "job_offer_check", "suspected_trafficking", "missing_person"}
	ways := []string{"phone", "phone", "messenger", "walk_in"}
	for i := 20 + r.Intn(60); i > 0; i-- {
		day := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(730))
		region := regions[r.Intn(3)]
		f.contact(1+r.Intn(2), day.Format(time.RFC3339), topics[r.Intn(len(topics))], ways[r.Intn(len(ways))], &region)
	}
}
