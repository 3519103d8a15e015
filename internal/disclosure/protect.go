package disclosure

import (
	"math"
	"sort"
)

// Pattern says, per figure of a System, whether it is withheld.
type Pattern []bool

// Withheld counts the withheld figures.
func (p Pattern) Withheld() int {
	n := 0
	for _, w := range p {
		if w {
			n++
		}
	}
	return n
}

// Stats describes the work Protect did.
type Stats struct {
	Figures, Primary, Complementary, Components, LPs int
	// Views is how many readers' views (Know) were audited besides the
	// national one; ViewLPs the LPs their audits solved.
	Views, ViewLPs int
}

// Protect chooses the withheld figures of s for threshold k: every figure
// from 1 to k-1 and every figure marked with Withhold, then complementary
// suppressions until Audit finds no withheld figure whose interval is
// narrower than k, for the national reader and for the reader of every
// view recorded with Know. Zeros are never withheld.
func Protect(s *System, k int) (Pattern, Stats) {
	p := make(Pattern, s.Len())
	st := Stats{Figures: s.Len(), Views: len(s.views)}
	for i, v := range s.values {
		if s.forced[i] || s.hidden[i] || (s.widths[i] == 0 && v >= 1 && v < int64(k)) {
			p[i] = true
			st.Primary++
		}
	}
	st.Complementary += lineRule(s, p, k)
	a := &auditor{safe: map[string]bool{}, suspects: map[int]bool{}}
	for {
		exposed, lps, comps := a.run(s, p, k, nil)
		st.LPs += lps
		st.Components = comps
		if len(exposed) == 0 {
			// The views are audited once the national pattern holds: most
			// of their components are then safe already.
			for i := range s.views {
				ex, lps, _ := a.run(s, p, k, &s.views[i])
				st.ViewLPs += lps
				exposed = append(exposed, ex...)
			}
		}
		if len(exposed) == 0 {
			return p, st
		}
		// One complement per exposed component and pass: components are
		// independent, so their fixes do not interact.
		added := false
		for _, iv := range exposed {
			a.suspects[iv.Figure] = true
			if p.complement(s, iv.Figure) {
				added = true
				st.Complementary++
			}
		}
		if !added {
			// No released non-zero figure is related to the exposed ones:
			// nothing more can protect them (Audit reports them).
			return p, st
		}
	}
}

// Audit returns the interval of every withheld figure whose interval is
// narrower than k (none when the pattern is safe), for the national reader
// (views are audited by AuditKnown).
func Audit(s *System, p Pattern, k int) []Interval {
	exposed, _, _ := (&auditor{}).run(s, p, k, nil)
	return exposed
}

// Intervals returns the interval a reader derives for every withheld figure.
func Intervals(s *System, p Pattern) []Interval {
	return intervals(s, p, nil)
}

func intervals(s *System, p Pattern, known []float64) []Interval {
	var v *view
	if known != nil {
		v = &view{known: sparse(known)}
	}
	lower := floors(s, v)
	var out []Interval
	for _, comp := range components(s, p) {
		prog := buildProgram(s, p, comp, lower, v)
		for j, f := range comp {
			lo, hi, ok := prog.bounds(j)
			if !ok {
				lo, hi = math.NaN(), math.NaN()
			}
			out = append(out, Interval{Figure: f, Lo: lo + lower[f], Hi: hi + lower[f]})
		}
	}
	return out
}

// auditor checks each component of withheld figures. With a safe cache
// (Protect's) it skips the components found safe before, checks the
// figures exposed in earlier passes first (the likeliest to still be),
// stops a component at its first exposed figure (enough to act on) and
// records the components found safe; without one it reports every exposed
// figure.
type auditor struct {
	safe     map[string]bool
	suspects map[int]bool
}

// run audits the national reader (v nil) or the reader of view v, who is
// only audited on the components tied to a figure it knows a part of
// (elsewhere it reads what the national reader reads).
func (a *auditor) run(s *System, p Pattern, k int, v *view) ([]Interval, int, int) {
	var exposed []Interval
	lps := 0
	comps := components(s, p)
	lower := floors(s, v)
	var mine map[int]bool
	prefix := ""
	if v != nil {
		mine = touched(s, comps, v)
		prefix = v.name + "\x00"
	}
	for c, comp := range comps {
		if v != nil && !mine[c] {
			continue
		}
		sig := prefix + signature(comp)
		if (a.safe != nil && a.safe[sig]) || (v != nil && !v.restIn(s, comp)) {
			continue
		}
		before := len(exposed)
		prog := buildProgram(s, p, comp, lower, v)
		for _, j := range a.order(s, comp) {
			f := comp[j]
			if !s.audited(f, k) || s.pinned(f) || (v != nil && v.rest(s, f) == 0) {
				continue
			}
			lps += 2
			need := s.Width(f, k)
			lo, hi, ok := prog.boundsWithin(j, need)
			if ok && hi-lo >= need-tolerance*10 {
				continue
			}
			exposed = append(exposed, Interval{Figure: f, Lo: lo + lower[f], Hi: hi + lower[f]})
			if a.safe != nil {
				break
			}
		}
		if a.safe != nil && len(exposed) == before {
			a.safe[sig] = true
		}
	}
	return exposed, lps, len(comps)
}

// order lists the columns of comp in the order to check them: the figures
// exposed in earlier passes, then the smallest values.
func (a *auditor) order(s *System, comp []int) []int {
	order := make([]int, len(comp))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool {
		fx, fy := comp[order[x]], comp[order[y]]
		if a.suspects[fx] != a.suspects[fy] {
			return a.suspects[fx]
		}
		return s.values[fx] < s.values[fy]
	})
	return order
}

