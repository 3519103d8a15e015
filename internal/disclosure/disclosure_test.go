package disclosure

import (
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// yearOfChannels builds a one-dimensional additive table over a year and
// its halves: cells and totals per period, year = H1 + H2 per cell and for
// the total, and each period's total the sum of its cells.
func yearOfChannels(s *System, h1, h2 []int64) (year, half1, half2 []int) {
	add := func(period string, vals []int64) ([]int, int) {
		var ids []int
		var total int64
		for c, v := range vals {
			ids = append(ids, s.Figure(fmt.Sprintf("%s|c%d", period, c), v))
			total += v
		}
		t := s.Figure(period+"|total", total)
		s.Sum(t, ids...)
		return ids, t
	}
	y := make([]int64, len(h1))
	for i := range y {
		y[i] = h1[i] + h2[i]
	}
	a, ta := add("H1", h1)
	b, tb := add("H2", h2)
	c, tc := add("Y", y)
	for i := range c {
		s.Sum(c[i], a[i], b[i])
	}
	s.Sum(tc, ta, tb)
	return c, a, b
}

func TestProtectStopsSubtractingAHalfFromItsYear(t *testing.T) {
	// ngo_outreach: 7 in the year, 6 in H1, so 1 in H2 (the demo's case).
	var s System
	y, h1, h2 := yearOfChannels(&s, []int64{6, 20, 30, 12}, []int64{1, 25, 28, 15})
	p, st := Protect(&s, 5)
	if !p[h2[0]] {
		t.Fatalf("H2 cell of 1 released")
	}
	if !p[y[0]] && !p[h1[0]] {
		t.Fatalf("both the year (7) and H1 (6) released: H2 = 1 follows")
	}
	if ex := Audit(&s, p, 5); len(ex) != 0 {
		t.Fatalf("exposed after Protect: %+v", ex)
	}
	for _, iv := range Intervals(&s, p) {
		if iv.Width() < 5 {
			t.Fatalf("%s: interval [%v, %v] narrower than 5", s.Key(iv.Figure), iv.Lo, iv.Hi)
		}
	}
	if st.Primary != 1 || st.Complementary == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAuditFindsTheSubtraction(t *testing.T) {
	var s System
	y, h1, h2 := yearOfChannels(&s, []int64{6, 20}, []int64{1, 25})
	p := make(Pattern, s.Len())
	p[h2[0]] = true // what suppression period by period did
	ex := Audit(&s, p, 5)
	if len(ex) == 0 {
		t.Fatalf("audit missed H2 = year - H1 (%d - %d)", s.Value(y[0]), s.Value(h1[0]))
	}
	if ex[0].Lo != 1 || ex[0].Hi != 1 {
		t.Fatalf("interval %+v, want exactly [1, 1]", ex[0])
	}
}

func TestCoverKeepsOverlappingPartsBounded(t *testing.T) {
	// Persons assisted: the year counts each person once, so it is at most
	// H1 + H2 and at least each; 3 in H2 is withheld.
	var s System
	y := s.Figure("Y", 12)
	a := s.Figure("H1", 10)
	b := s.Figure("H2", 3)
	s.Cover(y, a, b)
	protectWithholding(t, &s, b, "3 released")
}

// safePattern returns the pattern of s that withholds figures, failing t
// with what unless the national audit passes it (k = 5).
func safePattern(t *testing.T, s *System, what string, figures ...int) Pattern {
	t.Helper()
	p := make(Pattern, s.Len())
	for _, f := range figures {
		p[f] = true
	}
	if ex := Audit(s, p, 5); len(ex) != 0 {
		t.Fatalf("%s: %+v", what, ex)
	}
	return p
}

// protectWithholding protects s with k = 5 and fails t with released
// unless figure f is withheld and the pattern passes its audit.
func protectWithholding(t *testing.T, s *System, f int, released string) {
	t.Helper()
	p, _ := Protect(s, 5)
	if !p[f] {
		t.Fatal(released)
	}
	if ex := Audit(s, p, 5); len(ex) != 0 {
		t.Fatalf("exposed after Protect: %+v", ex)
	}
}

func TestProtectRandomSystemsPassTheirAudit(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for n := 0; n < 40; n++ {
		var s System
		cells := 2 + r.Intn(6)
		h1, h2 := make([]int64, cells), make([]int64, cells)
		for i := range h1 {
			h1[i], h2[i] = int64(r.Intn(9)), int64(r.Intn(9))
		}
		yearOfChannels(&s, h1, h2)
		k := 3 + r.Intn(4)
		p, _ := Protect(&s, k)
		for i := 0; i < s.Len(); i++ {
			if v := s.Value(i); !p[i] && v >= 1 && v < int64(k) {
				t.Fatalf("case %d: %s = %d released below k=%d", n, s.Key(i), v, k)
			}
			if p[i] && s.Value(i) == 0 {
				t.Fatalf("case %d: zero withheld", n)
			}
		}
		for _, iv := range Intervals(&s, p) {
			if iv.Width() < float64(k)-1e-6 {
				t.Fatalf("case %d (k=%d, %v / %v): %s = %d has interval [%v, %v]", n, k, h1, h2, s.Key(iv.Figure), s.Value(iv.Figure), iv.Lo, iv.Hi)
			}
		}
	}
}

// sparseYear builds a year of persons identified shaped like a release:
// month totals, two halves and the year; three one-valued tables and a
// 4 x 10 cross-tabulation per half and year, each summing to the total,
// year cells summing their halves. persons is the yearly caseload.
func sparseYear(r *rand.Rand, persons int) *System {
	var s System
	type person struct{ month, a, b, c, d, e int }
	ps := make([]person, persons)
	for i := range ps {
		ps[i] = person{r.Intn(12), r.Intn(10), r.Intn(9), r.Intn(11), r.Intn(4), r.Intn(10)}
	}
	count := func(f func(person) bool) int64 {
		n := int64(0)
		for _, p := range ps {
			if f(p) {
				n++
			}
		}
		return n
	}
	periods := []struct {
		name     string
		from, to int
	}{{"H1", 0, 6}, {"H2", 6, 12}, {"Y", 0, 12}}
	tot := map[string]int{}
	for m := 0; m < 12; m++ {
		mm := m
		tot[fmt.Sprint("M", m)] = s.Figure(fmt.Sprint("M", m), count(func(p person) bool { return p.month == mm }))
	}
	for _, pr := range periods {
		pr := pr
		in := func(p person) bool { return p.month >= pr.from && p.month < pr.to }
		t := s.Figure(pr.name, count(in))
		tot[pr.name] = t
		dims := []struct {
			name string
			n    int
			get  func(person) int
		}{{"a", 10, func(p person) int { return p.a }}, {"b", 9, func(p person) int { return p.b }}, {"c", 11, func(p person) int { return p.c }}}
		for _, d := range dims {
			var ids []int
			for v := 0; v < d.n; v++ {
				vv := v
				ids = append(ids, s.Figure(fmt.Sprintf("%s|%s|%d", pr.name, d.name, v), count(func(p person) bool { return in(p) && d.get(p) == vv })))
			}
			s.Sum(t, ids...)
		}
		var ids []int
		for x := 0; x < 4; x++ {
			for y := 0; y < 10; y++ {
				xx, yy := x, y
				ids = append(ids, s.Figure(fmt.Sprintf("%s|x|%d|%d", pr.name, x, y), count(func(p person) bool { return in(p) && p.d == xx && p.e == yy })))
			}
		}
		s.Sum(t, ids...)
	}
	s.Sum(tot["Y"], tot["H1"], tot["H2"])
	for h, from := range []int{0, 6} {
		var ms []int
		for m := from; m < from+6; m++ {
			ms = append(ms, tot[fmt.Sprint("M", m)])
		}
		s.Sum(tot[[]string{"H1", "H2"}[h]], ms...)
	}
	for i := 0; i < s.Len(); i++ {
		if k := s.Key(i); len(k) > 2 && k[:2] == "Y|" {
			h1, ok1 := s.Lookup("H1" + k[1:])
			h2, ok2 := s.Lookup("H2" + k[1:])
			if ok1 && ok2 {
				s.Sum(i, h1, h2)
			}
		}
	}
	return &s
}

func TestProtectSparseYears(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for _, persons := range []int{25, 60, 200} {
		s := sparseYear(r, persons)
		start := time.Now()
		p, st := Protect(s, 5)
		took := time.Since(start)
		ivs := Intervals(s, p)
		for _, iv := range ivs {
			if iv.Width() < 5-1e-6 {
				t.Fatalf("%d persons: %s = %d has interval [%v, %v]", persons, s.Key(iv.Figure), s.Value(iv.Figure), iv.Lo, iv.Hi)
			}
		}
		t.Logf("%d persons: %d figures, %d withheld (%d primary), %d LPs, %d components, %s", persons, st.Figures,
			p.Withheld(), st.Primary, st.LPs, st.Components, took.Round(time.Millisecond))
	}
}
