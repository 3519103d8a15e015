package stats

import (
	"fmt"
	"math"

	"github.com/jardam-kg/jardam/internal/organizations"
)

// Indicator keys of a release (package measures assembles the matrix from
// them).
const (
	IndicatorIdentified   = "identified"
	IndicatorAssisted     = "assisted"
	IndicatorReintegrated = "reintegrated"
	IndicatorHomecomings  = "homecomings"
	// IndicatorSustained: persons whose reintegration was sustained.
	IndicatorSustained = "reintegration_sustained"
	// IndicatorConsultations counts the hotlines' contacts whose outcome
	// is advice given, IndicatorIntakes the intakes they referred.
	IndicatorConsultations = "consultations"
	IndicatorIntakes       = "intakes"
)

// SustainedThreshold is the reintegration score (from 0 to 1) at or above
// which an assessment made about 6 months after a person reached the
// reintegration stage counts the person's reintegration as sustained:
// IOM's threshold for sustainability on its composite index.
const SustainedThreshold = 0.66

// IndicatorKey is the figure key of indicator name for period, with the
// breakdown's dimension values when given.
func IndicatorKey(name, period string, dims ...string) string {
	k := "i|" + name + "|" + period
	for _, d := range dims {
		k += "|" + d
	}
	return k
}

// ExtraKey is the key of a value stored beside the system (a share, a mean
// or an activity figure).
func ExtraKey(name, period string) string { return "x|" + name + "|" + period }

// IndicatorSexes and IndicatorAgeBrackets are the breakdown of persons
// identified; IndicatorAssistanceTypes that of persons assisted.
var (
	IndicatorSexes           = sexes
	IndicatorAgeBrackets     = ageBrackets
	IndicatorAssistanceTypes = organizations.AssistanceTypes
)

// indicators adds the indicator figures of every ended period: breakdowns
// for half-years and the year only (a month has too few persons for one).
func (m *model) indicators() error {
	for _, p := range m.sc.all() {
		if err := m.indicatorIdentified(p); err != nil {
			return err
		}
		if err := m.indicatorAssisted(p); err != nil {
			return err
		}
		if err := m.indicatorCounts(p); err != nil {
			return err
		}
		if err := m.knowIndicators(p); err != nil {
			return err
		}
	}
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorIdentified, p) })
	m.overTime(union, func(p string) string { return IndicatorKey(IndicatorAssisted, p) })
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorReintegrated, p) })
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorHomecomings, p) })
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorSustained, p) })
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorConsultations, p) })
	m.overTime(additive, func(p string) string { return IndicatorKey(IndicatorIntakes, p) })
	if m.sc.full != nil {
		y, h1, h2 := m.sc.full.Name, m.sc.halves[0].Name, m.sc.halves[1].Name
		for _, s := range sexes {
			for _, a := range ageBrackets {
				m.relateOverTime(additive, IndicatorKey(IndicatorIdentified, y, s, a),
					IndicatorKey(IndicatorIdentified, h1, s, a), IndicatorKey(IndicatorIdentified, h2, s, a))
			}
		}
		for _, t := range IndicatorAssistanceTypes {
			m.relateOverTime(union, IndicatorKey(IndicatorAssisted, y, t),
				IndicatorKey(IndicatorAssisted, h1, t), IndicatorKey(IndicatorAssisted, h2, t))
		}
	}
	return nil
}

// indicatorIdentified: persons identified whose status is not "not a
// victim", a subset of the persons of the tables, cell by cell.
func (m *model) indicatorIdentified(p Period) error {
	var rows []struct {
		Sex, AgeBracket string
		Persons         int64
	}
	if err := m.tx.Raw(`SELECT sex, age_bracket, persons FROM jardam_indicator_identified(?, ?)`, p.From, p.To).
		Scan(&rows).Error; err != nil {
		return fmt.Errorf("indicator identified %s: %w", p.Name, err)
	}
	cells := map[[2]string]int64{}
	var total int64
	for _, r := range rows {
		s, a := r.Sex, r.AgeBracket
		if index(sexes, s) < 0 {
			s = "unknown"
		}
		if index(ageBrackets, a) < 0 {
			a = "unknown"
		}
		cells[[2]string{s, a}] += r.Persons
		total += r.Persons
	}
	t := m.sys.Figure(IndicatorKey(IndicatorIdentified, p.Name), total)
	if all, ok := m.sys.Lookup(famKey(famIdentified, p.Name)); ok {
		m.sys.AtMostOf(t, all)
	}
	if p.Granularity == Month {
		return nil
	}
	var ids []int
	for _, s := range sexes {
		for _, a := range ageBrackets {
			c := m.sys.Figure(IndicatorKey(IndicatorIdentified, p.Name, s, a), cells[[2]string{s, a}])
			ids = append(ids, c)
			if tab, ok := m.sys.Lookup(cellKey("persons_by_sex_age", p.Name, s, a)); ok {
				m.sys.AtMostOf(c, tab)
			}
		}
	}
	m.sys.Sum(t, ids...)
	return nil
}

