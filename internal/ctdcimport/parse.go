// Package ctdcimport brings legacy person-level records into Jardam as
// closed historical cases (`source: import`) with statistical attributes
// only: no identity, no contact, no data key. The file is a CSV in the CTDC
// codebook's layout (internal/stats/htcds): a header of codebook column
// names, then one row per person. A file imports whole or not at all: every
// bad row is reported with its line number, field and reason, and nothing
// is written; with SkipBad the good rows are imported and the bad ones
// reported.
//
// Mapping (documented for whoever prepares a file):
//   - yearOfRegistration: a year from 1990 to the last ended year; the case
//     is identified on 1 July of that year at noon, Asia/Bishkek time.
//   - gender: Woman, Man (or Female, Male) and Trans/Transgender or
//     NonConforming (recorded as `other`); empty or -99: unknown.
//   - ageBroad: CTDC's brackets (0-8 ... 48+, also written 0--8); empty or
//     -99: unknown. The minor flag follows the bracket.
//   - citizenship, CountryOfExploitation: ISO 3166-1 alpha-3; empty or -99:
//     not known.
//   - flags: 1 is set; 0, empty or -99 are not. Each flag records one
//     Jardam value (htcds.Flag.Value); one labour sector and one relation
//     to the recruiter are kept (the first flag set, in codebook order); a
//     type of sexual exploitation records sexual exploitation.
//   - traffickMonths: checked (0-12, 13-24, 25+) and dropped: Jardam does
//     not record the duration.
//
// Columns the codebook does not know are ignored and reported.
package ctdcimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

// RequiredColumns must be in the header.
var RequiredColumns = []string{htcds.ColYear, htcds.ColGender, htcds.ColAge, htcds.ColCitizenship, htcds.ColCountry}

// FirstYear is the earliest year of registration accepted.
const FirstYear = 1990

// MaxRows bounds a file.
const MaxRows = 200000

// Problem is one reason a row (or the file, Line 1 being the header) is
// refused.
type Problem struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// String writes the problem as `line N: field: reason`.
func (p Problem) String() string { return fmt.Sprintf("line %d: %s: %s", p.Line, p.Field, p.Reason) }

// Person is one good row in Jardam's terms.
type Person struct {
	Line              int
	Year              int
	Sex               string
	AgeBracket        string
	IsMinor           *bool
	Citizenship       *string
	Countries         []string
	ExploitationTypes []string
	MeansOfControl    []string
	LabourSector      *string
	RecruiterRelation *string
}

// IdentifiedAt is the identification time recorded for a year: 1 July at
// noon in Asia/Bishkek.
func IdentifiedAt(year int) time.Time {
	return time.Date(year, time.July, 1, 12, 0, 0, 0, bishkek)
}

var bishkek = func() *time.Location {
	l, err := time.LoadLocation("Asia/Bishkek")
	if err != nil {
		return time.FixedZone("Asia/Bishkek", 6*3600)
	}
	return l
}()

// Parsed is a parsed file: its good rows, the problems of the bad ones, and
// the columns it ignored.
type Parsed struct {
	Persons  []Person
	Problems []Problem
	// BadRows is the number of rows with at least one problem.
	BadRows int
	// Fatal is set when the file as a whole is refused (no header, a
	// required column missing): no row may be imported.
	Fatal   bool
	Ignored []string
}

// ErrTooLarge reports a file over MaxRows rows.
var ErrTooLarge = fmt.Errorf("ctdcimport: a file holds at most %d rows", MaxRows)

