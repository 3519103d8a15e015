package stats

import (
	"math/rand"
	"testing"
)

// lineRangeOK checks, for each line with withheld cells (and the grand
// line unless the total is withheld), that no cell lies in 1..k-1 released
// and each withheld cell's range implied by the line sum holds at least k
// values.
func checkLines(t *testing.T, g Grid, s Suppression, k int) {
	t.Helper()
	for i, c := range g.Counts {
		if !s.Cells[i] && c >= 1 && c < int64(k) {
			t.Fatalf("cell %d = %d released below k=%d", i, c, k)
		}
		if s.Cells[i] && c == 0 {
			t.Fatalf("zero cell %d withheld", i)
		}
	}
	if !s.Total && g.Total >= 1 && g.Total < int64(k) {
		t.Fatalf("total %d released below k", g.Total)
	}
	all := make([]int, len(g.Counts))
	for i := range all {
		all[i] = i
	}
	lines := append(append([][]int{}, g.Lines...), all)
	for li, line := range lines {
		if li == len(lines)-1 && s.Total {
			continue
		}
		sum, m := s.withheldIn(g, line)
		if m == 0 {
			continue
		}
		if li < len(lines)-1 {
			// A row or column: unprotectable only when it has no released
			// non-zero cell left.
			free := false
			for _, i := range line {
				free = free || (!s.Cells[i] && g.Counts[i] > 0)
			}
			if free && (m < 2 || sum-int64(m)+1 < int64(k)) {
				t.Fatalf("line %v: %d withheld cells summing to %d: range narrower than k=%d", line, m, sum, k)
			}
			continue
		}
		if m < 2 || sum-int64(m)+1 < int64(k) {
			t.Fatalf("grand line: %d withheld cells summing to %d with the total released: range narrower than k=%d", m, sum, k)
		}
	}
}

// derivable brute-forces every assignment of the withheld cells (each at
// least 1, as zeros are released) consistent with the released numbers:
// the released cells and the grand total unless withheld, and, with
// margins, the sum of every row and column as well (as if another table
// gave them away). It returns a withheld cell that has one possible value
// only, or -1.
func derivable(g Grid, s Suppression, margins bool) int {
	var hidden []int
	for i, sup := range s.Cells {
		if sup {
			hidden = append(hidden, i)
		}
	}
	all := make([]int, len(g.Counts))
	for i := range all {
		all[i] = i
	}
	var lines [][]int
	if margins {
		lines = append(lines, g.Lines...)
	}
	if !s.Total {
		lines = append(lines, all)
	}
	// Values beyond the true sum are tried too: an observer does not know
	// it when the total is withheld.
	maxV := int64(8)
	for _, c := range g.Counts {
		maxV += c
	}
	vals := make([]int64, len(g.Counts))
	copy(vals, g.Counts)
	seen := make([]map[int64]bool, len(hidden))
	for i := range seen {
		seen[i] = map[int64]bool{}
	}
	var rec func(h int)
	rec = func(h int) {
		if h == len(hidden) {
			for _, line := range lines {
				var want, got int64
				for _, i := range line {
					want += g.Counts[i]
					got += vals[i]
				}
				if want != got {
					return
				}
			}
			for j, i := range hidden {
				seen[j][vals[i]] = true
			}
			return
		}
		for v := int64(1); v <= maxV; v++ {
			vals[hidden[h]] = v
			rec(h + 1)
		}
		vals[hidden[h]] = g.Counts[hidden[h]]
	}
	rec(0)
	for j, i := range hidden {
		if len(seen[j]) < 2 {
			return i
		}
	}
	return -1
}

// suppressCase is a grid (rows 0: one-dimensional) and the cells and
// total Suppress must withhold.
type suppressCase struct {
	name      string
	counts    []int64
	rows      int
	total     int64
	wantCells []bool
	wantTotal bool
}

