package measures

import (
	"context"
	"math"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/stats"
)

// Indicator codes, in the order of the matrix. Each value is computed from
// the records of every organization over an ended period (Asia/Bishkek
// calendar), through the indicator functions of migration 0006, which
// return aggregates only:
//
//   - persons_identified: cases with identified_at in the period and
//     trafficking_status not not_a_victim (a case without a status counts),
//     by sex and age bracket.
//   - persons_assisted: distinct cases with assistance active in the
//     period, by assistance type (a person assisted in several ways counts
//     once in the total and once under each type). Assistance is active
//     when it was given (status in_progress or completed) and its dates
//     overlap the period: from started_on (or the day it was recorded) to
//     ended_on (for completed assistance without an end date, the day it
//     was last changed; open-ended while in progress).
//   - referrals_answered_on_time: the share, in percent, of the referrals
//     whose due_at falls in the period that were answered (accepted or
//     declined: responded_at set) before due_at.
//   - shelter_mean_days: over shelter assistance (not declined) with
//     started_on recorded and ended_on in the period, the mean of
//     ended_on - started_on in days.
//   - persons_reintegrated: cases closed with the closure reason
//     reintegrated whose closing stage move falls in the period.
//   - homecomings: completed homecoming assistance that ended in the period
//     (ended_on, or the day it was last changed when no end date is
//     recorded).
//   - events_held: activities held in the period, of every kind but
//     publication.
//   - people_reached: the people reached by activities held in the period.
//   - officials_trained: the participants of training activities held in
//     the period.
//
// Figures about persons are suppressed like the aggregate tables (package
// stats): a count from 1 to k-1 is withheld, with complementary suppression
// over a breakdown's cells, rows, columns and total; a share or a mean over
// fewer than k persons (referrals, stays) is withheld too. Activity figures
// concern no victim and are not suppressed.
const (
	IndicatorPersonsIdentified       = "persons_identified"
	IndicatorPersonsAssisted         = "persons_assisted"
	IndicatorReferralsAnsweredOnTime = "referrals_answered_on_time"
	IndicatorShelterMeanDays         = "shelter_mean_days"
	IndicatorPersonsReintegrated     = "persons_reintegrated"
	IndicatorHomecomings             = "homecomings"
	IndicatorEventsHeld              = "events_held"
	IndicatorPeopleReached           = "people_reached"
	IndicatorOfficialsTrained        = "officials_trained"
)

type indicatorDef struct {
	code, direction, unit string
	title                 Title
}

var indicatorDefs = []indicatorDef{
	{IndicatorPersonsIdentified, "protection", "persons", Title{
		"Выявлено лиц, пострадавших от торговли людьми", "Адам сатуудан жабыр тарткан катары аныкталган адамдар", "Persons identified as victims of trafficking"}},
	{IndicatorPersonsAssisted, "protection", "persons", Title{
		"Лиц, получивших помощь", "Жардам алган адамдар", "Persons assisted"}},
	{IndicatorReferralsAnsweredOnTime, "coordination", "percent", Title{
		"Доля перенаправлений, на которые ответили в срок", "Өз убагында жооп берилген жолдомолордун үлүшү", "Share of referrals answered on time"}},
	{IndicatorShelterMeanDays, "protection", "days", Title{
		"Среднее число дней пребывания в убежище", "Баш калкалоочу жайда болгон күндөрдүн орточо саны", "Mean days in shelter"}},
	{IndicatorPersonsReintegrated, "protection", "persons", Title{
		"Лиц, реинтегрированных в общество", "Коомго кайра интеграцияланган адамдар", "Persons reintegrated"}},
	{IndicatorHomecomings, "protection", "homecomings", Title{
		"Возвращений на родину", "Мекенине кайтаруулар", "Homecomings"}},
	{IndicatorEventsHeld, "prevention", "events", Title{
		"Проведено мероприятий", "Өткөрүлгөн иш-чаралар", "Events held"}},
	{IndicatorPeopleReached, "prevention", "persons", Title{
		"Охвачено людей", "Камтылган адамдар", "People reached"}},
	{IndicatorOfficialsTrained, "prosecution", "persons", Title{
		"Обучено должностных лиц", "Окутулган кызмат адамдары", "Officials trained"}},
}

// Target is an indicator's target for a year.
type Target struct {
	Year  int     `json:"year"`
	Value float64 `json:"value"`
}

// IndicatorCell is one cell of an indicator's breakdown. A withheld cell
// has value null and suppressed true.
type IndicatorCell struct {
	Sex            string `json:"sex,omitempty"`
	AgeBracket     string `json:"age_bracket,omitempty"`
	AssistanceType string `json:"assistance_type,omitempty"`
	Value          *int64 `json:"value"`
	Suppressed     bool   `json:"suppressed"`
}