// rest is the persons of figure f that the view's reader does not hold
// (every other organization's). A rest of 0 is not audited: there is no
// one else there to disclose, and the reader learns from its interval
// only how many others there could be, which is about no one (as a
// released zero tells that no one is there).
func (v *view) rest(s *System, f int) int64 { return s.values[f] - v.known[f] }

// restIn reports whether some figure of comp has a positive rest.
func (v *view) restIn(s *System, comp []int) bool {
	for _, f := range comp {
		if v.rest(s, f) > 0 {
			return true
		}
	}
	return false
}

// signature identifies a component by its figures (in index order).
func signature(comp []int) string {
	b := make([]byte, 0, len(comp)*4)
	for _, f := range comp {
		b = append(b, byte(f>>24), byte(f>>16), byte(f>>8), byte(f))
	}
	return string(b)
}

// floors is the least value of each figure a reader knows: 1 for every
// figure that may be released (zeros are always released, so a withheld
// one is at least 1), 0 for hidden ones; raised to the reader's own part
// in a view and to the lower end of a bound from an earlier version.
func floors(s *System, v *view) []float64 {
	lb := make([]float64, s.Len())
	for i := range lb {
		if !s.hidden[i] {
			lb[i] = 1
		}
	}
	if v != nil {
		for i, part := range v.known {
			lb[i] = max(lb[i], float64(part))
		}
	}
	for i, b := range s.bounds {
		lb[i] = max(lb[i], b[0])
	}
	return lb
}

// components groups the withheld figures that share a relation, directly
// or through other withheld figures; released figures are constants and do
// not connect.
func components(s *System, p Pattern) [][]int {
	parent := make([]int, s.Len())
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, r := range s.relations {
		first := -1
		for _, t := range r.Terms {
			if !p[t.Figure] {
				continue
			}
			if first < 0 {
				first = t.Figure
				continue
			}
			parent[find(t.Figure)] = find(first)
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i, w := range p {
		if !w {
			continue
		}
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	out := make([][]int, 0, len(roots))
	for _, r := range roots {
		out = append(out, groups[r])
	}
	return out
}

// lineRule applies the classic rule to every relation total = sum(parts)
// before any LP: a line with exactly one withheld member gives it away, and
// with the total released, m withheld parts summing to S leave each of
// them a range of S-(m-1) values at most, so S must reach k+m-1. The
// smallest released non-zero part (or the total) is withheld until the
// line holds. It returns how many figures it added.
func lineRule(s *System, p Pattern, k int) int {
	added := 0
	for changed := true; changed; {
		changed = false
		for _, r := range s.relations {
			if !r.Line {
				continue
			}
			total := r.Terms[0].Figure
			m, needs, sum, best := 0, 0, int64(0), -1
			for _, t := range r.Terms[1:] {
				switch {
				case p[t.Figure]:
					m++
					sum += s.values[t.Figure]
					if s.audited(t.Figure, k) {
						needs++
					}
				case s.values[t.Figure] > 0 && (best < 0 || s.values[t.Figure] < s.values[best]):
					best = t.Figure
				}
			}
			weak := false
			switch {
			case p[total]:
				weak = m == 0 && s.audited(total, k)
			default:
				weak = needs > 0 && (m == 1 || (m >= 2 && sum < int64(k+m-1)))
			}
			if !weak {
				continue
			}
			if best < 0 && !p[total] && s.values[total] > 0 {
				best = total
			}
			if best >= 0 {
				p[best] = true
				added++
				changed = true
			}
		}
	}
	return added
}

// complement withholds one more figure to protect the exposed figure f: of
// the relations holding f, the one with the fewest released non-zero
// members is the likeliest to pin it, and its smallest such member (a
// total only when no part is left) is withheld. When no relation of f has
// one, a relation of f's component is used. It reports whether it found a
// figure to withhold.
func (p Pattern) complement(s *System, f int) bool {
	best := p.pick(s, func(r Relation) bool { return holds(r, f) })
	if best < 0 {
		comp := map[int]bool{}
		for _, c := range components(s, p) {
			if contains(c, f) {
				for _, x := range c {
					comp[x] = true
				}
			}
		}
		best = p.pick(s, func(r Relation) bool {
			for _, t := range r.Terms {
				if comp[t.Figure] {
					return true
				}
			}
			return false
		})
	}
	if best < 0 {
		return false
	}
	p[best] = true
	return true
}

// pick chooses the figure to withhold among the relations accepted by use.
func (p Pattern) pick(s *System, use func(Relation) bool) int {
	best, bestFree := -1, 0
	for _, r := range s.relations {
		if !use(r) {
			continue
		}
		cand, free := -1, 0
		for i, t := range r.Terms {
			j := t.Figure
			if p[j] || s.values[j] == 0 {
				continue
			}
			free++
			total := r.Line && i == 0
			if cand < 0 || better(s, j, total, cand, r.Line && cand == r.Terms[0].Figure) {
				cand = j
			}
		}
		if cand >= 0 && (best < 0 || free < bestFree || (free == bestFree && s.values[cand] < s.values[best])) {
			best, bestFree = cand, free
		}
	}
	return best
}

// better prefers a part to a total, then the smaller value.
func better(s *System, j int, jTotal bool, cand int, candTotal bool) bool {
	if jTotal != candTotal {
		return !jTotal
	}
	return s.values[j] < s.values[cand]
}

func holds(r Relation, f int) bool {
	for _, t := range r.Terms {
		if t.Figure == f {
			return true
		}
	}
	return false
}

func contains(list []int, f int) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}
