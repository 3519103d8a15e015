package stats

import (
	"math"

	"github.com/jardam-kg/jardam/internal/disclosure"
)

// Versions. A reader holding several versions of a year's release knows
// what each told: a figure's value where it was released, the interval a
// reader derives where it was withheld (stored with the version, as
// Release.Intervals: it is what any reader computes from that version).
// Corrections add or edit records, so nothing links a figure's values in
// two versions but the reader's guess that it did not change. The new
// version is audited against that guess (disclosure.System.Bound):
//
//   - a figure released earlier as e: when its value is still e, the reader
//     knows it whatever this version does (a pinned bound: it cannot serve
//     as a complementary suppression). A figure that moved is not bounded
//     by its earlier value: bounding a figure that moved by 1 to k-1
//     (withheld for that, see stickTo) to within k-1 of it would give the
//     reader the reason it is withheld, and a cell that was 0 and now
//     holds a few persons could then never be protected;
//   - a figure withheld earlier with the interval [lo, hi]: when its value
//     still lies in it, the reader may keep the interval;
//   - a relation of the figures' definitions with two or more members
//     withheld earlier: the earlier version's released members tell the
//     sum of the withheld ones (a line's total less its released cells);
//     when the true values still give that sum, the reader may keep it
//     (disclosure.System.Constrain). This is what subtracting two versions
//     gives: a half-year line whose withheld cells summed to 7 before a
//     correction, and whose new cell of 1 is withheld beside them after
//     it, with the total and the other cells released, tells the new
//     cell by subtraction.
//
// Every withheld figure must keep an interval of at least k with all of
// these bounds at once. The model gives the reader the truth about which
// figures changed (more than a reader has), so it withholds more than an
// exact model might, never less.

// Bounds of a withheld figure as a reader derives them: Hi nil when
// nothing bounds it from above.
type Bounds struct {
	Lo int64  `json:"lo"`
	Hi *int64 `json:"hi"`
}

// stickTo carries an earlier version into the new one: a figure withheld
// then stays withheld, and a figure released then whose value has changed
// by less than k is withheld (the two versions would otherwise tell the
// few persons a correction moved). It records what the earlier version
// tells a reader as bounds.
func stickTo(sys *disclosure.System, prev *Release, k int) {
	for key, v := range prev.Figures {
		i, ok := sys.Lookup(key)
		if !ok {
			continue
		}
		if v == nil {
			sys.Withhold(i)
			if b, ok := prev.Intervals[key]; ok {
				hi := math.Inf(1)
				if b.Hi != nil {
					hi = float64(*b.Hi)
				}
				sys.Bound(i, float64(b.Lo), hi)
			}
			continue
		}
		d := sys.Value(i) - *v
		switch {
		case d == 0:
			sys.Bound(i, float64(*v), float64(*v))
		case d > -int64(k) && d < int64(k):
			sys.Withhold(i)
		}
	}
	constrainBy(sys, prev)
}

// constrainBy records, for each relation of the definitions all of whose
// figures the earlier version prev holds, what prev tells about the sum of
// its members withheld then (two or more: one alone was never released by
// a relation, the line rule saw to it).
func constrainBy(sys *disclosure.System, prev *Release) {
	rels := sys.Relations()
	for _, r := range rels[:len(rels):len(rels)] {
		if r.Rhs != 0 {
			continue
		}
		var withheld []disclosure.Term
		rhs, whole := r.Rhs, true
		for _, t := range r.Terms {
			v, ok := prev.Figures[sys.Key(t.Figure)]
			if !ok {
				whole = false
				break
			}
			if v == nil {
				withheld = append(withheld, t)
				continue
			}
			rhs -= int64(t.Coef) * *v
		}
		if whole && len(withheld) >= 2 && len(withheld) < len(r.Terms) {
			sys.Constrain(withheld, r.Sense, rhs)
		}
	}
}

// readerIntervals is the interval a reader derives for every withheld
// figure of the release, in whole persons.
func readerIntervals(sys *disclosure.System, p disclosure.Pattern) map[string]Bounds {
	out := map[string]Bounds{}
	for _, iv := range disclosure.Intervals(sys, p) {
		if sys.Hidden(iv.Figure) || math.IsNaN(iv.Lo) {
			continue
		}
		b := Bounds{Lo: int64(math.Ceil(iv.Lo - 1e-6))}
		if !math.IsInf(iv.Hi, 1) && !math.IsNaN(iv.Hi) {
			hi := int64(math.Floor(iv.Hi + 1e-6))
			b.Hi = &hi
		}
		out[sys.Key(iv.Figure)] = b
	}
	return out
}
