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
