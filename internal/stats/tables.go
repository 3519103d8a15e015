package stats

// The predefined tables and series. Their queries live in the database, in
// the function jardam_stats_counts (migration 0007; the contacts' in
// jardam_contact_counts, migration 0027), owned by the statistics role; the
// names here must match it. The store passes each dimension's grid
// and fallback, so values outside the grid count under the fallback. The
// aggregates marked rollup are read from monthly rollups through
// jardam_stats_rollup_counts (migration 0014), which must list them too.

var (
	sexes       = []string{"female", "male", "other", "unknown"}
	ageBrackets = []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "unknown"}
	exploits    = []string{"forced_labour", "sexual_exploitation", "forced_marriage", "forced_begging", "servitude",
		"organ_removal", "forced_criminality", "child_labour", "other", "unknown"}
	// The main countries of exploitation of Kyrgyz nationals; the rest is
	// `other`.
	countriesOfExploitation = []string{"RU", "KZ", "TR", "AE", "KR", "CN", "UZ", "TJ", "KG", "other", "unknown"}
	regions                 = []string{"bishkek_city", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh",
		"talas", "chui", "other", "unknown"}
	channels = []string{"hotline", "police", "consulate", "border_service", "labour_inspection", "ngo_outreach",
		"international_organization", "self_referral", "other", "unknown"}
	stages          = []string{"identification", "shelter", "rehabilitation", "reintegration", "closed"}
	assistanceTypes = []string{"shelter", "psychological", "medical", "legal", "vocational_training", "income_generation",
		"homecoming", "employment", "housing", "education", "family_reunification", "documents", "financial", "other"}
	providerKinds = []string{"state_body", "local_authority", "law_enforcement", "crisis_center", "ngo",
		"international_org", "coordinator", "operator"}
	referralOutcomes = []string{"pending", "accepted", "declined", "cancelled", "completed", "expired"}
	responseTimes    = []string{"within_1_day", "within_3_days", "within_7_days", "over_7_days", "no_response"}
	// A hotline's contacts (package contacts).
	contactTopics = []string{"safe_migration_advice", "job_offer_check", "suspected_trafficking", "victim_seeking_help",
		"missing_person", "other"}
	contactChannels = []string{"phone", "messenger", "app", "walk_in", "email", "other"}
)

type dimDef struct {
	name     string
	values   []string
	fallback string
	// measures: the grid is the measure codes of the Program in force at
	// the end of the period, then `other` (a code of another program) and
	// `none` (no measure linked); values is unused.
	measures bool
}

func dim(name string, values []string, fallback string) dimDef {
	return dimDef{name: name, values: values, fallback: fallback}
}

// Values of a measure dimension besides the program's codes.
const (
	measureOther = "other"
	measureNone  = "none"
)

type tableDef struct {
	name  string
	title string
	dims  []dimDef
	// rollup: the aggregate adds up over months (a person counts in the
	// month of the case's identification only), so it is read from the
	// monthly rollups (migration 0014) rather than counted over the period.
	rollup bool
	// family is the population the table counts, whose total it shares
	// with the other tables, series and indicators of that population.
	family family
	// multi: a person may count in several cells (the total is then at
	// most the sum of the cells).
	multi bool
	// overTime is how a cell of a year relates to the same cell of its
	// halves.
	overTime timeRelation
	// contacts: the aggregate counts a hotline's contacts, not persons with
	// a case (jardam_contact_counts, migration 0027).
	contacts bool
	// perPerson: the aggregate does not add up over months and is read from
	// the rollups per person and period (migration 0038), which must list
	// it too.
	perPerson bool
}

// timeRelation is how an aggregate over a year relates to its halves (and a
// half to its months).
type timeRelation int

const (
	// additive: the year is the sum of its halves (each person counts in
	// the period of one date, such as the identification).
	additive timeRelation = iota
	// union: the year counts the persons of either half once, so it is at
	// least each half and at most their sum (persons assisted, referred).
	union
	// state: a state at the end of the period (a stage, a referral's
	// status); the year and its halves are not related.
	state
)

// family is a population whose total several aggregates share.
type family string

// Families of the tables and series.
const (
	famIdentified family = "identified"
	famAssisted   family = "assisted"
	famReferred   family = "referred"
	// famContacts counts the contacts of hotlines (calls, messages,
	// walk-ins), each in the month it was recorded.
	famContacts family = "contacts"
)

// additive reports whether the table adds up over periods.
func (t tableDef) additive() bool { return t.overTime == additive }

