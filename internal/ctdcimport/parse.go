// Package ctdcimport brings person-level records of the Counter Trafficking
// Data Collaborative (CTDC) global dataset, or an organization's legacy
// records in its layout, into Jardam as closed historical cases (`source:
// import`) with statistical attributes only: no identity, no contact, no
// data key.
//
// It reads both releases of CTDC's codebook: the k-anonymized global
// dataset of 2017 to 2020 (63 columns such as `meansOfControlThreats`,
// `majorityStatus`, `Datasource`; countries ISO 3166-1 alpha-2; `-99` for
// a missing value) and the global synthetic dataset of 2021 on (27 columns
// such as `meansThreats`, `traffickMonths`; alpha-3 countries). The file is
// separated by `,` or `;` (the separator is taken from the header line);
// a first header cell that is CTDC's terms-of-use sentence, or empty, heads
// a column of empty cells that is skipped. Ages are read as `18-20` or
// `18--20`, genders as `Woman` or `Female`, countries as alpha-2 or
// alpha-3, missing values as `-99` or empty.
//
// Every column of the file lands somewhere, or the file is refused:
//   - a column whose values land in a Jardam attribute is imported
//     (docs/ctdc-import.md maps each column of both codebooks to it);
//   - a `*Concatenated` column (and the k-anonymized release's
//     `RecruiterRelationship`) repeats as text the flags of its group,
//     which the file holds and which are imported; it is reported as
//     derived;
//   - a column Jardam has no place for (`majorityStatusAtExploit`,
//     `majorityEntry`, `traffickMonths`, or any name outside the
//     codebooks) is imported only when named in Options.IgnoreColumns
//     (`--ignore-columns`); otherwise the file is refused, naming it.
//
// A file imports whole or not at all: every problem is reported with its
// line, column and reason, and nothing is written; with SkipBad the good
// rows are imported and the bad ones reported. Where Jardam keeps one
// value (a labour sector, a relation to the recruiter) and a row sets
// several, the first in Jardam's order is kept and the report counts those
// rows.
package ctdcimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RequiredColumns must be in the header.
var RequiredColumns = []string{"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation"}

// FirstYear is the earliest year of registration accepted.
const FirstYear = 1990

// MaxRows bounds a file.
const MaxRows = 200000

