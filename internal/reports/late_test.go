package reports_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/reports"
	"github.com/jardam-kg/jardam/internal/seed"
	"github.com/jardam-kg/jardam/internal/stats"
)

func bishkek(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, stats.Bishkek)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLateness(t *testing.T) {
	t.Parallel()
	h, err := reports.ParseHalfYear("2025", "1", bishkek("2025-08-01 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := reports.ParseHalfYear("2025", "2", bishkek("2026-02-01 00:00"))
	for _, tc := range []struct {
		name      string
		h         reports.HalfYear
		kind      string
		submitted string
		now       string
		late      bool
	}{
		{"NotSubmittedOnTheDeadlineDay", h, reports.KindBody, "", "2025-07-15 23:59", false},
		{"NotSubmittedTheDayAfter", h, reports.KindBody, "", "2025-07-16 00:00", true},
		{"SubmittedOnTheDeadlineDay", h, reports.KindBody, "2025-07-15 23:00", "2025-09-01 00:00", false},
		{"SubmittedTheDayAfter", h, reports.KindBody, "2025-07-16 00:01", "2025-09-01 00:00", true},
		{"SummaryDueThe25th", h, reports.KindSummary, "", "2025-07-20 12:00", false},
		{"SummaryLateAfterThe25th", h, reports.KindSummary, "", "2025-07-26 00:00", true},
		{"SecondHalfDueIn15January", h2, reports.KindBody, "2026-01-15 18:00", "2026-03-01 00:00", false},
		{"SecondHalfLate", h2, reports.KindBody, "", "2026-01-16 09:00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var at *time.Time
			if tc.submitted != "" {
				s := bishkek(tc.submitted).UTC()
				at = &s
			}
			if got := tc.h.Late(tc.kind, at, bishkek(tc.now)); got != tc.late {
				t.Fatalf("late = %v, want %v", got, tc.late)
			}
		})
	}
}

// TestSubmittedReportIsFlaggedLateByTheClock submits two bodies' reports
// with the service's clock set before and after the deadline.
func TestSubmittedReportIsFlaggedLateByTheClock(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := seed.Demo(ctx, d.App, passwd.NewHasher(2), true); err != nil {
		t.Fatal(err)
	}
	d.Exec(t, `INSERT INTO users (organization_id, email, name, role, password_hash)
		SELECT id, 'supervisor@akzhurok.kg', 'Test', 'supervisor', 'x' FROM organizations WHERE code = 'AKZHUROK'`)
	as := func(email string) context.Context {
		return reqctx.WithPrincipal(ctx, d.Principal(t, email))
	}
	clock := bishkek("2025-07-10 12:00")
	svc := reports.NewService(d.App, reports.Settings{K: 5, Now: func() time.Time { return clock }}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r, err := svc.Submit(as("supervisor@sezim.kg"), "2025", "1", "", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Late || r.Status != reports.StatusSubmitted {
		t.Fatalf("submitted on 10 July: %s late %v", r.Status, r.Late)
	}
	clock = bishkek("2025-07-15 20:00")
	if r, _ := svc.Report(as("supervisor@akzhurok.kg"), "2025", "1", ""); r.Late {
		t.Fatal("unsubmitted report late on the deadline day")
	}
	clock = bishkek("2025-07-16 08:00")
	r, err = svc.Report(as("supervisor@akzhurok.kg"), "2025", "1", "")
	if err != nil || !r.Late || r.Status != reports.StatusDraft {
		t.Fatalf("unsubmitted after the deadline: %v late %v", err, r.Late)
	}
	r, err = svc.Submit(as("supervisor@akzhurok.kg"), "2025", "1", "", []byte(`{}`))
	if err != nil || !r.Late {
		t.Fatalf("submitted on 16 July: %v late %v", err, r.Late)
	}
	// Months later, the first is still on time, the second still late.
	clock = bishkek("2025-12-01 08:00")
	sum, err := svc.Report(as("coordinator@mlsp.gov.kg"), "2025", "1", "")
	if err != nil {
		t.Fatal(err)
	}
	late := map[string]bool{}
	for _, b := range sum.Bodies {
		late[b.Code] = b.Late
	}
	if late["SEZIM"] || !late["AKZHUROK"] || !late["MOH"] {
		t.Fatalf("bodies' lateness: %v", late)
	}
	if !sum.Late {
		t.Fatal("the summary is unsubmitted past the 25th and not flagged")
	}
	// Submitting before the half-year ends is refused.
	clock = bishkek("2025-06-30 23:00")
	if _, err := svc.Submit(as("supervisor@sezim.kg"), "2025", "1", "", []byte(`{}`)); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("early submit: %v", err)
	}
}

// TestFontCoversKyrgyzAndRussian checks the embedded font has glyphs for
// the Kyrgyz letters and the Russian alphabet.
func TestFontCoversKyrgyzAndRussian(t *testing.T) {
	t.Parallel()
	f, err := sfnt.Parse(reports.Font())
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, r := range "ңөүҢӨҮабвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ«»—" {
		g, err := f.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			t.Fatalf("no glyph for %q (%U): %v", r, r, err)
		}
	}
}