// Parse reads a CTDC codebook CSV. now bounds the year of registration (the
// last ended year in Asia/Bishkek). It returns an error only for a file
// that is not CSV at all or too large; bad rows are in Parsed.Problems.
func Parse(data []byte, now time.Time) (Parsed, error) {
	var p Parsed
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		p.Fatal = true
		p.Problems = append(p.Problems, Problem{1, "header", "the file is empty: a header of codebook column names is required"})
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("ctdcimport: not a CSV file: %w", err)
	}
	known := map[string]bool{}
	for _, c := range htcds.Columns {
		known[c] = true
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case !known[h]:
			p.Ignored = append(p.Ignored, h)
		case col[h] != 0:
			p.Problems = append(p.Problems, Problem{1, h, "the column appears twice"})
			p.Fatal = true
		default:
			col[h] = i + 1 // 1-based, so 0 means absent
		}
	}
	for _, c := range RequiredColumns {
		if col[c] == 0 {
			p.Problems = append(p.Problems, Problem{1, c, "required column missing"})
			p.Fatal = true
		}
	}
	if p.Fatal {
		return p, nil
	}
	lastYear := now.In(bishkek).Year() - 1
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				p.Problems = append(p.Problems, Problem{pe.StartLine, "row", "malformed CSV: " + pe.Err.Error()})
				p.BadRows++
				continue
			}
			return p, fmt.Errorf("ctdcimport: %w", err)
		}
		line, _ := r.FieldPos(0)
		if n >= MaxRows {
			return p, ErrTooLarge
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		get := func(c string) string {
			if i := col[c]; i > 0 && i <= len(rec) {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		person, probs := parseRow(line, len(rec), len(header), get, lastYear)
		if len(probs) > 0 {
			p.Problems = append(p.Problems, probs...)
			p.BadRows++
			continue
		}
		p.Persons = append(p.Persons, person)
	}
	return p, nil
}

func parseRow(line, fields, want int, get func(string) string, lastYear int) (Person, []Problem) {
	var probs []Problem
	bad := func(field, reason string) { probs = append(probs, Problem{line, field, reason}) }
	if fields != want {
		bad("row", fmt.Sprintf("has %d fields, the header %d", fields, want))
		return Person{}, probs
	}
	p := Person{Line: line, Sex: "unknown"}
	if y, err := strconv.Atoi(get(htcds.ColYear)); err != nil || y < FirstYear || y > lastYear {
		bad(htcds.ColYear, fmt.Sprintf("must be a year from %d to %d", FirstYear, lastYear))
	} else {
		p.Year = y
	}
	switch g := get(htcds.ColGender); g {
	case "", "-99":
	default:
		if s, ok := htcds.Genders[g]; ok {
			p.Sex = s
		} else {
			bad(htcds.ColGender, "must be Woman, Man, Trans/Transgender, NonConforming or empty")
		}
	}
	if a, ok := htcds.NormalizeAge(get(htcds.ColAge)); ok {
		p.AgeBracket = a
		switch a {
		case "0-8", "9-17":
			p.IsMinor = ptr(true)
		case "unknown":
		default:
			p.IsMinor = ptr(false)
		}
	} else {
		bad(htcds.ColAge, "must be one of "+strings.Join(htcds.AgeBrackets, ", ")+" or empty")
	}
	if c, ok := country(get(htcds.ColCitizenship)); !ok {
		bad(htcds.ColCitizenship, "must be an ISO 3166-1 alpha-3 code such as KGZ")
	} else if c != "" {
		p.Citizenship = ptr(c)
	}
	if c, ok := country(get(htcds.ColCountry)); !ok {
		bad(htcds.ColCountry, "must be an ISO 3166-1 alpha-3 code such as RUS")
	} else if c != "" {
		p.Countries = []string{c}
	}
	if m := get(htcds.ColMonths); m != "" && m != "-99" && !slices.Contains(htcds.TraffickMonths, m) {
		bad(htcds.ColMonths, "must be 0-12, 13-24, 25+ or empty")
	}
	set := func(c string) bool {
		switch v := get(c); v {
		case "1":
			return true
		case "", "0", "-99":
			return false
		default:
			bad(c, "must be 1, 0, -99 or empty")
			return false
		}
	}
	for _, f := range htcds.ExploitationFlags {
		if set(f.Column) {
			p.ExploitationTypes = append(p.ExploitationTypes, f.Value())
		}
	}
	for _, c := range htcds.SexTypeFlags {
		if set(c) && !slices.Contains(p.ExploitationTypes, "sexual_exploitation") {
			p.ExploitationTypes = append(p.ExploitationTypes, "sexual_exploitation")
		}
	}
	for _, f := range htcds.MeansFlags {
		if set(f.Column) {
			p.MeansOfControl = append(p.MeansOfControl, f.Value())
		}
	}
	for _, f := range htcds.LabourFlags {
		if set(f.Column) && p.LabourSector == nil {
			p.LabourSector = ptr(f.Value())
		}
	}
	for _, f := range htcds.RecruiterFlags {
		if set(f.Column) && p.RecruiterRelation == nil {
			p.RecruiterRelation = ptr(f.Value())
		}
	}
	return p, probs
}

// country reads an alpha-3 code as alpha-2; empty and -99 are "not known".
func country(s string) (string, bool) {
	if s == "" || s == "-99" {
		return "", true
	}
	return htcds.Alpha2(s)
}

func ptr[T any](v T) *T { return &v }