// Problem is one reason a row (or the file, Line 1 being the header) is
// refused. Column is the 1-based position of the column in the file, 0
// when the problem is not one cell's.
type Problem struct {
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// String writes the problem as `line N, column M: field: reason` (`line
// N: field: reason` when no one cell is at fault).
func (p Problem) String() string {
	if p.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s: %s", p.Line, p.Column, p.Field, p.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Field, p.Reason)
}

// Person is one good row in Jardam's terms.
type Person struct {
	Line                  int
	Year                  int
	Sex                   string
	AgeBracket            string
	IsMinor               *bool
	Citizenship           *string
	Countries             []string
	ExploitationTypes     []string
	MeansOfControl        []string
	LabourSector          *string
	RecruiterRelation     *string
	RecruitmentMethod     *string
	IdentificationChannel *string
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
// what was done with each column.
type Parsed struct {
	Persons  []Person
	Problems []Problem
	// BadRows is the number of rows with at least one problem.
	BadRows int
	// Fatal is set when the file as a whole is refused (no header, a
	// required column missing, a column that cannot be imported): no row
	// may be imported.
	Fatal bool
	// Separator is the separator read from the header line.
	Separator string
	// Ignored are the columns left out as IgnoreColumns asked; Derived
	// the columns that repeat flags of the file.
	Ignored, Derived []string
	// Notes say where a row's values were reduced to what Jardam keeps.
	Notes []string
}

// ErrTooLarge reports a file over MaxRows rows.
var ErrTooLarge = fmt.Errorf("ctdcimport: a file holds at most %d rows", MaxRows)

// Parse reads a CTDC CSV. now bounds the year of registration (the last
// ended year in Asia/Bishkek); ignore names the columns to leave out. It
// returns an error only for a file that is not CSV at all or too large;
// problems are in Parsed.Problems.
func Parse(data []byte, now time.Time, ignore []string) (Parsed, error) {
	p := Parsed{Ignored: []string{}, Derived: []string{}, Notes: []string{}}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sep := separator(data)
	p.Separator = string(sep)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		p.Fatal = true
		p.Problems = append(p.Problems, Problem{Line: 1, Field: "header", Reason: "the file is empty: a header of codebook column names is required"})
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("ctdcimport: not a CSV file: %w", err)
	}
	l := readHeader(header, ignore)
	p.Ignored, p.Derived, p.Problems = l.ignored, l.derived, l.problems
	if len(l.problems) > 0 {
		p.Fatal = true
		return p, nil
	}
	// A line a row: the slice of persons grows once.
	p.Persons = make([]Person, 0, min(bytes.Count(data, []byte("\n")), MaxRows))
	return p, l.readRows(r, now.In(bishkek).Year()-1, &p)
}

// separator takes `;` when the header line holds more semicolons than
// commas outside quotes, else `,`.
func separator(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	quoted, commas, semicolons := false, 0, 0
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case b == ',' && !quoted:
			commas++
		case b == ';' && !quoted:
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

// bound is a column of the file read into rows.
type bound struct {
	index int // 0-based position in the row
	name  string
	col   *column
}

// layout is what the header says of every row.
type layout struct {
	width int
	// lead is set when the first column is the terms-of-use column.
	lead             bool
	bound            []bound
	majority         int // index of majorityStatus, or -1
	majorityName     string
	ignored, derived []string
	problems         []Problem
}

// isTerms reports whether a first header cell is the leading column's:
// empty, or CTDC's terms-of-use sentence.
func isTerms(cell string) bool {
	c := strings.ToLower(strings.TrimSpace(cell))
	return c == "" || strings.Contains(c, "terms of use") || strings.HasPrefix(c, "by using this data")
}

func readHeader(header, ignore []string) layout {
	l := layout{width: len(header), majority: -1, ignored: []string{}, derived: []string{}}
	bad := func(col int, field, reason string) {
		l.problems = append(l.problems, Problem{Line: 1, Column: col, Field: field, Reason: reason})
	}
	skip := map[string]bool{}
	for _, n := range ignore {
		skip[strings.ToLower(strings.TrimSpace(n))] = true
	}
	seen := map[string]bool{}
	groups := map[string]bool{}
	var derived []bound
	for i, h := range header {
		name := strings.TrimSpace(h)
		key := strings.ToLower(name)
		switch col := lookup(name); {
		case i == 0 && isTerms(h):
			l.lead = true
		case name == "":
			bad(i+1, "header", "the column has no name")
		case seen[key]:
			bad(i+1, name, "the column appears twice")
		case skip[key]:
			l.ignored = append(l.ignored, name)
		case col == nil:
			bad(i+1, name, "not a column of the CTDC codebooks (docs/ctdc-import.md): give --ignore-columns "+name+
				" to import the file without it")
		case col.role == roleUnmapped:
			bad(i+1, name, col.why+": give --ignore-columns "+name+" to import the file without it")
		case col.role == roleDerived:
			derived = append(derived, bound{i, name, col})
		default:
			l.bound = append(l.bound, bound{i, name, col})
			groups[col.group] = true
			if col.name == "majorityStatus" {
				l.majority, l.majorityName = i, name
			}
		}
		seen[key] = true
	}
	for _, d := range derived {
		if !groups[d.col.group] {
			bad(d.index+1, d.name, "repeats as text flags the file does not hold: give --ignore-columns "+d.name+
				" to import the file without it")
			continue
		}
		l.derived = append(l.derived, d.name)
	}
	for _, n := range ignore {
		if n = strings.TrimSpace(n); n != "" && !seen[strings.ToLower(n)] {
			bad(0, n, "--ignore-columns names a column the file does not have")
		}
	}
	for _, c := range RequiredColumns {
		switch k := strings.ToLower(c); {
		case !seen[k]:
			bad(0, c, "required column missing")
		case skip[k]:
			bad(0, c, "a required column cannot be ignored")
		}
	}
	return l
}
