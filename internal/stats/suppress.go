package stats

// Grid is the input of suppression: the cells of a table (row-major), the
// lines whose sums are treated as known (the rows and columns of a
// cross-tabulation; nothing more for a one-dimensional table), and the
// grand total, which is published and covers every cell.
type Grid struct {
	Counts []int64
	// Lines lists cell indexes whose sum an observer may know. The grand
	// total's line (every cell) is implicit.
	Lines [][]int
	Total int64
}

// Suppression says which cells, and whether the grand total, are withheld.
type Suppression struct {
	Cells []bool
	Total bool
}

// Suppress applies primary and complementary suppression with threshold k.
//
// Primary: a cell (or the grand total) from 1 to k-1 is withheld; zeros are
// released (an observer therefore knows a withheld cell is at least 1).
//
// Complementary: every line (each entry of g.Lines, and the line of all
// cells under the grand total) is treated as if its sum were published, so
// its withheld cells are known to add up to their sum S. A withheld cell of
// such a line can then take any value from 1 to S-(m-1), where m is the
// number of withheld cells in the line. A line is protected when m >= 2 and
// that range holds at least k values (S >= k+m-1). For each unprotected
// line the smallest released non-zero cell of the line is withheld as well
// (ties: the first); when none is left, the line of the grand total
// withholds the total itself. This repeats until no line changes (a fixed
// point: each step withholds one more cell, so it ends).
//
// Sums are the true cell counts; a line whose categories overlap (a person
// counted under several exploitation types) is treated the same way, which
// only withholds more.
func Suppress(g Grid, k int) Suppression {
	n := len(g.Counts)
	s := Suppression{Cells: make([]bool, n)}
	small := func(c int64) bool { return c >= 1 && c < int64(k) }
	for i, c := range g.Counts {
		s.Cells[i] = small(c)
	}
	if small(g.Total) {
		s.Total = true
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for changed := true; changed; {
		changed = false
		for li := 0; li <= len(g.Lines); li++ {
			grand := li == len(g.Lines)
			line := all
			if !grand {
				line = g.Lines[li]
			}
			if grand && s.Total {
				continue
			}
			sum, m := s.withheldIn(g, line)
			if m == 0 || (m >= 2 && sum >= int64(k+m-1)) {
				continue
			}
			best := -1
			for _, i := range line {
				if !s.Cells[i] && g.Counts[i] > 0 && (best < 0 || g.Counts[i] < g.Counts[best]) {
					best = i
				}
			}
			switch {
			case best >= 0:
				s.Cells[best] = true
				changed = true
			case grand:
				s.Total = true
				changed = true
			}
		}
	}
	return s
}

// crossLines returns the row and column lines of an r x c row-major grid
// (none when either is 1: a line is then one cell, or every cell, which the
// grand total already covers).
func crossLines(r, c int) [][]int {
	var lines [][]int
	if r < 2 || c < 2 {
		return nil
	}
	for i := 0; i < r && c > 1; i++ {
		row := make([]int, c)
		for j := range row {
			row[j] = i*c + j
		}
		lines = append(lines, row)
	}
	for j := 0; j < c && r > 1; j++ {
		col := make([]int, r)
		for i := range col {
			col[i] = i*c + j
		}
		lines = append(lines, col)
	}
	return lines
}

// withheldIn returns the sum and the number of the withheld cells of line.
func (s Suppression) withheldIn(g Grid, line []int) (sum int64, m int) {
	for _, i := range line {
		if s.Cells[i] {
			sum += g.Counts[i]
			m++
		}
	}
	return sum, m
}
