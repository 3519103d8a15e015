package ctdcimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readRows reads every row after the header into p: the good ones as
// persons, the bad ones as problems.
func (l *layout) readRows(r *csv.Reader, lastYear int, p *Parsed) error {
	n, sectorsCut, relationsCut := 0, 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			p.Problems = append(p.Problems, Problem{Line: pe.Line, Field: "row",
				Reason: fmt.Sprintf("malformed CSV at character %d: %v", pe.Column, pe.Err)})
			p.BadRows++
			continue
		}
		if err != nil {
			return fmt.Errorf("ctdcimport: %w", err)
		}
		if blank(rec) {
			continue
		}
		if n++; n > MaxRows {
			return ErrTooLarge
		}
		person, probs, cut := l.readRow(r, rec, lastYear)
		if len(probs) > 0 {
			p.Problems = append(p.Problems, probs...)
			p.BadRows++
			continue
		}
		sectorsCut += cut[0]
		relationsCut += cut[1]
		p.Persons = append(p.Persons, person)
	}
	if sectorsCut > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d rows set several labour sectors: Jardam records one, the first of %s",
			sectorsCut, strings.Join(sectorOrder, ", ")))
	}
	if relationsCut > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d rows set several relations to the recruiter: Jardam records one, the first of %s",
			relationsCut, strings.Join(relationOrder, ", ")))
	}
	return nil
}

// blank reports a row of empty cells (a line of separators only).
func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// readRow reads one row. It returns the person, the row's problems, and
// whether its labour sectors ([0]) and relations to the recruiter ([1])
// were reduced to one.
func (l *layout) readRow(r *csv.Reader, rec []string, lastYear int) (Person, []Problem, [2]int) {
	line, _ := r.FieldPos(0)
	var probs []Problem
	bad := func(index int, field, reason string) {
		at, _ := r.FieldPos(index)
		probs = append(probs, Problem{Line: at, Column: index + 1, Field: field, Reason: reason})
	}
	if len(rec) != l.width {
		return Person{}, []Problem{{Line: line, Field: "row", Reason: fmt.Sprintf("has %d fields, the header %d", len(rec), l.width)}}, [2]int{}
	}
	if l.lead && strings.TrimSpace(rec[0]) != "" {
		bad(0, "terms of use", "must be empty: the column under the terms-of-use cell holds no data")
	}
	w := row{p: Person{Line: line, Sex: "unknown", AgeBracket: "unknown"}, lastYear: lastYear}
	for _, b := range l.bound {
		if reason := b.col.read(&w, strings.TrimSpace(rec[b.index])); reason != "" {
			bad(b.index, b.name, reason)
		}
	}
	conflict, sectorsCut, relationsCut := w.finish()
	if conflict != "" {
		bad(l.majority, l.majorityName, conflict)
	}
	var cut [2]int
	if sectorsCut {
		cut[0] = 1
	}
	if relationsCut {
		cut[1] = 1
	}
	return w.p, probs, cut
}
