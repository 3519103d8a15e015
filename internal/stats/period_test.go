package stats

import (
	"errors"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

func TestParsePeriod(t *testing.T) {
	// 2026-07-01 00:30 in Bishkek is 2026-06-30 18:30 UTC: H1 2026 has ended.
	now := time.Date(2026, 6, 30, 18, 30, 0, 0, time.UTC)
	tests := []struct {
		in       string
		wantErr  bool
		wantName string
		wantFrom string
	}{
		{in: "2025", wantName: "2025", wantFrom: "2024-12-31T18:00:00Z"},
		{in: "2025-H2", wantName: "2025-H2", wantFrom: "2025-06-30T18:00:00Z"},
		{in: "2026-H1", wantName: "2026-H1", wantFrom: "2025-12-31T18:00:00Z"},
		{in: "2026-06", wantName: "2026-06", wantFrom: "2026-05-31T18:00:00Z"},
		{in: "2026", wantErr: true},    // current year
		{in: "2026-H2", wantErr: true}, // current half-year
		{in: "2026-07", wantErr: true}, // current month
		{in: "2031-01", wantErr: true}, // future
		{in: "2025-13", wantErr: true},
		{in: "2025-H3", wantErr: true},
		{in: "25", wantErr: true},
		{in: "1999", wantErr: true},
		{in: "2025-1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePeriod(tc.in, now)
			if tc.wantErr {
				e, ok := apperr.As(err)
				if !ok || !errors.Is(err, apperr.ErrInvalid) || len(e.Fields) != 1 || e.Fields[0].Field != "period" {
					t.Fatalf("ParsePeriod(%q) = %v, want an invalid period", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tc.wantName || p.From.UTC().Format(time.RFC3339) != tc.wantFrom {
				t.Fatalf("got %s from %s", p.Name, p.From.UTC().Format(time.RFC3339))
			}
		})
	}
}

func TestLastEndedHalfYear(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-26T16:00:00Z": "2026-H1",
		"2026-06-30T17:59:00Z": "2025-H2", // 23:59 on 30 June in Bishkek
		"2026-06-30T18:00:00Z": "2026-H1", // midnight on 1 July in Bishkek
		"2026-01-10T00:00:00Z": "2025-H2",
		"2026-05-10T00:00:00Z": "2025-H2",
	} {
		now, _ := time.Parse(time.RFC3339, in)
		if got := LastEndedHalfYear(now).Name; got != want {
			t.Errorf("LastEndedHalfYear(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestLastEndedMonths(t *testing.T) {
	now := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)
	ms := LastEndedMonths(now, 24)
	if len(ms) != 24 || ms[0].Name != "2024-11" || ms[23].Name != "2026-10" {
		t.Fatalf("got %s..%s (%d)", ms[0].Name, ms[len(ms)-1].Name, len(ms))
	}
}

func TestSettingsRefuseSmallK(t *testing.T) {
	if err := (Settings{K: 2}).Validate(); !errors.Is(err, ErrKTooSmall) {
		t.Fatalf("k=2: %v", err)
	}
	for _, k := range []int{0, 3, 5, 11} {
		if err := (Settings{K: k}).Validate(); err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
	}
}
