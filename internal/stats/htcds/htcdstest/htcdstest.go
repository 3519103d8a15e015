// Package htcdstest checks person-level export files against the layouts
// they claim: HTCDS 2.0 (against the standard's own field list, embedded
// here with its attribution in README.md) and the CTDC codebook (its
// values written out here rather than taken from the code under test),
// k-anonymity, and the implications between columns (htcds.Implications).
// Tests of the export use it on the files they produce.
package htcdstest

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

//go:embed htcds-2.0-fields.csv
var fieldList []byte

// Field is a field of the standard.
type Field struct {
	Type string
	// Values are the picklist's system values (empty for a field that is
	// not a picklist or takes codes of CodeStandard).
	Values       []string
	CodeStandard string
}

// Standard returns the fields of the standard's person, victim context,
// case and historic trafficking event tables, by prefixed name.
func Standard() map[string]Field {
	recs, err := csv.NewReader(bytes.NewReader(fieldList)).ReadAll()
	if err != nil {
		panic("htcdstest: the field list does not read: " + err.Error())
	}
	out := map[string]Field{}
	for _, r := range recs[1:] {
		f := Field{Type: r[2], CodeStandard: r[4]}
		if r[3] != "" {
			f.Values = strings.Split(r[3], ";")
		}
		out[r[0]+r[1]] = f
	}
	return out
}

// CheckHTCDS returns every way a file departs from HTCDS 2.0: a column
// that is not a field of the standard, a picklist value the standard does
// not spell so, a single-select cell with several values, a country that is
// not an ISO 3166-1 alpha-3 code.
func CheckHTCDS(header []string, rows [][]string) []string {
	std := Standard()
	var out []string
	for i, col := range header {
		f, ok := std[col]
		if !ok {
			out = append(out, fmt.Sprintf("column %q is not an HTCDS 2.0 field", col))
			continue
		}
		for n, r := range rows {
			if p := checkValue(col, f, r[i]); p != "" {
				out = append(out, fmt.Sprintf("row %d: %s: %s", n+1, col, p))
			}
		}
	}
	return out
}

func checkValue(col string, f Field, cell string) string {
	if cell == "" {
		return ""
	}
	values := []string{cell}
	if strings.HasPrefix(f.Type, "Multiselect") {
		values = strings.Split(cell, ";")
	}
	for _, v := range values {
		switch {
		case f.CodeStandard == "ISO 3166" || col == "hte_Country":
			if _, ok := htcds.Alpha2(v); !ok {
				return fmt.Sprintf("%q is not an ISO 3166-1 alpha-3 code", v)
			}
		case len(f.Values) > 0 && !slices.Contains(f.Values, v):
			return fmt.Sprintf("%q is not one of the standard's values", v)
		case len(f.Values) == 0 && f.Type != "Text":
			return fmt.Sprintf("the export writes no %s field", f.Type)
		}
	}
	if len(values) != len(slices.Compact(slices.Sorted(slices.Values(values)))) {
		return fmt.Sprintf("%q repeats a value", cell)
	}
	return ""
}

// The CTDC codebook's columns and values.
var (
	ctdcColumns = []string{
		"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation", "traffickMonths",
		"meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex", "meansFalsePromises", "meansDrugsAlcohol",
		"meansDenyBasicNeeds", "meansExcessiveWorkHours", "meansWithholdDocuments",
		"isForcedLabour", "isSexualExploit", "isOtherExploit",
		"typeOfLabourAgriculture", "typeOfLabourConstruction", "typeOfLabourDomesticWork", "typeOfLabourHospitality",
		"typeOfSexProstitution", "typeOfSexPornography",
		"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther",
	}
	ctdcValues = map[string][]string{
		"gender":         {"Man", "Woman", "Trans/Transgender", "NonConforming"},
		"ageBroad":       {"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"},
		"traffickMonths": {"0-12", "13-24", "25+"},
	}
)

// CheckCTDC returns every way a file departs from the CTDC codebook: the
// header, a year other than the export's, a value outside the codebook
// (age bands, regions and year spans included), a flag other than `1`.
func CheckCTDC(header []string, rows [][]string, year int) []string {
	if !slices.Equal(header, ctdcColumns) {
		return []string{fmt.Sprintf("header %v is not the codebook's", header)}
	}
	var out []string
	for n, r := range rows {
		for i, col := range header {
			if p := checkCTDCValue(col, r[i], year); p != "" {
				out = append(out, fmt.Sprintf("row %d: %s: %s", n+1, col, p))
			}
		}
	}
	return out
}

func checkCTDCValue(col, v string, year int) string {
	switch {
	case col == "yearOfRegistration":
		if v != strconv.Itoa(year) {
			return fmt.Sprintf("%q, want %d", v, year)
		}
	case v == "":
	case col == "citizenship" || col == "CountryOfExploitation":
		if _, ok := htcds.Alpha2(v); !ok {
			return fmt.Sprintf("%q is not an ISO 3166-1 alpha-3 code", v)
		}
	case ctdcValues[col] != nil:
		if !slices.Contains(ctdcValues[col], v) {
			return fmt.Sprintf("%q is not a codebook value", v)
		}
	case v != "1":
		return fmt.Sprintf("flag %q", v)
	}
	return ""
}

// Classes counts the rows of each combination of the columns qis.
func Classes(header []string, rows [][]string, qis []string) map[string]int {
	out := map[string]int{}
	for _, r := range rows {
		var key []string
		for _, q := range qis {
			key = append(key, r[slices.Index(header, q)])
		}
		out[strings.Join(key, "|")]++
	}
	return out
}

// CheckK returns the combinations of the columns qis seen fewer than k
// times.
func CheckK(header []string, rows [][]string, qis []string, k int) []string {
	var out []string
	for key, n := range Classes(header, rows, qis) {
		if n < k {
			out = append(out, fmt.Sprintf("class %s has %d rows", key, n))
		}
	}
	return out
}

// CheckImplications walks every implication a file can tell on each of its
// rows (htcds.FileViolations).
func CheckImplications(header []string, rows [][]string) []string {
	var out []string
	for n, r := range rows {
		for _, im := range htcds.FileViolations(header, r) {
			out = append(out, fmt.Sprintf("row %d: %s (%s without %s)", n+1, im.Name, im.If.Column, im.Then.Column))
		}
	}
	return out
}