// Indicator is one line of the matrix: baseline and yearly targets (as
// recorded for the program; null when not recorded), the actual value for
// the period, and progress, the value as a percentage of the target of the
// period's year (null without both).
type Indicator struct {
	Code       string          `json:"code"`
	Direction  string          `json:"direction"`
	Title      Title           `json:"title"`
	Unit       string          `json:"unit"`
	Baseline   *float64        `json:"baseline"`
	Targets    []Target        `json:"targets"`
	Value      *float64        `json:"value"`
	Suppressed bool            `json:"suppressed"`
	Progress   *float64        `json:"progress"`
	Breakdown  []IndicatorCell `json:"breakdown,omitempty"`
}

// Matrix is the answer of GET /api/v1/indicators: the indicators of the
// program in force at the start of the period (program empty when none
// is), over the period from From to To (dates, both included).
type Matrix struct {
	Period  string      `json:"period"`
	From    string      `json:"from"`
	To      string      `json:"to"`
	Program string      `json:"program"`
	K       int         `json:"k"`
	Items   []Indicator `json:"items"`
}

// DefaultK is the suppression threshold of indicator figures.
const DefaultK = 5

// Indicators computes the indicator matrix for period (`YYYY`, `YYYY-H1`,
// `YYYY-H2` or `YYYY-MM`; empty: the last ended half-year) and records the
// read in the audit trail (indicator.read). A malformed period, or one that
// has not ended, answers an invalid error naming `period`.
func (s *Service) Indicators(ctx context.Context, period string) (Matrix, error) {
	now := s.now()
	var p stats.Period
	if period == "" {
		p = stats.LastEndedHalfYear(now)
	} else {
		var err error
		if p, err = stats.ParsePeriod(period, now); err != nil {
			return Matrix{}, err
		}
	}
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return Matrix{}, apperr.Unauthorized("sign in first")
	}
	k := s.k()
	m := Matrix{Period: p.Name, From: p.From.In(Bishkek).Format("2006-01-02"),
		To: p.To.In(Bishkek).AddDate(0, 0, -1).Format("2006-01-02"), K: k}
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var prog []string
		if err := tx.Raw(`SELECT code FROM programs WHERE starts_on <= ?::date AND ends_on >= ?::date ORDER BY starts_on DESC LIMIT 1`,
			m.From, m.From).Scan(&prog).Error; err != nil {
			return err
		}
		if len(prog) == 1 {
			m.Program = prog[0]
		}
		values, err := computeIndicators(tx, p.From, p.To, k)
		if err != nil {
			return err
		}
		targets, err := loadTargets(tx, m.Program)
		if err != nil {
			return err
		}
		year := p.From.In(Bishkek).Year()
		for _, d := range indicatorDefs {
			ind := values[d.code]
			ind.Code, ind.Direction, ind.Title, ind.Unit = d.code, d.direction, d.title, d.unit
			t := targets[d.code]
			ind.Baseline, ind.Targets = t.baseline, t.years
			if ind.Targets == nil {
				ind.Targets = []Target{}
			}
			for _, y := range ind.Targets {
				if y.Year == year && y.Value > 0 && ind.Value != nil {
					pr := round1(*ind.Value / y.Value * 100)
					ind.Progress = &pr
				}
			}
			m.Items = append(m.Items, ind)
		}
		return audit.Record(ctx, tx, "indicator.read", "indicators", p.Name, audit.Success)
	})
	if err != nil {
		return Matrix{}, apperr.Wrap(err)
	}
	return m, nil
}

func (s *Service) k() int {
	if s.K >= 3 {
		return s.K
	}
	return DefaultK
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

type targetSet struct {
	baseline *float64
	years    []Target
}

func loadTargets(tx *gorm.DB, program string) (map[string]targetSet, error) {
	out := map[string]targetSet{}
	if program == "" {
		return out, nil
	}
	var rows []struct {
		Indicator string
		Year      *int
		Value     float64
	}
	if err := tx.Raw(`SELECT indicator, year, value::float8 AS value FROM indicator_targets WHERE program = ? ORDER BY indicator, year NULLS FIRST`,
		program).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		t := out[r.Indicator]
		if r.Year == nil {
			v := r.Value
			t.baseline = &v
		} else {
			t.years = append(t.years, Target{Year: *r.Year, Value: r.Value})
		}
		out[r.Indicator] = t
	}
	return out, nil
}

func small(n int64, k int) bool { return n >= 1 && n < int64(k) }

func count(n int64) *float64 { v := float64(n); return &v }

