// Package disclosure decides which figures of a statistical release are
// withheld, so that no figure a reader obtains reveals fewer than k persons,
// alone or combined with every other figure of the release.
//
// A release is a System: every figure a reader can obtain (a table cell, a
// total, a month of a series, an indicator, a report figure), each with its
// true value, and the linear relations a reader knows to hold between them
// because of how they are defined: a total is the sum of its cells, a year
// the sum of its halves, a person counted in a year is counted in at least
// one of its halves, and so on. Figures that two outputs share (the total of
// persons identified in a half-year is the total of every table of persons
// identified, the series' months and the indicator) are one figure with one
// key, so they get one decision.
//
// The guarantee (checked by Audit): for every withheld figure, the smallest
// and largest values consistent with every released figure, every relation,
// non-negativity and the publication rule (zeros are always released, so a
// withheld figure is at least 1) differ by at least k. Those bounds are what
// a reader gets by linear programming, so Audit computes them the same way.
//
// Why this method. Suppression that treats each table and period on its own
// (what the first version did) is defeated by subtracting a half-year from
// its year. Exact methods for the general case are: (a) network flow, exact
// for two-dimensional tables only, while a year of releases is a
// three-dimensional hierarchy (time x rows x columns) tied to other tables
// through shared totals; (b) integer programming for an optimal pattern,
// which needs a MIP solver; (c) a heuristic pattern audited by linear
// programming, adding suppressions until the audit passes. Jardam does (c):
// primary suppression, the classic line rule (no line of a sum with exactly
// one withheld member), then an LP audit of each connected component of
// withheld figures; a withheld figure whose interval is narrower than k
// makes the smallest released non-zero figure sharing a relation with it
// withheld too, and its component is audited again. Each step withholds one
// more figure, so it ends; the result may withhold more than an optimal
// pattern would, never less than the guarantee needs. The LPs are solved by
// a dense simplex with Bland's rule written for this shape of problem: one
// phase 1 per component gives a feasible tableau (it also drops the
// dependent rows that a table's margins produce, which general dense
// solvers reject as singular), and each bound is a short phase 2 from a
// copy of it. A component found safe is not audited again until it grows.
//
// A release is computed once per period and correction and stored; readers
// are served the stored release, never an LP per request.
package disclosure

import "fmt"

// Sense is the direction of a relation.
type Sense int

// Senses of a relation: sum(terms) = 0 or sum(terms) <= 0.
const (
	Equal Sense = iota
	AtMost
)

// Term is one figure of a relation with its coefficient.
type Term struct {
	Figure int
	Coef   float64
}

// Relation is sum(Coef * figure) {=, <=} Rhs between figures of a System.
type Relation struct {
	Terms []Term
	Sense Sense
	// Rhs is 0 for the relations of the figures' definitions; a relation
	// an earlier version of the release tells (Constrain) has its own.
	Rhs int64
	// Line marks a relation of the form total = sum(parts), to which the
	// line rule applies.
	Line bool
}

// System is the set of figures of a release and the relations between them.
// Build it with Figure and the relation methods; the zero value is ready.
type System struct {
	keys      []string
	values    []int64
	forced    []bool
	index     map[string]int
	relations []Relation
	hidden    map[int]bool
	views     []view
	viewIndex map[string]int
	bounds    map[int][2]float64
	// constrained holds the relations recorded by Constrain.
	constrained map[string]bool
	// widths holds the interval an amount must keep when withheld, for
	// the figures that are not counts of persons (see Amount).
	widths map[int]float64
}

// Figure adds a figure with its true value, or returns the existing figure
// of that key. A key given twice with different values is a programming
// error in the caller's definitions (two outputs that should be one figure
// disagree): it panics.
func (s *System) Figure(key string, value int64) int {
	if s.index == nil {
		s.index = map[string]int{}
	}
	if i, ok := s.index[key]; ok {
		if s.values[i] != value {
			panic(fmt.Sprintf("disclosure: figure %s given as %d and %d", key, s.values[i], value))
		}
		return i
	}
	if value < 0 {
		panic(fmt.Sprintf("disclosure: figure %s is negative", key))
	}
	s.keys = append(s.keys, key)
	s.values = append(s.values, value)
	s.forced = append(s.forced, false)
	s.index[key] = len(s.keys) - 1
	return len(s.keys) - 1
}

