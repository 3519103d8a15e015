package disclosure

import (
	"reflect"
	"testing"
)

// TestBoundsShareOneStartingTableau solves every bound of a small program
// twice, in turn, from the one feasible tableau: each is the true bound
// (x0 + x1 + x2 = 10, x0 + x1 <= 6, x >= 0), and solving leaves the
// starting tableau as phase 1 left it.
func TestBoundsShareOneStartingTableau(t *testing.T) {
	a, b := standardForm([][]float64{{1, 1, 1}, {1, 1, 0}}, []float64{10, 6}, []bool{false, true})
	p := &program{a: a, b: b}
	want := [][2]float64{{0, 6}, {0, 6}, {4, 10}}
	var start *tableau
	for round := 0; round < 2; round++ {
		for j, w := range want {
			lo, hi, ok := p.bounds(j)
			if !ok || lo != w[0] || hi != w[1] {
				t.Fatalf("round %d: x%d in [%v, %v] (ok %v), want %v", round, j, lo, hi, ok, w)
			}
			if start == nil {
				start = p.start.copyTo(&tableau{})
			}
			if !reflect.DeepEqual(p.start, start) {
				t.Fatalf("round %d: solving x%d changed the starting tableau", round, j)
			}
		}
	}
	// Searched only up to lo + 3, the largest value is reported as at
	// least that.
	if lo, hi, ok := p.boundsWithin(2, 3); !ok || lo != 4 || hi < 7 {
		t.Fatalf("x2 within 3: [%v, %v] (ok %v)", lo, hi, ok)
	}
}
