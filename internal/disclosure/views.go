package disclosure

// A reader may know more than the release. Two kinds of knowledge are
// audited besides the release itself:
//
//   - Views: a supervisor reads the national figures while knowing their
//     own organization's exact part of each (the persons of the cases it
//     owns). Know records that part per view; the audit of a view lets
//     the reader know every part and requires the rest (the persons of
//     every other organization) to keep an interval of at least k wherever
//     it holds someone (a rest of 0 has no one to disclose).
//   - Bounds: a reader holding earlier versions of the release knows what
//     each of them told about a figure: its value when released then, the
//     interval a reader derived for it when withheld. Bound records such an
//     interval; every audit (the national one and each view's) applies it.

// view is one reader's known parts: figure to the reader's own part of it.
type view struct {
	name  string
	known map[int]int64
}

// Know records that the readers of view know that part of figure i's
// count is their own (the persons of their organization's cases, say):
// the figure is part + rest with rest >= 0 unknown to them. Parts add up
// when given twice.
func (s *System) Know(viewName string, i int, part int64) {
	if part == 0 {
		return
	}
	if s.viewIndex == nil {
		s.viewIndex = map[string]int{}
	}
	v, ok := s.viewIndex[viewName]
	if !ok {
		v = len(s.views)
		s.viewIndex[viewName] = v
		s.views = append(s.views, view{name: viewName, known: map[int]int64{}})
	}
	s.views[v].known[i] += part
}

// Views returns the names of the views recorded with Know, in the order
// first given.
func (s *System) Views() []string {
	out := make([]string, len(s.views))
	for i, v := range s.views {
		out[i] = v.name
	}
	return out
}

// Known returns the parts of view as a vector over the figures (nil for an
// unknown view).
func (s *System) Known(viewName string) []float64 {
	v, ok := s.viewIndex[viewName]
	if !ok {
		return nil
	}
	return s.views[v].dense(s.Len())
}

func (v view) dense(n int) []float64 {
	out := make([]float64, n)
	for i, x := range v.known {
		out[i] = float64(x)
	}
	return out
}

// Bound records that every reader may know lo <= figure i <= hi (from an
// earlier version of the release). Bounds of one figure intersect. A bound
// its true value lies outside is ignored: it is not knowledge, and the
// reader holding it learns that the figure changed, nothing more.
func (s *System) Bound(i int, lo, hi float64) {
	v := float64(s.values[i])
	if v < lo || v > hi {
		return
	}
	if s.bounds == nil {
		s.bounds = map[int][2]float64{}
	}
	if b, ok := s.bounds[i]; ok {
		lo, hi = max(lo, b[0]), min(hi, b[1])
	}
	s.bounds[i] = [2]float64{lo, hi}
}

// pinned reports whether a bound gives figure i's value away: it was
// released in an earlier version and has not changed, so it is public
// whatever this version does.
func (s *System) pinned(i int) bool {
	b, ok := s.bounds[i]
	return ok && b[1]-b[0] < tolerance
}

// AuditKnown is Audit for a reader who knows the parts known (a vector
// over the figures, as Known returns): every withheld figure whose rest
// (figure - part) is positive and keeps an interval narrower than k.
func AuditKnown(s *System, p Pattern, k int, known []float64) []Interval {
	exposed, _, _ := (&auditor{}).run(s, p, k, &view{name: "audit", known: sparse(known)})
	return exposed
}

// IntervalsKnown returns the interval a reader knowing the parts known
// derives for every withheld figure.
func IntervalsKnown(s *System, p Pattern, known []float64) []Interval {
	return intervals(s, p, known)
}

func sparse(known []float64) map[int]int64 {
	out := map[int]int64{}
	for i, x := range known {
		if x != 0 {
			out[i] = int64(x)
		}
	}
	return out
}

// touched returns the components (by index in comps) that some relation
// ties to a figure of which the view knows a part: only those can read
// differently in the view than nationally.
func touched(s *System, comps [][]int, v *view) map[int]bool {
	compOf := map[int]int{}
	for c, comp := range comps {
		for _, f := range comp {
			compOf[f] = c
		}
	}
	out := map[int]bool{}
	for f := range v.known {
		if c, ok := compOf[f]; ok {
			out[c] = true
		}
	}
	for _, r := range s.relations {
		knows := false
		for _, t := range r.Terms {
			knows = knows || v.known[t.Figure] != 0
		}
		if !knows {
			continue
		}
		for _, t := range r.Terms {
			if c, ok := compOf[t.Figure]; ok {
				out[c] = true
			}
		}
	}
	return out
}
