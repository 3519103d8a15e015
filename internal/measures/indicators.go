package measures

import (
	"context"
	"math"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
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
//   - reintegration_sustained: persons whose reintegration assessment made
//     5 to 8 months after they first reached the reintegration stage (the
//     6-month follow-up; the latest such one) is dated in the period and
//     scored at least stats.SustainedThreshold.
//   - homecomings: completed homecoming assistance that ended in the period
//     (ended_on, or the day it was last changed when no end date is
//     recorded).
//   - events_held: activities held in the period, of every kind but
//     publication.
//   - people_reached: the people reached by activities held in the period.
//   - officials_trained: the participants of training activities held in
//     the period.
//   - consultations_given: the hotlines' contacts recorded in the period
//     whose outcome is advice given (the 1899 hotline's consultations).
//   - intakes_referred: the intakes the hotlines referred to a crisis
//     center in the period (referrals of kind intake).
//
// The values come from the statistical release of the period's year
// (package stats): figures about persons are part of the same disclosure
// system as the coordinators' tables and series, so that an indicator
// cannot be subtracted from a table, nor a half-year from its year; a share
// or a mean over fewer than k persons (referrals, stays) is withheld too.
// Breakdowns are given for half-years and years, totals for months too.
// Activity figures concern no victim and are not suppressed.
const (
	IndicatorPersonsIdentified       = "persons_identified"
	IndicatorPersonsAssisted         = "persons_assisted"
	IndicatorReferralsAnsweredOnTime = "referrals_answered_on_time"
	IndicatorShelterMeanDays         = "shelter_mean_days"
	IndicatorPersonsReintegrated     = "persons_reintegrated"
	IndicatorHomecomings             = "homecomings"
	IndicatorReintegrationSustained  = "reintegration_sustained"
	IndicatorEventsHeld              = "events_held"
	IndicatorPeopleReached           = "people_reached"
	IndicatorOfficialsTrained        = "officials_trained"
	IndicatorConsultationsGiven      = "consultations_given"
	IndicatorIntakesReferred         = "intakes_referred"
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
	{IndicatorReintegrationSustained, "protection", "persons", Title{
		"Лиц, чья реинтеграция устойчива через 6 месяцев", "Кайра интеграциясы 6 айдан кийин туруктуу болгон адамдар",
		"Persons whose reintegration was sustained after 6 months"}},
	{IndicatorHomecomings, "protection", "homecomings", Title{
		"Возвращений на родину", "Мекенине кайтаруулар", "Homecomings"}},
	{IndicatorEventsHeld, "prevention", "events", Title{
		"Проведено мероприятий", "Өткөрүлгөн иш-чаралар", "Events held"}},
	{IndicatorPeopleReached, "prevention", "persons", Title{
		"Охвачено людей", "Камтылган адамдар", "People reached"}},
	{IndicatorOfficialsTrained, "prosecution", "persons", Title{
		"Обучено должностных лиц", "Окутулган кызмат адамдары", "Officials trained"}},
	{IndicatorConsultationsGiven, "prevention", "contacts", Title{
		"Консультаций горячей линии", "Ишеним телефонунун кеңештери", "Hotline consultations given"}},
	{IndicatorIntakesReferred, "protection", "contacts", Title{
		"Обращений горячей линии, направленных в кризисные центры", "Кризистик борборлорго жөнөтүлгөн ишеним телефонунун кайрылуулары",
		"Hotline contacts referred to crisis centers"}},
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
	rel, err := s.releases().Release(ctx, p.From.In(Bishkek).Year())
	if err != nil {
		return Matrix{}, err
	}
	m := Matrix{Period: p.Name, From: p.From.In(Bishkek).Format("2006-01-02"),
		To: p.To.In(Bishkek).AddDate(0, 0, -1).Format("2006-01-02"), K: rel.K}
	err = database.ReadTx(ctx, s.Replica, s.db, func(tx *gorm.DB) error {
		var prog []string
		if err := tx.Raw(`SELECT code FROM programs WHERE starts_on <= ?::date AND ends_on >= ?::date ORDER BY starts_on DESC LIMIT 1`,
			m.From, m.From).Scan(&prog).Error; err != nil {
			return err
		}
		if len(prog) == 1 {
			m.Program = prog[0]
		}
		values := indicatorsOf(rel, p)
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
		return nil
	})
	if err == nil {
		err = audit.RecordDurably(ctx, s.db, s.Spool, "indicator.read", "indicators", p.Name, audit.Success)
	}
	if err != nil {
		return Matrix{}, apperr.Wrap(err)
	}
	return m, nil
}

// releases is the configured source of releases, or the statistics
// service over the same database with the service's threshold.
func (s *Service) releases() Releases {
	if s.Releases != nil {
		return s.Releases
	}
	return stats.NewService(s.db, stats.Settings{K: s.k()}, nil)
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

// Releases gives the statistical release of a year (package stats).
type Releases interface {
	Release(ctx context.Context, year int) (*stats.Release, error)
}

// indicatorsOf reads the indicator values of period p from a release.
func indicatorsOf(rel *stats.Release, p stats.Period) map[string]Indicator {
	out := map[string]Indicator{}
	breakdown := p.Granularity != stats.Month

	ind := countIndicator(rel, stats.IndicatorKey(stats.IndicatorIdentified, p.Name))
	if breakdown {
		for _, sx := range stats.IndicatorSexes {
			for _, br := range stats.IndicatorAgeBrackets {
				c := IndicatorCell{Sex: sx, AgeBracket: br}
				c.Value, c.Suppressed = cellOf(rel, stats.IndicatorKey(stats.IndicatorIdentified, p.Name, sx, br))
				ind.Breakdown = append(ind.Breakdown, c)
			}
		}
	}
	out[IndicatorPersonsIdentified] = ind

	ind = countIndicator(rel, stats.IndicatorKey(stats.IndicatorAssisted, p.Name))
	if breakdown {
		for _, ty := range stats.IndicatorAssistanceTypes {
			c := IndicatorCell{AssistanceType: ty}
			c.Value, c.Suppressed = cellOf(rel, stats.IndicatorKey(stats.IndicatorAssisted, p.Name, ty))
			ind.Breakdown = append(ind.Breakdown, c)
		}
	}
	out[IndicatorPersonsAssisted] = ind
	out[IndicatorPersonsReintegrated] = countIndicator(rel, stats.IndicatorKey(stats.IndicatorReintegrated, p.Name))
	out[IndicatorHomecomings] = countIndicator(rel, stats.IndicatorKey(stats.IndicatorHomecomings, p.Name))
	out[IndicatorReintegrationSustained] = countIndicator(rel, stats.IndicatorKey(stats.IndicatorSustained, p.Name))
	out[IndicatorConsultationsGiven] = countIndicator(rel, stats.IndicatorKey(stats.IndicatorConsultations, p.Name))
	out[IndicatorIntakesReferred] = countIndicator(rel, stats.IndicatorKey(stats.IndicatorIntakes, p.Name))
	for _, code := range []string{IndicatorReferralsAnsweredOnTime, IndicatorShelterMeanDays,
		IndicatorEventsHeld, IndicatorPeopleReached, IndicatorOfficialsTrained} {
		v, ok := rel.Extra[stats.ExtraKey(code, p.Name)]
		ind := Indicator{Value: v}
		// A share or mean is null both when withheld and when undefined (no
		// referral due, no stay ended); activity figures are never withheld.
		ind.Suppressed = ok && v == nil && (code == IndicatorReferralsAnsweredOnTime || code == IndicatorShelterMeanDays)
		out[code] = ind
	}
	return out
}

// countIndicator is a count of the release as an indicator value.
func countIndicator(rel *stats.Release, key string) Indicator {
	v, withheld, _ := rel.Figure(key)
	if withheld {
		return Indicator{Suppressed: true}
	}
	return Indicator{Value: count(v)}
}

// cellOf is a count of the release as a breakdown cell.
func cellOf(rel *stats.Release, key string) (*int64, bool) {
	v, withheld, ok := rel.Figure(key)
	if withheld || !ok {
		return nil, true
	}
	return &v, false
}

func count(n int64) *float64 { v := float64(n); return &v }