// Lookup returns the figure of key.
func (s *System) Lookup(key string) (int, bool) {
	i, ok := s.index[key]
	return i, ok
}

// Len is the number of figures.
func (s *System) Len() int { return len(s.keys) }

// Key returns the key of figure i.
func (s *System) Key(i int) string { return s.keys[i] }

// Value returns the true value of figure i.
func (s *System) Value(i int) int64 { return s.values[i] }

// Relations returns the relations of the system.
func (s *System) Relations() []Relation { return s.relations }

// Withhold marks figure i as withheld whatever its value (a figure withheld
// in an earlier version, or one whose guard count is small). A zero is
// never withheld: the reader knows zeros are released.
func (s *System) Withhold(i int) {
	if s.values[i] > 0 {
		s.forced[i] = true
	}
}

// Sum records total = sum(parts): a distinct count over disjoint parts (the
// cells of a one-valued attribute, a year's halves for persons identified).
func (s *System) Sum(total int, parts ...int) {
	r := Relation{Sense: Equal, Line: true, Terms: []Term{{total, -1}}}
	for _, p := range parts {
		r.Terms = append(r.Terms, Term{p, 1})
	}
	s.relations = append(s.relations, r)
}

// AtMostOf records part <= whole.
func (s *System) AtMostOf(part, whole int) {
	s.relations = append(s.relations, Relation{Sense: AtMost, Terms: []Term{{part, 1}, {whole, -1}}})
}

// Cover records a distinct count over overlapping parts whose union is the
// whole (a person with several types of exploitation, or assisted in both
// halves of a year): each part is at most the whole, and the whole at most
// the sum of the parts.
func (s *System) Cover(whole int, parts ...int) {
	r := Relation{Sense: AtMost, Terms: []Term{{whole, 1}}}
	for _, p := range parts {
		s.AtMostOf(p, whole)
		r.Terms = append(r.Terms, Term{p, -1})
	}
	s.relations = append(s.relations, r)
}

// Hide adds a figure that no output releases (the persons of every
// organization not listed in a report, say) but that a reader may bound
// through the relations: it is always withheld, may be zero, and is audited
// only when its value is from 1 to k-1.
func (s *System) Hide(key string, value int64) int {
	i := s.Figure(key, value)
	if s.hidden == nil {
		s.hidden = map[int]bool{}
	}
	s.hidden[i] = true
	return i
}

// Hidden reports whether figure i is never released.
func (s *System) Hidden(i int) bool { return s.hidden[i] }

// DropFalse removes the relations the true values do not satisfy (a record
// with an end date before its start, say): a reader cannot rely on them.
// It returns how many it removed.
func (s *System) DropFalse() int {
	kept := s.relations[:0]
	dropped := 0
	for _, r := range s.relations {
		var sum int64
		for _, t := range r.Terms {
			sum += int64(t.Coef) * s.values[t.Figure]
		}
		if !r.holds(sum) {
			dropped++
			continue
		}
		kept = append(kept, r)
	}
	s.relations = kept
	return dropped
}

// holds reports whether sum, the relation's left-hand side at the true
// values, satisfies it.
func (r Relation) holds(sum int64) bool {
	if r.Sense == Equal {
		return sum == r.Rhs
	}
	return sum <= r.Rhs
}

// Constrain records sum(terms) {=, <=} rhs as known to every reader (what
// an earlier version of the release tells about the figures it withheld,
// on the reader's guess that they did not change), when the true values
// satisfy it: otherwise the guess is wrong, the reader holding it learns
// that something changed and nothing more. It reports whether it was
// recorded; a relation recorded before is not recorded again.
func (s *System) Constrain(terms []Term, sense Sense, rhs int64) bool {
	r := Relation{Terms: terms, Sense: sense, Rhs: rhs}
	var sum int64
	for _, t := range terms {
		sum += int64(t.Coef) * s.values[t.Figure]
	}
	if !r.holds(sum) {
		return false
	}
	key := fmt.Sprint(terms, sense, rhs)
	if s.constrained == nil {
		s.constrained = map[string]bool{}
	}
	if s.constrained[key] {
		return false
	}
	s.constrained[key] = true
	s.relations = append(s.relations, r)
	return true
}
