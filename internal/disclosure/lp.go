package disclosure

import (
	"math"
)

// Interval is the range a reader can derive for a withheld figure: Hi is
// +Inf when nothing bounds it from above.
type Interval struct {
	Figure int
	Lo, Hi float64
}

// Width is Hi - Lo.
func (iv Interval) Width() float64 { return iv.Hi - iv.Lo }

// tolerance of comparisons between LP results.
const tolerance = 1e-7

// program is one component's LP in standard form over the withheld figures
// of the component (shifted by their lower bound 1) and one slack per
// inequality: A y = b, y >= 0.
type program struct {
	vars []int // figures, in column order
	col  map[int]int
	a    [][]float64
	b    []float64
	// start is the feasible tableau shared by every bound of the
	// component, copied to work for each; failed records that phase 1
	// failed.
	start  *tableau
	work   tableau
	failed bool
}

// buildProgram writes the relations touching the withheld figures vars as
// an LP in standard form, with released figures at their values and each
// withheld figure at least lower (the shift of its column). A view's
// reader (v not nil) also knows that the rest of every figure (figure -
// its part) obeys each inequality whose rest the true values obey; an
// equality's rest is implied by the equalities of figure and part. A
// figure's bound from an earlier version caps its column.
func buildProgram(s *System, withheld []bool, vars []int, lower []float64, v *view) *program {
	p := &program{vars: vars, col: map[int]int{}}
	for j, f := range vars {
		p.col[f] = j
	}
	var rows [][]float64
	var rhs []float64
	var slack []bool
	for _, r := range s.relations {
		row := make([]float64, len(vars))
		b := float64(r.Rhs)
		touched := false
		for _, t := range r.Terms {
			if j, ok := p.col[t.Figure]; ok && withheld[t.Figure] {
				row[j] += t.Coef
				b -= t.Coef * lower[t.Figure]
				touched = true
			} else {
				b -= t.Coef * float64(s.values[t.Figure])
			}
		}
		if !touched {
			continue
		}
		if v != nil && r.Sense == AtMost {
			b += restShift(s, r, v)
		}
		rows = append(rows, row)
		rhs = append(rhs, b)
		slack = append(slack, r.Sense == AtMost)
	}
	for j, f := range vars {
		if bd, ok := s.bounds[f]; ok && withheld[f] {
			row := make([]float64, len(vars))
			row[j] = 1
			rows = append(rows, row)
			rhs = append(rhs, bd[1]-lower[f])
			slack = append(slack, true)
		}
	}
	p.a, p.b = standardForm(rows, rhs, slack)
	return p
}

// restShift is what a view's reader may subtract from the right-hand side
// of an inequality: the sum of its known parts, when the rest of the true
// values obeys the inequality too (it does whenever the parts are the
// persons of one organization's cases); 0 otherwise.
func restShift(s *System, r Relation, v *view) float64 {
	if r.Rhs != 0 {
		return 0
	}
	var shift, rest int64
	for _, t := range r.Terms {
		part := v.known[t.Figure]
		shift += int64(t.Coef) * part
		rest += int64(t.Coef) * (s.values[t.Figure] - part)
	}
	if shift >= 0 || rest > 0 {
		return 0
	}
	return float64(shift)
}

// standardForm adds a slack column per inequality and makes every
// right-hand side non-negative.
func standardForm(rows [][]float64, rhs []float64, slack []bool) ([][]float64, []float64) {
	nslack := 0
	for _, sl := range slack {
		if sl {
			nslack++
		}
	}
	var a [][]float64
	var b []float64
	k := 0
	for i, row := range rows {
		n := len(row)
		full := make([]float64, n+nslack)
		copy(full, row)
		if slack[i] {
			full[n+k] = 1
			k++
		}
		if rhs[i] < 0 {
			for j := range full {
				full[j] = -full[j]
			}
			rhs[i] = -rhs[i]
		}
		a = append(a, full)
		b = append(b, rhs[i])
	}
	return a, b
}

// bounds returns the smallest and largest value of the LP's variable j
// (before the shift by its lower bound). ok is false when the solver failed
// numerically; callers then treat the figure as exposed.
func (p *program) bounds(j int) (lo, hi float64, ok bool) {
	return p.boundsWithin(j, math.Inf(1))
}

// boundsWithin is bounds, except that the largest value is only searched
// up to lo + enough: a hi reported as lo + enough or more means "at least".
func (p *program) boundsWithin(j int, enough float64) (lo, hi float64, ok bool) {
	if len(p.a) == 0 {
		return 0, math.Inf(1), true
	}
	inRows := false
	for _, r := range p.a {
		inRows = inRows || r[j] != 0
	}
	if !inRows {
		return 0, math.Inf(1), true
	}
	if p.start == nil && !p.failed {
		p.start, ok = feasible(p.a, p.b)
		p.failed = !ok
	}
	if p.failed {
		return 0, 0, false
	}
	c := make([]float64, len(p.a[0]))
	c[j] = 1
	lo, ok = p.start.copyTo(&p.work).minimize(c)
	if !ok {
		return 0, 0, false
	}
	c[j] = -1
	v, ok := p.start.copyTo(&p.work).minimizeTo(c, -(lo + enough))
	switch {
	case !ok && math.IsInf(v, -1):
		return lo, math.Inf(1), true
	case !ok:
		return 0, 0, false
	}
	return lo, -v, true
}
