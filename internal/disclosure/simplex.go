package disclosure

import "math"

// tableau is a feasible simplex tableau of A y = b, y >= 0: rows are
// B^-1 A with the right-hand side B^-1 b in the last column, basis[i] the
// basic column of row i. It is found once per component (phase 1); each
// bound is then a phase 2 from a copy, so a component of n withheld
// figures costs one phase 1 and 2n short phase 2 runs.
type tableau struct {
	rows  [][]float64
	basis []int
	cols  int
	nz    []int // scratch of pivot
}

const eps = 1e-9

// feasible runs phase 1 on A y = b (b >= 0) and returns a feasible tableau
// over the original columns. ok is false when no feasible point was found
// (numerical trouble: the true values are always feasible).
func feasible(a [][]float64, b []float64) (*tableau, bool) {
	m := len(a)
	if m == 0 {
		return &tableau{}, true
	}
	n := len(a[0])
	width := n + m + 1
	rows := make([][]float64, m)
	basis := make([]int, m)
	for i := range a {
		r := make([]float64, width)
		copy(r, a[i])
		r[n+i] = 1
		r[width-1] = b[i]
		rows[i] = r
		basis[i] = n + i
	}
	t := &tableau{rows: rows, basis: basis, cols: width - 1}
	// Phase 1: minimize the sum of the artificial columns n..n+m-1.
	c := make([]float64, width-1)
	for j := n; j < n+m; j++ {
		c[j] = 1
	}
	if v, ok := t.minimize(c); !ok || v > 1e-6 {
		return nil, false
	}
	// Drive artificial columns out of the basis; a row where that is
	// impossible is a redundant equation and is dropped.
	keep := rows[:0]
	keepBasis := basis[:0]
	for i := range t.rows {
		if t.basis[i] >= n {
			pivoted := false
			for j := 0; j < n; j++ {
				if math.Abs(t.rows[i][j]) > 1e-7 {
					t.pivot(i, j)
					pivoted = true
					break
				}
			}
			if !pivoted {
				continue
			}
		}
		keep = append(keep, t.rows[i])
		keepBasis = append(keepBasis, t.basis[i])
	}
	for i, r := range keep {
		r[n] = r[width-1]
		keep[i] = r[:n+1]
	}
	return &tableau{rows: keep, basis: keepBasis, cols: n}, true
}

// copyTo makes c a copy of the tableau, reusing c's rows when they fit (a
// component's bounds all start from the same tableau), and returns c.
func (t *tableau) copyTo(c *tableau) *tableau {
	if len(c.rows) != len(t.rows) {
		c.rows = make([][]float64, len(t.rows))
	}
	for i, r := range t.rows {
		if len(c.rows[i]) != len(r) {
			c.rows[i] = make([]float64, len(r))
		}
		copy(c.rows[i], r)
	}
	c.basis = append(c.basis[:0], t.basis...)
	c.cols = t.cols
	return c
}

// pivot makes column j basic in row r.
func (t *tableau) pivot(r, j int) {
	pr := t.rows[r]
	f := pr[j]
	// The other rows change only where the pivot row is non-zero: its
	// columns are listed once (nz) rather than scanned again for each row.
	nz := t.nz[:0]
	for k := range pr {
		pr[k] /= f
		if pr[k] != 0 {
			nz = append(nz, k)
		}
	}
	t.nz = nz
	for i, row := range t.rows {
		if i == r {
			continue
		}
		g := row[j]
		if g == 0 {
			continue
		}
		for _, k := range nz {
			row[k] -= g * pr[k]
		}
		row[j] = 0
	}
	t.basis[r] = j
}

// minimize runs phase 2 for the objective c from the current feasible
// basis, with Bland's rule (no cycling). It returns the optimum; ok is
// false when the objective is unbounded below.
func (t *tableau) minimize(c []float64) (float64, bool) {
	return t.minimizeTo(c, math.Inf(-1))
}

// minimizeTo is minimize that stops as soon as the objective reaches
// target or below (enough to know the bound is at least that far).
func (t *tableau) minimizeTo(c []float64, target float64) (float64, bool) {
	rhs := t.cols
	// Pricing reads only the rows whose basic column has a non-zero cost
	// (costRows, with those costs in costs): in phase 2 (one non-zero
	// cost) at most one, so pricing a column costs O(1) instead of
	// O(rows). The sums are taken in row order as before, so the results
	// are the same to the bit. A basic column's reduced cost is exactly
	// zero (pivot leaves it a 1 in its row and zeros elsewhere), so basic
	// columns are not priced.
	costs := make([]float64, 0, len(t.rows))
	costRows := make([][]float64, 0, len(t.rows))
	basic := make([]bool, t.cols)
	for _, j := range t.basis {
		basic[j] = true
	}
	for iter := 0; iter < 50000; iter++ {
		costs, costRows = costs[:0], costRows[:0]
		for i, row := range t.rows {
			if cb := c[t.basis[i]]; cb != 0 {
				costs = append(costs, cb)
				costRows = append(costRows, row)
			}
		}
		if !math.IsInf(target, -1) {
			if v := objective(costs, costRows, rhs); v <= target {
				return v, true
			}
		}
		enter := -1
		for j := 0; j < t.cols; j++ {
			if basic[j] {
				continue
			}
			r := c[j]
			for k, row := range costRows {
				r -= costs[k] * row[j]
			}
			if r < -eps {
				enter = j
				break
			}
		}
		if enter < 0 {
			return objective(costs, costRows, rhs), true
		}
		leave, best := -1, math.Inf(1)
		for i, row := range t.rows {
			if row[enter] > eps {
				ratio := row[rhs] / row[enter]
				if ratio < best-eps || (math.Abs(ratio-best) <= eps && t.basis[i] < t.basis[leave]) {
					leave, best = i, ratio
				}
			}
		}
		if leave < 0 {
			return math.Inf(-1), false
		}
		basic[t.basis[leave]], basic[enter] = false, true
		t.pivot(leave, enter)
	}
	return math.NaN(), false
}

// objective is the value of the costs at the tableau's basic solution:
// costs[k] is the cost of the basic column of rows[k], whose value is in
// column rhs.
func objective(costs []float64, rows [][]float64, rhs int) float64 {
	v := 0.0
	for k, row := range rows {
		v += costs[k] * row[rhs]
	}
	return v
}
