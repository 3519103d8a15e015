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
}

// Protect chooses the withheld figures of s for threshold k: every figure
// from 1 to k-1 and every figure marked with Withhold, then complementary
// suppressions until Audit finds no withheld figure whose interval is
// narrower than k. Zeros are never withheld.
func Protect(s *System, k int) (Pattern, Stats) {
	p := make(Pattern, s.Len())
	st := Stats{Figures: s.Len()}
	for i, v := range s.values {
		if s.forced[i] || s.hidden[i] || (s.widths[i] == 0 && v >= 1 && v < int64(k)) {
			p[i] = true
			st.Primary++
		}
	}
	st.Complementary += lineRule(s, p, k)
	a := &auditor{safe: map[string]bool{}, suspects: map[int]bool{}}
	for {
		exposed, lps, comps := a.run(s, p, k)
		st.LPs += lps
		st.Components = comps
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
// narrower than k (none when the pattern is safe).
func Audit(s *System, p Pattern, k int) []Interval {
	exposed, _, _ := (&auditor{}).run(s, p, k)
	return exposed
}

// Intervals returns the interval a reader derives for every withheld figure.
func Intervals(s *System, p Pattern) []Interval {
	var out []Interval
	for _, comp := range components(s, p) {
		prog := buildProgram(s, p, comp, lowerBounds(s, p))
		for j, f := range comp {
			lo, hi, ok := prog.bounds(j)
			if !ok {
				lo, hi = math.NaN(), math.NaN()
			}
			lb := lowerBounds(s, p)[f]
			out = append(out, Interval{Figure: f, Lo: lo + lb, Hi: hi + lb})
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

func (a *auditor) run(s *System, p Pattern, k int) ([]Interval, int, int) {
	var exposed []Interval
	lps := 0
	comps := components(s, p)
	lower := lowerBounds(s, p)
	for _, comp := range comps {
		sig := signature(comp)
		if a.safe != nil && a.safe[sig] {
			continue
		}
		before := len(exposed)
		prog := buildProgram(s, p, comp, lower)
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
		for _, j := range order {
			f := comp[j]
			if !s.audited(f, k) {
				continue
			}
			lps += 2
			need := s.Width(f, k)
			lo, hi, ok := prog.boundsWithin(j, need)
			if ok && hi-lo >= need-tolerance*10 {
				continue
			}
			lb := lower[comp[j]]
			exposed = append(exposed, Interval{Figure: comp[j], Lo: lo + lb, Hi: hi + lb})
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

// signature identifies a component by its figures (in index order).
func signature(comp []int) string {
	b := make([]byte, 0, len(comp)*4)
	for _, f := range comp {
		b = append(b, byte(f>>24), byte(f>>16), byte(f>>8), byte(f))
	}
	return string(b)
}

// lowerBounds is 1 for every withheld figure (zeros are always released)
// and 0 for hidden ones.
func lowerBounds(s *System, _ Pattern) []float64 {
	lb := make([]float64, s.Len())
	for i := range lb {
		if !s.hidden[i] {
			lb[i] = 1
		}
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
	var find func(int) int
	find = func(i int) int {
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
