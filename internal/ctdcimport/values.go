package ctdcimport

import (
	"strconv"
	"strings"
)

// row is a row being read: the person and what is collected before it is
// complete.
type row struct {
	p        Person
	lastYear int
	// majority is majorityStatus (true for a minor), checked against the
	// age bracket once the row is read.
	majority *bool
	// Bit sets over exploitationOrder, meansOrder, sectorOrder and
	// relationOrder.
	exploitation, means, sectors, relations uint32
}

var ageBrackets = []string{"0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"}

// genders maps the codebook's gender values (lower-cased) to Jardam's sex.
var genders = map[string]string{
	"woman": "female", "female": "female", "man": "male", "male": "male",
	"trans/transgender": "other", "transgender": "other", "nonconforming": "other",
	"trans/transgender/nonconforming": "other",
}

func readYear(r *row, v string) string {
	y, err := strconv.Atoi(v)
	if err != nil || y < FirstYear || y > r.lastYear {
		return "must be a year from " + strconv.Itoa(FirstYear) + " to " + strconv.Itoa(r.lastYear)
	}
	r.p.Year = y
	return ""
}

func readDatasource(r *row, v string) string {
	switch strings.ToLower(v) {
	case "", "-99", "case management":
	case "hotline":
		r.p.IdentificationChannel = ptr("hotline")
	default:
		return "must be Case Management, Hotline, -99 or empty"
	}
	return ""
}

func readGender(r *row, v string) string {
	if missing(v) {
		return ""
	}
	s, ok := genders[strings.ToLower(v)]
	if !ok {
		return "must be Woman, Man, Female, Male, Trans/Transgender, NonConforming, -99 or empty"
	}
	r.p.Sex = s
	return ""
}

// readAge reads CTDC's brackets, written 0-8 or 0--8.
func readAge(r *row, v string) string {
	if missing(v) {
		return ""
	}
	a := strings.ReplaceAll(v, "--", "-")
	for _, b := range ageBrackets {
		if a == b {
			r.p.AgeBracket = b
			return ""
		}
	}
	return "must be a CTDC age bracket (0--8, 9--17, 18--20, 21--23, 24--26, 27--29, 30--38, 39--47, 48+), -99 or empty"
}

func readMajority(r *row, v string) string {
	switch strings.ToLower(v) {
	case "", "-99":
	case "minor":
		r.majority = ptr(true)
	case "adult":
		r.majority = ptr(false)
	default:
		return "must be Adult, Minor, -99 or empty"
	}
	return ""
}

func readCitizenship(r *row, v string) string {
	return readCountryCode(v, "KG", "KGZ", func(c string) { r.p.Citizenship = &c })
}

func readCountry(r *row, v string) string {
	return readCountryCode(v, "RU", "RUS", func(c string) { r.p.Countries = []string{c} })
}

// readCountryCode reads an alpha-2 or alpha-3 code and records it as
// alpha-2; the reason names two examples.
func readCountryCode(v, alpha2, alpha3 string, record func(string)) string {
	if missing(v) {
		return ""
	}
	c, ok := country(v)
	if !ok {
		return "must be an ISO 3166-1 code, alpha-2 (" + alpha2 + ") or alpha-3 (" + alpha3 + "), -99 or empty"
	}
	record(c)
	return ""
}

// finish completes the person once every column is read: the minor flag
// from the age bracket or majorityStatus (which must agree), the lists in
// Jardam's order, and one labour sector and one relation to the
// recruiter. It returns the reason the row is refused, or "", and whether
// several sectors, or several relations, were reduced to one.
func (r *row) finish() (conflict string, sectorsCut, relationsCut bool) {
	switch r.p.AgeBracket {
	case "unknown":
		r.p.IsMinor = r.majority
	case "0-8", "9-17":
		r.p.IsMinor = ptr(true)
	default:
		r.p.IsMinor = ptr(false)
	}
	if r.majority != nil && *r.majority != *r.p.IsMinor {
		conflict = "conflicts with ageBroad"
	}
	r.p.ExploitationTypes = values(exploitationOrder, r.exploitation)
	r.p.MeansOfControl = values(meansOrder, r.means)
	if s := values(sectorOrder, r.sectors); len(s) > 0 {
		r.p.LabourSector = &s[0]
		sectorsCut = len(s) > 1
	}
	if s := values(relationOrder, r.relations); len(s) > 0 {
		r.p.RecruiterRelation = &s[0]
		relationsCut = len(s) > 1
	}
	return conflict, sectorsCut, relationsCut
}

func ptr[T any](v T) *T { return &v }