// indicatorAssisted: persons with assistance active in the period, which
// includes every person whose assistance started in it.
func (m *model) indicatorAssisted(p Period) error {
	var rows []struct {
		Type    *string
		Persons int64
	}
	if err := m.tx.Raw(`SELECT type, persons FROM jardam_indicator_assisted(?, ?)`, p.From, p.To).
		Scan(&rows).Error; err != nil {
		return fmt.Errorf("indicator assisted %s: %w", p.Name, err)
	}
	byType := map[string]int64{}
	var total int64
	for _, r := range rows {
		if r.Type == nil {
			total = r.Persons
			continue
		}
		byType[*r.Type] += r.Persons
	}
	t := m.sys.Figure(IndicatorKey(IndicatorAssisted, p.Name), total)
	if started, ok := m.sys.Lookup(famKey(famAssisted, p.Name)); ok {
		m.sys.AtMostOf(started, t)
	}
	if p.Granularity == Month {
		return nil
	}
	var ids []int
	for _, ty := range IndicatorAssistanceTypes {
		c := m.sys.Figure(IndicatorKey(IndicatorAssisted, p.Name, ty), byType[ty])
		ids = append(ids, c)
		for _, kind := range providerKinds {
			if tab, ok := m.sys.Lookup(cellKey("assistance_by_type_provider_kind", p.Name, ty, kind)); ok {
				m.sys.AtMostOf(tab, c)
			}
		}
	}
	m.sys.Cover(t, ids...)
	return nil
}

// indicatorCounts: persons reintegrated and homecomings (figures of the
// system), and the shares, means and activity figures stored beside it.
func (m *model) indicatorCounts(p Period) error {
	var reint int64
	if err := m.tx.Raw(`SELECT jardam_indicator_reintegrated(?, ?)`, p.From, p.To).Scan(&reint).Error; err != nil {
		return fmt.Errorf("indicator reintegrated %s: %w", p.Name, err)
	}
	m.sys.Figure(IndicatorKey(IndicatorReintegrated, p.Name), reint)

	var sustained int64
	if err := m.tx.Raw(`SELECT jardam_indicator_reintegration_sustained(?, ?, ?)`, p.From, p.To, SustainedThreshold).
		Scan(&sustained).Error; err != nil {
		return fmt.Errorf("indicator reintegration sustained %s: %w", p.Name, err)
	}
	m.sys.Figure(IndicatorKey(IndicatorSustained, p.Name), sustained)

	var home struct{ Homecomings, Persons int64 }
	if err := m.tx.Raw(`SELECT homecomings, persons FROM jardam_indicator_homecomings(?, ?)`, p.From, p.To).
		Scan(&home).Error; err != nil {
		return fmt.Errorf("indicator homecomings %s: %w", p.Name, err)
	}
	h := m.sys.Figure(IndicatorKey(IndicatorHomecomings, p.Name), home.Homecomings)
	if small(home.Persons, m.k) {
		m.sys.Withhold(h)
	}

	if err := m.indicatorContacts(p); err != nil {
		return err
	}

	var ref struct{ Due, OnTime int64 }
	if err := m.tx.Raw(`SELECT due, on_time FROM jardam_indicator_referrals_on_time(?, ?)`, p.From, p.To).
		Scan(&ref).Error; err != nil {
		return fmt.Errorf("indicator referrals on time %s: %w", p.Name, err)
	}
	m.extra[ExtraKey("referrals_answered_on_time", p.Name)] = ratio(ref.OnTime*100, ref.Due, ref.Due, m.k)

	var sh struct{ Stays, Persons, Days int64 }
	if err := m.tx.Raw(`SELECT stays, persons, days FROM jardam_indicator_shelter_days(?, ?)`, p.From, p.To).
		Scan(&sh).Error; err != nil {
		return fmt.Errorf("indicator shelter days %s: %w", p.Name, err)
	}
	guard := sh.Persons
	if small(sh.Stays, m.k) {
		guard = sh.Stays // a mean over fewer than k stays is withheld too
	}
	m.extra[ExtraKey("shelter_mean_days", p.Name)] = ratio(sh.Days, sh.Stays, guard, m.k)

	var act struct{ Events, PeopleReached, OfficialsTrained int64 }
	if err := m.tx.Raw(`SELECT events, people_reached, officials_trained FROM jardam_indicator_activities(?, ?)`, p.From, p.To).
		Scan(&act).Error; err != nil {
		return fmt.Errorf("indicator activities %s: %w", p.Name, err)
	}
	m.extra[ExtraKey("events_held", p.Name)] = floatOf(act.Events)
	m.extra[ExtraKey("people_reached", p.Name)] = floatOf(act.PeopleReached)
	m.extra[ExtraKey("officials_trained", p.Name)] = floatOf(act.OfficialsTrained)
	return nil
}

// indicatorContacts: consultations given, a part of the period's contacts
// (a contact counts in the month it was recorded, its outcome as it is
// now), and intakes referred (by the day of the referral).
func (m *model) indicatorContacts(p Period) error {
	var c struct{ Consultations, Intakes int64 }
	if err := m.tx.Raw(`SELECT consultations, intakes FROM jardam_indicator_contacts(?, ?)`, p.From, p.To).
		Scan(&c).Error; err != nil {
		return fmt.Errorf("indicators of contacts %s: %w", p.Name, err)
	}
	f := m.sys.Figure(IndicatorKey(IndicatorConsultations, p.Name), c.Consultations)
	if all, ok := m.sys.Lookup(famKey(famContacts, p.Name)); ok {
		m.sys.AtMostOf(f, all)
	}
	m.sys.Figure(IndicatorKey(IndicatorIntakes, p.Name), c.Intakes)
	return nil
}

// ratio returns num/den rounded to one decimal (a percentage when num was
// multiplied by 100); nil when the persons behind it (guard) are from 1 to
// k-1, or when den is 0.
func ratio(num, den, guard int64, k int) *float64 {
	if small(guard, k) || den == 0 {
		return nil
	}
	v := math.Round(float64(num)/float64(den)*10) / 10
	return &v
}

func floatOf(n int64) *float64 { v := float64(n); return &v }

func small(n int64, k int) bool { return n >= 1 && n < int64(k) }

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
