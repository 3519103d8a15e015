package disclosure

import "testing"

// oneLine is total = a + b + c + d with a and b withheld (3 and 4, k = 5):
// nationally a lies in [1, 6].
func oneLine() (s *System, a, b, c, d, total int) {
	s = &System{}
	a, b = s.Figure("a", 3), s.Figure("b", 4)
	c, d = s.Figure("c", 15), s.Figure("d", 18)
	total = s.Figure("total", 40)
	s.Sum(total, a, b, c, d)
	return s, a, b, c, d, total
}

func TestAViewNarrowsWhatTheNationalAuditPasses(t *testing.T) {
	s, a, b, _, _, total := oneLine()
	p := safePattern(t, s, "national audit", a, b)
	// The organization holding 2 of a's 3 persons knows a >= 2: a is in
	// [2, 6], so the rest (1) is in [0, 4].
	s.Know("org", a, 2)
	s.Know("org", total, 2)
	ex := AuditKnown(s, p, 5, s.Known("org"))
	if len(ex) == 0 || ex[0].Figure != a || ex[0].Lo != 2 || ex[0].Hi != 6 {
		t.Fatalf("view audit: %+v, want a in [2, 6]", ex)
	}
	q, st := Protect(s, 5)
	if st.Views != 1 || st.ViewLPs == 0 {
		t.Fatalf("stats %+v", st)
	}
	if ex := AuditKnown(s, q, 5, s.Known("org")); len(ex) != 0 {
		t.Fatalf("view exposed after Protect: %+v", ex)
	}
	if ex := Audit(s, q, 5); len(ex) != 0 {
		t.Fatalf("national exposed after Protect: %+v", ex)
	}
}

func TestAViewKnowsTheRestObeysInequalities(t *testing.T) {
	// part <= whole; whole is 10, of which the organization's 8; part is 2
	// and none of it the organization's: the rest of part is at most the
	// rest of whole, 2.
	var s System
	part, whole := s.Figure("part", 2), s.Figure("whole", 10)
	other := s.Figure("other", 30)
	s.AtMostOf(part, whole)
	s.AtMostOf(whole, other)
	p := safePattern(t, &s, "national audit", part)
	s.Know("org", whole, 8)
	ex := AuditKnown(&s, p, 5, s.Known("org"))
	if len(ex) != 1 || ex[0].Hi != 2 {
		t.Fatalf("view audit: %+v, want part in [1, 2]", ex)
	}
	q, _ := Protect(&s, 5)
	if !q[whole] {
		t.Fatal("whole released: the organization bounds part by its rest")
	}
	if ex := AuditKnown(&s, q, 5, s.Known("org")); len(ex) != 0 {
		t.Fatalf("view exposed after Protect: %+v", ex)
	}
}

func TestAViewThatHoldsEveryPersonLearnsNothingOfOthers(t *testing.T) {
	// The organization holds all 3 persons of a: it can tell no one else is
	// there, which a released zero would tell too.
	s, a, b, c, d, total := oneLine()
	p := make(Pattern, s.Len())
	p[a], p[b], p[c] = true, true, true
	s.Know("org", a, 3)
	s.Know("org", b, 4)
	s.Know("org", c, 1)
	s.Know("org", d, 0)
	s.Know("org", total, 8)
	for _, iv := range AuditKnown(s, p, 5, s.Known("org")) {
		if iv.Figure == a {
			t.Fatalf("a reported exposed though only its own persons are there: %+v", iv)
		}
	}
}

func TestEarlierVersionsBoundAWithheldFigure(t *testing.T) {
	// Version 1 released c as 15; version 2 withholds it as a complement,
	// unchanged. A reader holding both knows c = 15, so c protects nothing.
	s, a, b, c, _, _ := oneLine()
	p := make(Pattern, s.Len())
	p[a], p[b], p[c] = true, true, true
	s.Bound(c, 15, 15)
	ex := Audit(s, p, 5)
	if len(ex) != 0 {
		t.Fatalf("a and b with c known: %+v", ex)
	}
	// With a narrower line, c pinned leaves a in [1, 5 - 1].
	var s2 System
	a2, b2, c2 := s2.Figure("a", 3), s2.Figure("b", 2), s2.Figure("c", 6)
	t2 := s2.Figure("total", 11)
	s2.Sum(t2, a2, b2, c2)
	q := make(Pattern, s2.Len())
	q[a2], q[b2], q[c2] = true, true, true
	if ex := Audit(&s2, q, 5); len(ex) != 0 {
		t.Fatalf("without the earlier version: %+v", ex)
	}
	s2.Bound(c2, 6, 6)
	if ex := Audit(&s2, q, 5); len(ex) == 0 {
		t.Fatal("a reader of both versions gets a + b = 5: audit missed it")
	}
	protectWithholding(t, &s2, t2, "total released: a + b = total - 6 follows")
}

func TestABoundTheValueLeftIsIgnored(t *testing.T) {
	var s System
	a := s.Figure("a", 3)
	s.Bound(a, 10, 20)
	if s.pinned(a) || len(s.bounds) != 0 {
		t.Fatal("a bound the true value lies outside was kept")
	}
	s.Bound(a, 1, 6)
	s.Bound(a, 2, 9)
	if got := s.bounds[a]; got != [2]float64{2, 6} {
		t.Fatalf("bounds %v, want [2 6]", got)
	}
}
