package disclosure

import "testing"

// An amount's interval must reach its own width, not k: a withheld sum of
// 100000 that a reader bounds to [99990, 100050] is exposed as an amount
// (20 % of it is 20000), though 60 is wider than k; Protect withholds one
// of the bounds.
func TestAmountNeedsItsOwnWidth(t *testing.T) {
	var s System
	a := s.Figure("a", 100000)
	lo := s.Figure("lo", 99990)
	hi := s.Figure("hi", 100050)
	s.AtMostOf(lo, a)
	s.AtMostOf(a, hi)
	p := safePattern(t, &s, "as a count, 60 wide is safe", a)
	s.Amount(a, 20000)
	s.Amount(lo, 0.2*99990)
	s.Amount(hi, 0.2*100050)
	got := Audit(&s, p, 5)
	if len(got) != 1 || got[0].Figure != a || got[0].Width() > 61 {
		t.Fatalf("as an amount, [99990, 100050] is exposed: %+v", got)
	}
	s.Withhold(a)
	pattern, _ := Protect(&s, 5)
	if !pattern[a] || (!pattern[lo] && !pattern[hi]) {
		t.Fatalf("pattern %v", pattern)
	}
	for _, iv := range Intervals(&s, pattern) {
		if iv.Width() < s.Width(iv.Figure, 5) {
			t.Fatalf("%s narrowed to [%v, %v]", s.Key(iv.Figure), iv.Lo, iv.Hi)
		}
	}
}

// An amount is not withheld for being from 1 to k-1 (its contributors
// decide), and a hidden amount is audited only when marked sensitive.
func TestAmountPrimaryIsTheCallers(t *testing.T) {
	var s System
	small := s.Figure("small", 3)
	s.Amount(small, 100)
	total := s.Figure("total", 50003)
	s.Amount(total, 0.2*50003)
	rest := s.Hide("rest", 50000)
	s.Amount(rest, 10000)
	s.Sum(total, small, rest)
	p, _ := Protect(&s, 5)
	if p[small] || p[total] {
		t.Fatalf("3 tyiyn of an amount withheld as if a count: %v", p)
	}
	s.Withhold(rest)
	p, _ = Protect(&s, 5)
	if !p[small] && !p[total] {
		t.Fatal("a sensitive hidden amount left exact by its sum")
	}
}
