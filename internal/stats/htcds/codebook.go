// Package htcds holds the person-level layout Jardam exchanges with the
// Counter Trafficking Data Collaborative (CTDC) and the Human Trafficking
// Case Data Standard (HTCDS): the codebook's column names and value
// conventions, the mapping between them and Jardam's statistical
// attributes, ISO 3166-1 alpha-2/alpha-3 codes with their UN M49 regions,
// and the k-anonymization (Anonymize) of the export.
//
// One row per person. Countries are ISO 3166-1 alpha-3 codes; flags are `1`
// or empty (missing); the older k-anonymized CTDC release wrote missing
// values as `-99`, which the import accepts as missing.
package htcds

import (
	"slices"
	"strings"
)

// Column names of the CTDC codebook, in the order the export writes them.
const (
	ColYear        = "yearOfRegistration"
	ColGender      = "gender"
	ColAge         = "ageBroad"
	ColCitizenship = "citizenship"
	ColCountry     = "CountryOfExploitation"
	ColMonths      = "traffickMonths"
	ColForced      = "isForcedLabour"
	ColSexual      = "isSexualExploit"
	ColOther       = "isOtherExploit"
)

// Columns is the export's header, every column of the codebook.
var Columns = []string{
	ColYear, ColGender, ColAge, ColCitizenship, ColCountry, ColMonths,
	"meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex", "meansFalsePromises",
	"meansDrugsAlcohol", "meansDenyBasicNeeds", "meansExcessiveWorkHours", "meansWithholdDocuments",
	ColForced, ColSexual, ColOther,
	"typeOfLabourAgriculture", "typeOfLabourConstruction", "typeOfLabourDomesticWork", "typeOfLabourHospitality",
	"typeOfSexProstitution", "typeOfSexPornography",
	"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther",
}

// Genders maps the codebook's gender values to Jardam's sex. `Male` and
// `Female`, the spelling of older CTDC releases, are accepted on import.
var Genders = map[string]string{
	"Woman": "female", "Man": "male", "Trans/Transgender": "other", "NonConforming": "other",
	"Female": "female", "Male": "male",
}

// genderOut is the export's gender value of a Jardam sex. `other` is left
// empty: Jardam does not record whether it means transgender or
// non-conforming, and the export does not guess.
var genderOut = map[string]string{"female": "Woman", "male": "Man"}

// AgeBrackets are CTDC's age brackets, the same as Jardam's.
var AgeBrackets = []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"}

// TraffickMonths are the codebook's values of traffickMonths (Jardam does
// not record the duration: the import checks and drops it, the export
// leaves it empty).
var TraffickMonths = []string{"0-12", "13-24", "25+"}

// Flag links a codebook flag to Jardam values: the export sets the flag
// when any of values is recorded; the import records values[0].
type Flag struct {
	Column string
	Values []string
}

// MeansFlags are the means-of-control flags.
var MeansFlags = []Flag{
	{"meansDebtBondageEarnings", []string{"debt_bondage", "takes_earnings", "restricts_financial_access"}},
	{"meansThreats", []string{"threats", "threat_of_law_enforcement"}},
	{"meansAbusePsyPhySex", []string{"psychological_abuse", "physical_abuse", "sexual_abuse"}},
	{"meansFalsePromises", []string{"false_promises"}},
	{"meansDrugsAlcohol", []string{"psychoactive_substances"}},
	{"meansDenyBasicNeeds", []string{"withholds_necessities", "restricts_medical_care"}},
	{"meansExcessiveWorkHours", []string{"excessive_working_hours"}},
	{"meansWithholdDocuments", []string{"withholds_documents"}},
}

// ExploitationFlags are the exploitation flags: forced labour, sexual
// exploitation, and every other Jardam type under isOtherExploit (the
// import records `other`).
var ExploitationFlags = []Flag{
	{ColForced, []string{"forced_labour"}},
	{ColSexual, []string{"sexual_exploitation"}},
	{ColOther, []string{"other", "forced_marriage", "forced_begging", "servitude", "organ_removal", "forced_criminality", "child_labour"}},
}

// LabourFlags are the labour sector flags (Jardam keeps one sector: the
// import takes the first flag set, in this order).
var LabourFlags = []Flag{
	{"typeOfLabourAgriculture", []string{"agriculture"}},
	{"typeOfLabourConstruction", []string{"construction"}},
	{"typeOfLabourDomesticWork", []string{"domestic_work"}},
	{"typeOfLabourHospitality", []string{"hospitality"}},
}

// SexTypeFlags are the types of sexual exploitation. Jardam does not record
// them: the export leaves them empty and the import takes either as sexual
// exploitation.
var SexTypeFlags = []string{"typeOfSexProstitution", "typeOfSexPornography"}

// RecruiterFlags are the relation-to-recruiter flags (Jardam keeps one
// relation: the import takes the first flag set, in this order).
var RecruiterFlags = []Flag{
	{"recruiterRelationIntimatePartner", []string{"intimate_partner"}},
	{"recruiterRelationFriend", []string{"friend"}},
	{"recruiterRelationFamily", []string{"family"}},
	{"recruiterRelationOther", []string{"other", "employer", "acquaintance", "stranger"}},
}

// Value returns the Jardam value the import records for a flag.
func (f Flag) Value() string { return f.Values[0] }

// Record is one person's statistical attributes in Jardam's terms, as the
// export reads them: no identifier of any kind.
type Record struct {
	Year              int
	Sex               string   // female, male, other, unknown
	AgeBracket        string   // a CTDC bracket or unknown
	Citizenship       string   // ISO 3166-1 alpha-2, or empty
	Country           string   // the country of exploitation, alpha-2, or empty
	ExploitationTypes []string // Jardam's exploitation types
	MeansOfControl    []string
	LabourSector      string
	RecruiterRelation string
}

// flag writes `1` when any of values is among have, else empty.
func flag(have []string, values []string) string {
	for _, v := range values {
		if slices.Contains(have, v) {
			return "1"
		}
	}
	return ""
}

// colIndex is the position of each column in Columns.
var colIndex = func() map[string]int {
	m := make(map[string]int, len(Columns))
	for i, c := range Columns {
		m[c] = i
	}
	return m
}()

// nonQI writes a row of Columns with the columns that are not
// quasi-identifiers filled (traffickMonths and the types of sexual
// exploitation are not recorded: empty).
func nonQI(r Record) []string {
	out := make([]string, len(Columns))
	for _, f := range MeansFlags {
		out[colIndex[f.Column]] = flag(r.MeansOfControl, f.Values)
	}
	for _, f := range LabourFlags {
		out[colIndex[f.Column]] = flag([]string{r.LabourSector}, f.Values)
	}
	for _, f := range RecruiterFlags {
		out[colIndex[f.Column]] = flag([]string{r.RecruiterRelation}, f.Values)
	}
	return out
}

// NormalizeAge reads a codebook age bracket (the older release wrote `0--8`)
// as Jardam's; empty and `-99` are unknown.
func NormalizeAge(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "--", "-")
	if s == "" || s == "-99" {
		return "unknown", true
	}
	if slices.Contains(AgeBrackets, s) {
		return s, true
	}
	return "", false
}