// computeIndicators reads the aggregates of [from, to) and suppresses them.
func computeIndicators(tx *gorm.DB, from, to time.Time, k int) (map[string]Indicator, error) {
	out := map[string]Indicator{}

	// Persons identified, by sex and age bracket.
	var ident []struct {
		Sex        string
		AgeBracket string
		Persons    int64
	}
	if err := tx.Raw(`SELECT sex, age_bracket, persons FROM jardam_indicator_identified(?, ?)`, from, to).Scan(&ident).Error; err != nil {
		return nil, err
	}
	sexes := []string{"female", "male", "other", "unknown"}
	brackets := []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "unknown"}
	counts := make([]int64, len(sexes)*len(brackets))
	var total int64
	for _, r := range ident {
		si, bi := index(sexes, r.Sex), index(brackets, r.AgeBracket)
		if bi < 0 {
			bi = len(brackets) - 1
		}
		if si < 0 {
			si = len(sexes) - 1
		}
		counts[si*len(brackets)+bi] += r.Persons
		total += r.Persons
	}
	var lines [][]int
	for si := range sexes {
		var row []int
		for bi := range brackets {
			row = append(row, si*len(brackets)+bi)
		}
		lines = append(lines, row)
	}
	for bi := range brackets {
		var col []int
		for si := range sexes {
			col = append(col, si*len(brackets)+bi)
		}
		lines = append(lines, col)
	}
	sup := stats.Suppress(stats.Grid{Counts: counts, Lines: lines, Total: total}, k)
	ind := Indicator{Value: count(total)}
	if sup.Total {
		ind.Value, ind.Suppressed = nil, true
	}
	for si, sx := range sexes {
		for bi, br := range brackets {
			i := si*len(brackets) + bi
			c := IndicatorCell{Sex: sx, AgeBracket: br}
			if sup.Cells[i] {
				c.Suppressed = true
			} else {
				v := counts[i]
				c.Value = &v
			}
			ind.Breakdown = append(ind.Breakdown, c)
		}
	}
	out[IndicatorPersonsIdentified] = ind

	// Persons assisted, by assistance type; the total counts each person once.
	var assisted []struct {
		Type    *string
		Persons int64
	}
	if err := tx.Raw(`SELECT type, persons FROM jardam_indicator_assisted(?, ?)`, from, to).Scan(&assisted).Error; err != nil {
		return nil, err
	}
	types := organizations.AssistanceTypes
	counts = make([]int64, len(types))
	total = 0
	for _, r := range assisted {
		if r.Type == nil {
			total = r.Persons
			continue
		}
		if i := index(types, *r.Type); i >= 0 {
			counts[i] = r.Persons
		}
	}
	sup = stats.Suppress(stats.Grid{Counts: counts, Total: total}, k)
	ind = Indicator{Value: count(total)}
	if sup.Total {
		ind.Value, ind.Suppressed = nil, true
	}
	for i, ty := range types {
		c := IndicatorCell{AssistanceType: ty}
		if sup.Cells[i] {
			c.Suppressed = true
		} else {
			v := counts[i]
			c.Value = &v
		}
		ind.Breakdown = append(ind.Breakdown, c)
	}
	out[IndicatorPersonsAssisted] = ind

	// Referrals answered on time: a share, withheld over fewer than k.
	var ref struct{ Due, OnTime int64 }
	if err := tx.Raw(`SELECT due, on_time FROM jardam_indicator_referrals_on_time(?, ?)`, from, to).Scan(&ref).Error; err != nil {
		return nil, err
	}
	ind = Indicator{}
	switch {
	case small(ref.Due, k):
		ind.Suppressed = true
	case ref.Due > 0:
		v := round1(float64(ref.OnTime) / float64(ref.Due) * 100)
		ind.Value = &v
	}
	out[IndicatorReferralsAnsweredOnTime] = ind

	// Mean days in shelter, withheld over fewer than k persons.
	var sh struct{ Stays, Persons, Days int64 }
	if err := tx.Raw(`SELECT stays, persons, days FROM jardam_indicator_shelter_days(?, ?)`, from, to).Scan(&sh).Error; err != nil {
		return nil, err
	}
	ind = Indicator{}
	switch {
	case small(sh.Persons, k) || small(sh.Stays, k):
		ind.Suppressed = true
	case sh.Stays > 0:
		v := round1(float64(sh.Days) / float64(sh.Stays))
		ind.Value = &v
	}
	out[IndicatorShelterMeanDays] = ind

	// Persons reintegrated.
	var reint int64
	if err := tx.Raw(`SELECT jardam_indicator_reintegrated(?, ?)`, from, to).Scan(&reint).Error; err != nil {
		return nil, err
	}
	ind = Indicator{Value: count(reint)}
	if small(reint, k) {
		ind.Value, ind.Suppressed = nil, true
	}
	out[IndicatorPersonsReintegrated] = ind

	// Homecomings, withheld when they concern fewer than k persons.
	var home struct{ Homecomings, Persons int64 }
	if err := tx.Raw(`SELECT homecomings, persons FROM jardam_indicator_homecomings(?, ?)`, from, to).Scan(&home).Error; err != nil {
		return nil, err
	}
	ind = Indicator{Value: count(home.Homecomings)}
	if small(home.Homecomings, k) || small(home.Persons, k) {
		ind.Value, ind.Suppressed = nil, true
	}
	out[IndicatorHomecomings] = ind

	// Activities.
	var act struct{ Events, PeopleReached, OfficialsTrained int64 }
	if err := tx.Raw(`SELECT events, people_reached, officials_trained FROM jardam_indicator_activities(?, ?)`, from, to).Scan(&act).Error; err != nil {
		return nil, err
	}
	out[IndicatorEventsHeld] = Indicator{Value: count(act.Events)}
	out[IndicatorPeopleReached] = Indicator{Value: count(act.PeopleReached)}
	out[IndicatorOfficialsTrained] = Indicator{Value: count(act.OfficialsTrained)}
	return out, nil
}

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
