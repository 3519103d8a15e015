package ctdcimport

import (
	"slices"
	"strings"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

// Releases of the CTDC global dataset whose columns the import knows.
const (
	// ReleaseKAnon is the k-anonymized global dataset of 2017 to 2020
	// (codebook version 6 and its updates): 63 columns, `meansOfControl*`,
	// `majorityStatus`, alpha-2 countries, `-99` for missing.
	ReleaseKAnon = "k-anonymized"
	// ReleaseSynthetic is the global synthetic dataset of 2021 on: 27
	// columns, grouped means of control (`meansThreats`), alpha-3
	// countries. Later files name the sector flags `sectorOf*`.
	ReleaseSynthetic = "synthetic"
	// ReleaseBoth marks a column both releases name alike.
	ReleaseBoth = "both"
)

// Jardam's values in their canonical order (the cases' enumerations): a
// case's lists are written in this order, and when a row sets several
// values of an attribute Jardam keeps one of (labour sector, relation to
// the recruiter), the first in this order is kept.
var (
	exploitationOrder = cases.Exploitations
	meansOrder        = cases.MeansOfControl
	sectorOrder       = cases.LabourSectors
	relationOrder     = cases.RecruiterRelations
)

// role is what the import does with a column.
type role int

const (
	// roleValue: the column's values land in a Jardam attribute.
	roleValue role = iota
	// roleDerived: the column repeats, as text, flags of its group that
	// the file also holds (CTDC's `*Concatenated` columns); the flags are
	// imported, the text is not read.
	roleDerived
	// roleUnmapped: Jardam has no place for the column's values; a file
	// with it imports only with the column named in IgnoreColumns.
	roleUnmapped
)

// column is one codebook column: its name, release, what it is in
// Jardam's terms, and the function that reads a value into a row.
type column struct {
	name    string
	release string
	role    role
	// group names the flags a derived column repeats (and the group of
	// every flag).
	group string
	// read records a value; it returns the reason a value is refused, or
	// "".
	read func(r *row, v string) string
	// why says, for an unmapped column, what Jardam does not record.
	why string
}

// codebook lists every column of both releases (the synthetic release's
// later `sectorOf*` names included).
var codebook = buildCodebook()

func buildCodebook() []column {
	cols := []column{
		{name: "yearOfRegistration", release: ReleaseBoth, read: readYear},
		{name: "Datasource", release: ReleaseKAnon, read: readDatasource},
		{name: "gender", release: ReleaseBoth, read: readGender},
		{name: "ageBroad", release: ReleaseBoth, read: readAge},
		{name: "majorityStatus", release: ReleaseKAnon, read: readMajority},
		{name: "majorityStatusAtExploit", release: ReleaseKAnon, role: roleUnmapped,
			why: "Jardam records whether a person was a minor when identified (majorityStatus), not when the exploitation began"},
		{name: "majorityEntry", release: ReleaseKAnon, role: roleUnmapped,
			why: "Jardam records whether a person was a minor when identified (majorityStatus), not when they entered the trafficking process"},
		{name: "citizenship", release: ReleaseBoth, read: readCitizenship},
		{name: "CountryOfExploitation", release: ReleaseBoth, read: readCountry},
		{name: "traffickMonths", release: ReleaseSynthetic, role: roleUnmapped,
			why: "Jardam does not record how long the exploitation lasted"},
	}
	for _, m := range [][2]string{
		{"DebtBondage", "debt_bondage"}, {"TakesEarnings", "takes_earnings"},
		{"RestrictsFinancialAccess", "restricts_financial_access"}, {"Threats", "threats"},
		{"PsychologicalAbuse", "psychological_abuse"}, {"PhysicalAbuse", "physical_abuse"},
		{"SexualAbuse", "sexual_abuse"}, {"FalsePromises", "false_promises"},
		{"PsychoactiveSubstances", "psychoactive_substances"}, {"RestrictsMovement", "restricts_movement"},
		{"RestrictsMedicalCare", "restricts_medical_care"}, {"ExcessiveWorkingHours", "excessive_working_hours"},
		{"UsesChildren", "uses_children"}, {"ThreatOfLawEnforcement", "threat_of_law_enforcement"},
		{"WithholdsNecessities", "withholds_necessities"}, {"WithholdsDocuments", "withholds_documents"},
		{"Other", "other"},
	} {
		cols = append(cols, flagColumn("meansOfControl"+m[0], ReleaseKAnon, "means", means(m[1])))
	}
	cols = append(cols,
		flagColumn("meansOfControlNotSpecified", ReleaseKAnon, "means", notKnown),
		column{name: "meansOfControlConcatenated", release: ReleaseKAnon, role: roleDerived, group: "means"})
	// The synthetic release groups the means of control; each group is
	// recorded as its first Jardam value (the value Jardam's CTDC export
	// writes the group for).
	for _, m := range [][2]string{
		{"meansDebtBondageEarnings", "debt_bondage"}, {"meansThreats", "threats"},
		{"meansAbusePsyPhySex", "psychological_abuse"}, {"meansFalsePromises", "false_promises"},
		{"meansDrugsAlcohol", "psychoactive_substances"}, {"meansDenyBasicNeeds", "withholds_necessities"},
		{"meansExcessiveWorkHours", "excessive_working_hours"}, {"meansWithholdDocs", "withholds_documents"},
		{"meansWithholdDocuments", "withholds_documents"},
	} {
		cols = append(cols, flagColumn(m[0], ReleaseSynthetic, "means", means(m[1])))
	}
	cols = append(cols, exploitationColumns()...)
	cols = append(cols, sectorColumns()...)
	return append(cols, recruiterColumns()...)
}

func exploitationColumns() []column {
	cols := []column{
		flagColumn("isForcedLabour", ReleaseBoth, "exploitation", exploitation("forced_labour")),
		flagColumn("isSexualExploit", ReleaseBoth, "exploitation", exploitation("sexual_exploitation")),
		flagColumn("isOtherExploit", ReleaseBoth, "exploitation", exploitation("other")),
		flagColumn("isSexAndLabour", ReleaseKAnon, "exploitation", exploitation("forced_labour", "sexual_exploitation")),
		flagColumn("isForcedMarriage", ReleaseKAnon, "exploitation", exploitation("forced_marriage")),
		// Jardam's types have no military exploitation: it is `other`.
		flagColumn("isForcedMilitary", ReleaseKAnon, "exploitation", exploitation("other")),
		flagColumn("isOrganRemoval", ReleaseKAnon, "exploitation", exploitation("organ_removal")),
		flagColumn("isSlaveryAndPractices", ReleaseKAnon, "exploitation", exploitation("servitude")),
		{name: "typeOfExploitConcatenated", release: ReleaseKAnon, role: roleDerived, group: "exploitation"},
		flagColumn("isAbduction", ReleaseKAnon, "recruitment", func(r *row) { r.p.RecruitmentMethod = ptr("abduction") }),
	}
	// The types of sexual exploitation: Jardam records sexual
	// exploitation, not its kind.
	for _, n := range []string{"Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices"} {
		release := ReleaseKAnon
		if n == "Prostitution" || n == "Pornography" {
			release = ReleaseBoth
			cols = append(cols, flagColumn("sectorOfSex"+n, ReleaseSynthetic, "sex", exploitation("sexual_exploitation")))
		}
		cols = append(cols, flagColumn("typeOfSex"+n, release, "sex", exploitation("sexual_exploitation")))
	}
	return append(cols, column{name: "typeOfSexConcatenated", release: ReleaseKAnon, role: roleDerived, group: "sex"})
}

func sectorColumns() []column {
	var cols []column
	for _, s := range [][2]string{
		{"Agriculture", "agriculture"}, {"Aquafarming", "aquafarming"}, {"Begging", "begging"},
		{"Construction", "construction"}, {"DomesticWork", "domestic_work"}, {"Hospitality", "hospitality"},
		{"Manufacturing", "manufacturing"}, {"MiningOrDrilling", "mining"}, {"Peddling", "peddling"},
		{"Transportation", "transportation"}, {"Other", "other"},
	} {
		release := ReleaseKAnon
		switch s[0] {
		case "Agriculture", "Construction", "DomesticWork", "Hospitality":
			release = ReleaseBoth
			cols = append(cols, flagColumn("sectorOfLabour"+s[0], ReleaseSynthetic, "labour", sector(s[1])))
		}
		cols = append(cols, flagColumn("typeOfLabour"+s[0], release, "labour", sector(s[1])))
	}
	return append(cols,
		// Labour in illicit activities is Jardam's forced criminality.
		flagColumn("typeOfLabourIllicitActivities", ReleaseKAnon, "labour", exploitation("forced_criminality")),
		flagColumn("typeOfLabourNotSpecified", ReleaseKAnon, "labour", notKnown),
		column{name: "typeOfLabourConcatenated", release: ReleaseKAnon, role: roleDerived, group: "labour"})
}

func recruiterColumns() []column {
	var cols []column
	for _, r := range [][2]string{{"IntimatePartner", "intimate_partner"}, {"Friend", "friend"}, {"Family", "family"},
		{"Other", "other"}} {
		cols = append(cols, flagColumn("recruiterRelation"+r[0], ReleaseBoth, "recruiter", relation(r[1])))
	}
	return append(cols,
		flagColumn("recruiterRelationUnknown", ReleaseKAnon, "recruiter", notKnown),
		column{name: "RecruiterRelationship", release: ReleaseKAnon, role: roleDerived, group: "recruiter"})
}

// byName finds a codebook column by name, ignoring case (the releases
// spell a few names differently, such as CountryofExploitation).
var byName = func() map[string]*column {
	m := make(map[string]*column, len(codebook))
	for i := range codebook {
		key := strings.ToLower(codebook[i].name)
		if m[key] != nil {
			panic("ctdcimport: the codebook names " + codebook[i].name + " twice")
		}
		m[key] = &codebook[i]
	}
	return m
}()

func lookup(name string) *column { return byName[strings.ToLower(name)] }

// flagColumn is a codebook flag: 1 records set; 0, -99 and empty record
// nothing.
func flagColumn(name, release, group string, set func(r *row)) column {
	return column{name: name, release: release, group: group, read: func(r *row, v string) string {
		on, ok := flag(v)
		if !ok {
			return "must be 1, 0, -99 or empty"
		}
		if on {
			set(r)
		}
		return ""
	}}
}

func flag(v string) (on, ok bool) {
	switch v {
	case "1", "1.0":
		return true, true
	case "", "0", "0.0", "-99", "-99.0":
		return false, true
	}
	return false, false
}

func exploitation(types ...string) func(r *row) {
	return func(r *row) {
		for _, t := range types {
			r.exploitation |= bit(exploitationOrder, t)
		}
	}
}

func means(v string) func(r *row) { return func(r *row) { r.means |= bit(meansOrder, v) } }

func sector(v string) func(r *row) { return func(r *row) { r.sectors |= bit(sectorOrder, v) } }

func relation(v string) func(r *row) { return func(r *row) { r.relations |= bit(relationOrder, v) } }

// notKnown is a "not specified" or "unknown" flag: what Jardam records
// when nothing is set.
func notKnown(*row) {}

func bit(order []string, v string) uint32 {
	i := slices.Index(order, v)
	if i < 0 {
		panic("ctdcimport: " + v + " is not a Jardam value")
	}
	return 1 << i
}

// values lists the values of order whose bit is set, in order.
func values(order []string, set uint32) []string {
	var out []string
	for i, v := range order {
		if set&(1<<i) != 0 {
			out = append(out, v)
		}
	}
	return out
}

// missing reports the codebook's missing value: empty or -99.
func missing(v string) bool { return v == "" || v == "-99" }

// country reads an ISO 3166-1 alpha-2 or alpha-3 code as alpha-2 (a
// string of its own, not a slice of the file's line).
func country(v string) (string, bool) {
	v = strings.ToUpper(v)
	switch len(v) {
	case 2:
		_, ok := htcds.Alpha3(v)
		return strings.Clone(v), ok
	case 3:
		return htcds.Alpha2(v)
	}
	return "", false
}
