package cases

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// TestEveryStageMove lists every pair of stages with the answer the
// referral path gives.
func TestEveryStageMove(t *testing.T) {
	const (
		fwd    = moveForward
		ret    = moveReturn
		cls    = moveClose
		reopen = moveReopen
		no     = "conflict"
	)
	want := map[string]map[string]string{
		StageIdentification: {StageIdentification: no, StageShelter: fwd, StageRehabilitation: fwd, StageReintegration: fwd, StageClosed: cls},
		StageShelter:        {StageIdentification: no, StageShelter: no, StageRehabilitation: fwd, StageReintegration: fwd, StageClosed: cls},
		StageRehabilitation: {StageIdentification: no, StageShelter: ret, StageRehabilitation: no, StageReintegration: fwd, StageClosed: cls},
		StageReintegration:  {StageIdentification: no, StageShelter: ret, StageRehabilitation: no, StageReintegration: no, StageClosed: cls},
		StageClosed:         {StageIdentification: reopen, StageShelter: reopen, StageRehabilitation: reopen, StageReintegration: reopen, StageClosed: no},
	}
	for from, row := range want {
		for to, expected := range row {
			name := from + " to " + to + " is " + expected
			t.Run(name, func(t *testing.T) {
				got, err := CheckMove(from, to)
				if expected == no {
					if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict {
						t.Fatalf("got %q, %v; want a conflict", got, err)
					}
					return
				}
				if err != nil || got != expected {
					t.Fatalf("got %q, %v; want %q", got, err, expected)
				}
			})
		}
	}
	t.Run("unknown stage is invalid", func(t *testing.T) {
		if _, err := CheckMove(StageShelter, "limbo"); err == nil {
			t.Fatal("unknown stage accepted")
		} else if e, _ := apperr.As(err); e.Kind != apperr.KindInvalid {
			t.Fatalf("got %v", err)
		}
	})
}

func TestAgeBracketFromBirthDate(t *testing.T) {
	at, _ := parseDate("2025-06-15")
	tests := []struct {
		birth   string
		bracket string
		minor   bool
	}{
		{"2017-06-16", "0-8", true},
		{"2007-06-16", "9-17", true},
		{"2007-06-15", "18-20", false},
		{"2004-06-16", "18-20", false},
		{"2004-06-15", "21-23", false},
		{"1996-01-01", "27-29", false},
		{"1986-06-16", "30-38", false},
		{"1977-06-15", "48+", false},
	}
	for _, tc := range tests {
		t.Run(tc.birth+" is "+tc.bracket, func(t *testing.T) {
			b, _ := parseDate(tc.birth)
			bracket, minor := ageBracket(b, at)
			if bracket != tc.bracket || minor != tc.minor {
				t.Fatalf("got %s %v", bracket, minor)
			}
		})
	}
}