// suppressCases are the hand-checked grids of TestSuppress.
func suppressCases() []suppressCase {
	return []suppressCase{
		{
			name:      "NothingSmallReleasesAll",
			counts:    []int64{10, 0, 7},
			total:     17,
			wantCells: []bool{false, false, false},
		},
		{
			name:      "OneSmallCellTakesTheNextSmallest",
			counts:    []int64{12, 2, 7, 0},
			total:     21,
			wantCells: []bool{false, true, true, false},
		},
		{
			name:      "TwoOnesAreNotEnoughAThirdIsWithheld",
			counts:    []int64{1, 1, 9, 20},
			total:     31,
			wantCells: []bool{true, true, true, false},
		},
		{
			name:      "SmallCellAloneWithZerosWithholdsTheTotal",
			counts:    []int64{0, 3, 0},
			total:     3,
			wantCells: []bool{false, true, false},
			wantTotal: true,
		},
		{
			name:      "SmallCellBesideZerosTakesTheOnlyOtherCell",
			counts:    []int64{0, 3, 0, 6},
			total:     9,
			wantCells: []bool{false, true, false, true},
		},
		{
			// 2x3: row 0 = 2, 8, 9; row 1 = 6, 7, 10.
			name:      "CrossTabWithholdsARectangle",
			counts:    []int64{2, 8, 9, 6, 7, 10},
			rows:      2,
			total:     42,
			wantCells: []bool{true, true, false, true, true, false},
		},
		{
			name:      "AllZerosReleased",
			counts:    []int64{0, 0, 0, 0},
			rows:      2,
			total:     0,
			wantCells: []bool{false, false, false, false},
		},
	}
}

func TestSuppress(t *testing.T) {
	const k = 5
	for _, tc := range suppressCases() {
		t.Run(tc.name, func(t *testing.T) {
			g := Grid{Counts: tc.counts, Total: tc.total}
			if tc.rows > 0 {
				g.Lines = crossLines(tc.rows, len(tc.counts)/tc.rows)
			}
			s := Suppress(g, k)
			for i := range tc.wantCells {
				if s.Cells[i] != tc.wantCells[i] {
					t.Fatalf("cells withheld %v, want %v", s.Cells, tc.wantCells)
				}
			}
			if s.Total != tc.wantTotal {
				t.Fatalf("total withheld %v, want %v", s.Total, tc.wantTotal)
			}
			checkLines(t, g, s, k)
			if i := derivable(g, s, false); i >= 0 {
				t.Fatalf("withheld cell %d (%d) derivable from the released numbers", i, tc.counts[i])
			}
			if i := derivable(g, s, true); i >= 0 {
				t.Fatalf("withheld cell %d (%d) derivable from the released numbers and the margins", i, tc.counts[i])
			}
		})
	}
}

// TestSuppressRandomGrids is the property test: over random one- and
// two-dimensional grids, no released cell lies in 1..k-1, and every
// withheld cell's range implied by the released line sums holds at least k
// values; on small grids a brute force finds no withheld cell derivable by
// subtraction.
func TestSuppressRandomGrids(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for iter := 0; iter < 3000; iter++ {
		k := 3 + rng.Intn(9)
		rows := 1 + rng.Intn(4)
		cols := 1 + rng.Intn(5)
		small := rows*cols <= 6
		counts := make([]int64, rows*cols)
		var total int64
		for i := range counts {
			switch rng.Intn(4) {
			case 0:
				counts[i] = 0
			case 1:
				counts[i] = 1 + rng.Int63n(int64(k-1))
			default:
				counts[i] = rng.Int63n(int64(3 * k))
			}
			if small && counts[i] > 8 {
				counts[i] = 8 // keep the brute force small
			}
			total += counts[i]
		}
		g := Grid{Counts: counts, Total: total}
		if rows > 1 {
			g.Lines = crossLines(rows, cols)
		}
		s := Suppress(g, k)
		checkLines(t, g, s, k)
		hidden := 0
		for _, h := range s.Cells {
			if h {
				hidden++
			}
		}
		if small && hidden <= 3 {
			if i := derivable(g, s, false); i >= 0 {
				t.Fatalf("k=%d grid %dx%d %v: withheld %v total %v: cell %d derivable", k, rows, cols, counts, s.Cells, s.Total, i)
			}
			// Where every row and column with a withheld cell holds two
			// or more, even its leaked margins recover no cell.
			if everyLineShared(g, s) {
				if i := derivable(g, s, true); i >= 0 {
					t.Fatalf("k=%d grid %dx%d %v: withheld %v total %v: cell %d derivable with margins", k, rows, cols, counts, s.Cells, s.Total, i)
				}
			}
		}
	}
}

func everyLineShared(g Grid, s Suppression) bool {
	for _, line := range g.Lines {
		m := 0
		for _, i := range line {
			if s.Cells[i] {
				m++
			}
		}
		if m == 1 {
			return false
		}
	}
	return true
}
