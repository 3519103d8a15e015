package ctdcimport_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The fixtures are synthetic rows written here in the layouts of CTDC's
// two releases; no CTDC file is read or kept (CTDC's terms forbid
// redistributing them).

// termsCell is the first header cell of the k-anonymized release.
const termsCell = "By using this data you agree to the Terms of Use: https://www.ctdatacollaborative.org/terms-use"

// kAnonColumns are the 63 columns of the k-anonymized global dataset
// (2017 to 2020), in its order.
var kAnonColumns = strings.Fields(`yearOfRegistration Datasource gender ageBroad majorityStatus majorityStatusAtExploit
majorityEntry citizenship meansOfControlDebtBondage meansOfControlTakesEarnings meansOfControlRestrictsFinancialAccess
meansOfControlThreats meansOfControlPsychologicalAbuse meansOfControlPhysicalAbuse meansOfControlSexualAbuse
meansOfControlFalsePromises meansOfControlPsychoactiveSubstances meansOfControlRestrictsMovement
meansOfControlRestrictsMedicalCare meansOfControlExcessiveWorkingHours meansOfControlUsesChildren
meansOfControlThreatOfLawEnforcement meansOfControlWithholdsNecessities meansOfControlWithholdsDocuments
meansOfControlOther meansOfControlNotSpecified meansOfControlConcatenated isForcedLabour isSexualExploit isOtherExploit
isSexAndLabour isForcedMarriage isForcedMilitary isOrganRemoval isSlaveryAndPractices typeOfExploitConcatenated
typeOfLabourAgriculture typeOfLabourAquafarming typeOfLabourBegging typeOfLabourConstruction typeOfLabourDomesticWork
typeOfLabourHospitality typeOfLabourIllicitActivities typeOfLabourManufacturing typeOfLabourMiningOrDrilling
typeOfLabourPeddling typeOfLabourTransportation typeOfLabourOther typeOfLabourNotSpecified typeOfLabourConcatenated
typeOfSexProstitution typeOfSexPornography typeOfSexRemoteInteractiveServices typeOfSexPrivateSexualServices
typeOfSexConcatenated isAbduction RecruiterRelationship CountryOfExploitation recruiterRelationIntimatePartner
recruiterRelationFriend recruiterRelationFamily recruiterRelationOther recruiterRelationUnknown`)

// kAnonIgnore are the k-anonymized release's columns Jardam has no place
// for.
var kAnonIgnore = []string{"majorityStatusAtExploit", "majorityEntry"}

// syntheticColumns are the 27 columns of the global synthetic dataset
// (2021 on).
var syntheticColumns = strings.Fields(`yearOfRegistration gender ageBroad citizenship CountryOfExploitation traffickMonths
meansDebtBondageEarnings meansThreats meansAbusePsyPhySex meansFalsePromises meansDrugsAlcohol meansDenyBasicNeeds
meansExcessiveWorkHours meansWithholdDocs isForcedLabour isSexualExploit isOtherExploit typeOfLabourAgriculture
typeOfLabourConstruction typeOfLabourDomesticWork typeOfLabourHospitality typeOfSexProstitution typeOfSexPornography
recruiterRelationIntimatePartner recruiterRelationFriend recruiterRelationFamily recruiterRelationOther`)

// layout says how a fixture is written.
type layout struct {
	columns []string
	sep     rune
	// lead writes the terms-of-use first header cell and an empty first
	// cell in every row.
	lead bool
	// missing is written for a column a row leaves out: -99 or empty.
	missing string
}

var (
	kAnonSemicolon = layout{columns: kAnonColumns, sep: ';', lead: true, missing: "-99"}
	kAnonComma     = layout{columns: kAnonColumns, sep: ',', lead: true, missing: "-99"}
	synthComma     = layout{columns: syntheticColumns, sep: ',', missing: ""}
	synthSemicolon = layout{columns: syntheticColumns, sep: ';', missing: ""}
)

// record is a row by column name; the columns it leaves out are missing.
type record map[string]string

// write writes rows in the layout, quoting the cells that hold the
// separator or a quote.
func (l layout) write(rows ...record) string {
	var b strings.Builder
	cells := make([]string, 0, len(l.columns)+1)
	line := func() {
		for i, c := range cells {
			if i > 0 {
				b.WriteRune(l.sep)
			}
			if strings.ContainsRune(c, l.sep) || strings.ContainsAny(c, "\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	if l.lead {
		cells = append(cells, termsCell)
	}
	cells = append(cells, l.columns...)
	line()
	for _, r := range rows {
		cells = cells[:0]
		if l.lead {
			cells = append(cells, "")
		}
		for _, c := range l.columns {
			v, ok := r[c]
			if !ok {
				v = l.missing
			}
			cells = append(cells, v)
		}
		line()
	}
	return b.String()
}

// generate writes n random rows in the layout (seeded: the same seed, the
// same file), for the import's measurements.
func (l layout) generate(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	kanon := l.columns[1] == "Datasource"
	genders := []string{"Woman", "Man", "Female", "Male"}
	ages := []string{"0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"}
	countries2 := []string{"KG", "UZ", "TJ", "RU", "KZ", "TR", "AE", "KR"}
	countries3 := []string{"KGZ", "UZB", "TJK", "RUS", "KAZ", "TUR", "ARE", "KOR"}
	rows := make([]record, n)
	for i := range rows {
		r := record{"yearOfRegistration": fmt.Sprint(2005 + rng.IntN(15)), "gender": genders[rng.IntN(4)],
			"ageBroad": ages[rng.IntN(len(ages))]}
		c := countries3
		if kanon {
			c = countries2
		}
		r["citizenship"], r["CountryOfExploitation"] = c[rng.IntN(3)], c[rng.IntN(len(c))]
		for _, col := range l.columns {
			if (strings.HasPrefix(col, "is") || strings.HasPrefix(col, "means") || strings.HasPrefix(col, "typeOf")) &&
				!strings.HasSuffix(col, "Concatenated") && rng.IntN(6) == 0 {
				r[col] = "1"
			}
		}
		if kanon {
			r["meansOfControlConcatenated"] = "Threats;Psychological abuse"
			r["majorityStatus"] = map[bool]string{true: "Minor", false: "Adult"}[r["ageBroad"] == "0--8" || r["ageBroad"] == "9--17"]
		}
		rows[i] = r
	}
	return l.write(rows...)
}
