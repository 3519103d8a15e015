package disclosure

// Amount marks figure i as an amount of money rather than a count of
// persons: it is not withheld for being from 1 to k-1 (the caller decides
// its primary suppression, from the persons who contribute to it, with
// Withhold), and when withheld its interval must be at least width wide
// instead of k. A hidden amount is audited only when marked with Withhold.
func (s *System) Amount(i int, width float64) {
	if s.widths == nil {
		s.widths = map[int]float64{}
	}
	s.widths[i] = width
}

// Width is the interval figure i must keep when withheld: k for a count,
// the width given to Amount for an amount.
func (s *System) Width(i, k int) float64 {
	if w, ok := s.widths[i]; ok {
		return w
	}
	return float64(k)
}

// audited reports whether figure i, withheld, must keep its interval: every
// released kind of figure does; a hidden one only when it is sensitive (a
// count from 1 to k-1, or marked with Withhold).
func (s *System) audited(i, k int) bool {
	if !s.hidden[i] || s.forced[i] {
		return true
	}
	return s.widths[i] == 0 && s.values[i] >= 1 && s.values[i] < int64(k)
}