var tables = []tableDef{
	{
		name: "persons_by_sex_age", rollup: true, family: famIdentified, title: "Persons identified, by sex and age bracket",
		dims: []dimDef{dim("sex", sexes, "unknown"), dim("age_bracket", ageBrackets, "unknown")},
	},
	{
		name: "persons_by_exploitation_type", rollup: true, family: famIdentified, multi: true, title: "Persons identified, by type of exploitation (a person may have several)",
		dims: []dimDef{dim("exploitation_type", exploits, "other")},
	},
	{
		name: "persons_by_country_of_exploitation", rollup: true, family: famIdentified, multi: true, title: "Persons identified, by country of exploitation (a person may have several)",
		dims: []dimDef{dim("country", countriesOfExploitation, "other")},
	},
	{
		name: "persons_by_region_of_origin", rollup: true, family: famIdentified, title: "Persons identified, by region of origin",
		dims: []dimDef{dim("region", regions, "other")},
	},
	{
		name: "persons_by_identification_channel", rollup: true, family: famIdentified, title: "Persons identified, by identification channel",
		dims: []dimDef{dim("identification_channel", channels, "other")},
	},
	{
		name: "cases_by_stage", perPerson: true, family: famIdentified, overTime: state, title: "Persons identified in the period, by their stage at the end of the period",
		dims: []dimDef{dim("stage", stages, "identification")},
	},
	{
		name: "assistance_by_type_provider_kind", perPerson: true, family: famAssisted, multi: true, overTime: union, title: "Persons given assistance that started in the period, by type and kind of provider",
		dims: []dimDef{dim("assistance_type", assistanceTypes, "other"), dim("provider_kind", providerKinds, "operator")},
	},
	{
		name: "cases_by_measure", rollup: true, family: famIdentified, multi: true, title: "Persons identified, by the Program measure their case implements (a person may have several)",
		dims: []dimDef{{name: "measure", fallback: measureOther, measures: true}},
	},
	{
		name: "assistance_by_measure", perPerson: true, family: famAssisted, multi: true, overTime: union, title: "Persons given assistance that started in the period, by the Program measure it implements (a person may have several)",
		dims: []dimDef{{name: "measure", fallback: measureOther, measures: true}},
	},
	{
		name: "referrals_by_outcome", perPerson: true, family: famReferred, multi: true, overTime: state, title: "Persons referred in the period, by the referral's status at the end of the period",
		dims: []dimDef{dim("outcome", referralOutcomes, "pending")},
	},
	{
		name: "referrals_by_response_time", perPerson: true, family: famReferred, multi: true, overTime: state, title: "Persons referred in the period, by the time the recipient took to respond",
		dims: []dimDef{dim("response_time", responseTimes, "no_response")},
	},
	{
		name: "contacts_by_topic", family: famContacts, contacts: true, title: "Hotline contacts, by topic",
		dims: []dimDef{dim("topic", contactTopics, "other")},
	},
	{
		name: "contacts_by_channel", family: famContacts, contacts: true, title: "Hotline contacts, by channel",
		dims: []dimDef{dim("contact_channel", contactChannels, "other")},
	},
	{
		name: "contacts_by_region", family: famContacts, contacts: true, title: "Hotline contacts, by region",
		dims: []dimDef{dim("region", regions, "other")},
	},
}

// Series: one-dimensional monthly counts over the last 24 ended months; the
// dimension is the month (YYYY-MM in Asia/Bishkek).
var series = []tableDef{
	{
		name: "persons_identified", rollup: true, family: famIdentified, title: "Persons identified, by month",
		dims: []dimDef{dim("month", nil, "")},
	},
	{
		name: "persons_assisted", perPerson: true, family: famAssisted, overTime: union, title: "Persons given assistance that started in the month",
		dims: []dimDef{dim("month", nil, "")},
	},
	{
		name: "persons_referred", perPerson: true, family: famReferred, overTime: union, title: "Persons referred, by month of the referral",
		dims: []dimDef{dim("month", nil, "")},
	},
	{
		name: "contacts_received", family: famContacts, contacts: true, title: "Hotline contacts, by month",
		dims: []dimDef{dim("month", nil, "")},
	},
}

// SeriesMonths is the length of a monthly series.
const SeriesMonths = 24

func findDef(defs []tableDef, name string) (tableDef, bool) {
	for _, d := range defs {
		if d.name == name {
			return d, true
		}
	}
	return tableDef{}, false
}

// countFunction is the database function that counts def's cells
// nationally, and orgFunction the one that counts them per organization.
func (def tableDef) countFunction() string {
	switch {
	case def.contacts:
		return "jardam_contact_counts"
	case def.rollup:
		return "jardam_stats_rollup_counts"
	case def.perPerson:
		return "jardam_stats_person_counts"
	}
	return "jardam_stats_counts"
}

func (def tableDef) orgFunction() string {
	switch {
	case def.contacts:
		return "jardam_contact_org_counts"
	case def.rollup:
		return "jardam_stats_rollup_org_counts"
	case def.perPerson:
		return "jardam_stats_person_org_counts"
	}
	return "jardam_stats_org_counts"
}
