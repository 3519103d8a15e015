package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/contacts"
	"github.com/jardam-kg/jardam/internal/demo"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/referrals"
	"github.com/jardam-kg/jardam/internal/seed"
	"github.com/jardam-kg/jardam/internal/stats"
	"github.com/jardam-kg/jardam/internal/stats/htcds/htcdstest"
)

// seedDemo writes the demo's organizations, accounts and 80 cases into a
// fresh database.
func seedDemo(t *testing.T) *dbtest.DB {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	if err := seed.Demo(ctx, d.App, passwd.NewHasher(2), true); err != nil {
		t.Fatal(err)
	}
	master, _ := jcrypto.NewLocalMaster(bytes.Repeat([]byte{9}, 32))
	keys, err := cases.NewKeyring(master, bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := cases.NewService(d.App, keys, cases.Settings{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	refs := referrals.NewService(d.App, master, keys.RequestHash, referrals.Settings{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := demo.Cases(ctx, d.App, svc, refs, 80); err != nil {
		t.Fatal(err)
	}
	if err := demo.Hotline(ctx, d.App, contacts.NewService(d.App, master, keys.RequestHash, refs)); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDemoCasesSpreadOverBothYearsAndCenters(t *testing.T) {
	t.Parallel()
	d := seedDemo(t)
	if n := d.Count(t, `SELECT count(*) FROM cases`); n != 80 {
		t.Fatalf("%d cases", n)
	}
	for _, q := range []string{
		`SELECT count(DISTINCT extract(year FROM identified_at AT TIME ZONE 'Asia/Bishkek')) FROM cases`,
		`SELECT count(DISTINCT owner_organization_id) FROM cases`,
	} {
		if n := d.Count(t, q); n != 2 {
			t.Fatalf("%s: %d", q, n)
		}
	}
	if n := d.Count(t, `SELECT count(*) FROM cases WHERE status = 'closed'`); n == 0 {
		t.Fatal("no closed case")
	}
	for _, q := range []string{
		`SELECT count(*) FROM referrals WHERE status = 'completed'`,
		`SELECT count(*) FROM referrals WHERE status = 'accepted'`,
		`SELECT count(*) FROM assistance WHERE type = 'shelter' AND ended_on IS NOT NULL`,
		`SELECT count(*) FROM assistance WHERE type = 'financial'`,
	} {
		if n := d.Count(t, q); n == 0 {
			t.Fatalf("%s: none", q)
		}
	}
	// Every case links to the Program's shelter measure, so the reports'
	// persons_identified figure has records to count.
	if n := d.Count(t, `SELECT count(*) FROM cases WHERE NOT measure_codes @> ARRAY['3.1']`); n != 0 {
		t.Fatalf("%d cases without the measure 3.1", n)
	}
	// Four persons in five consent to anonymized statistics at intake.
	if n := d.Count(t, `SELECT count(DISTINCT case_id) FROM consents WHERE purpose = 'statistics'`); n != 64 {
		t.Fatalf("%d cases with a statistics consent, want 64", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM cases WHERE identity_enc IS NULL`); n != 0 {
		t.Fatalf("%d cases without an encrypted identity", n)
	}
	// Program data: activities of the centers and the MLSSM bodies in both
	// years, budget lines, and reports (one submitted on time, one late).
	for _, q := range []string{
		`SELECT count(DISTINCT o.code) FROM activities a JOIN organizations o ON o.id = a.organization_id
			WHERE o.code IN ('SEZIM', 'AKZHUROK', 'MLSSM-SOC', 'MLSSM-CTU')`,
	} {
		if n := d.Count(t, q); n != 4 {
			t.Fatalf("%s: %d", q, n)
		}
	}
	if n := d.Count(t, `SELECT count(DISTINCT extract(year FROM held_on)) FROM activities`); n != 2 {
		t.Fatalf("activities over %d years", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM measure_budget_lines WHERE year IN (2024, 2025)`); n < 20 {
		t.Fatalf("%d budget lines", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM jardam_report_states(2024, 2) WHERE status = 'submitted'`); n != 2 {
		t.Fatalf("%d reports of 2024-H2 submitted, want Sezim's and the summary", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM jardam_report_states(2025, 1)
		WHERE status = 'submitted' AND submitted_at > '2025-07-16 00:00+06'`); n != 1 {
		t.Fatalf("%d late reports of 2025-H1, want 1", n)
	}
	hotlineFigures(t, d)
}

// hotlineFigures: the 1899 hotline is listed for measure 2.3 and its calls
// give its report consultations in each demo half-year, none small enough
// to be withheld, dated within the half-year; the calls name no one.
func hotlineFigures(t *testing.T, d *dbtest.DB) {
	t.Helper()
	if n := d.Count(t, `SELECT count(*) FROM measure_bodies WHERE measure_code = '2.3' AND organization_code = 'HOTLINE-1899'`); n != 1 {
		t.Fatal("the 1899 hotline is not listed for measure 2.3")
	}
	for _, from := range []string{"2024-01-01", "2024-07-01", "2025-01-01", "2025-07-01"} {
		n := d.Count(t, `SELECT coalesce(sum(f.value), 0)::bigint
			FROM jardam_report_contact_figures(NULL, $1::date::timestamp AT TIME ZONE 'Asia/Bishkek',
				($1::date + interval '6 months')::timestamp AT TIME ZONE 'Asia/Bishkek', ARRAY['2.3']) f
			JOIN organizations o ON o.id = f.organization_id WHERE o.code = 'HOTLINE-1899' AND f.figure = 'consultations_given'`, from)
		if n < 11 || n > 24 {
			t.Fatalf("the hotline's consultations of the half from %s: %d", from, n)
		}
	}
	if n := d.Count(t, `SELECT count(*) FROM contacts WHERE identity_enc IS NOT NULL OR contact_enc IS NOT NULL`); n != 0 {
		t.Fatalf("%d demo calls name someone", n)
	}
}

// TestDemoExports checks the person-level exports of the demo's two years:
// each year's files in their layout, k = 11, every implication held (the
// labour sectors no longer tell the forced labour withheld), and no person
// in two years' files.
func TestDemoExports(t *testing.T) {
	t.Parallel()
	d := seedDemo(t)
	svc := stats.NewService(d.App, stats.Settings{}, nil)
	ctx := reqctx.WithPrincipal(context.Background(), reqctx.Principal{UserID: uuid.New(), OrganizationID: uuid.New(), Role: "coordinator"})
	qis := map[string][]string{
		stats.LayoutCTDC: {"gender", "ageBroad", "citizenship", "CountryOfExploitation", "isForcedLabour", "isSexualExploit", "isOtherExploit",
			"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther"},
		stats.LayoutHTCDS: {"prs_Gender", "prs_Citizenship", "vic_TypeOfExploitation", "hte_Country", "vic_RelationshipToTrafficker",
			"vic_Vulnerabilities"},
	}
	for _, year := range []int{2024, 2025} {
		consented := d.Count(t, `SELECT count(*) FROM cases c WHERE extract(year FROM identified_at AT TIME ZONE 'Asia/Bishkek') = $1
			AND EXISTS (SELECT 1 FROM consents k WHERE k.case_id = c.id AND k.purpose = 'statistics')`, year)
		for layout, q := range qis {
			e, err := svc.Export(ctx, layout, strconv.Itoa(year))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(bytes.NewReader(e.CSV)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			header, rows := recs[0], recs[1:]
			problems := append(htcdstest.CheckK(header, rows, q, 11), htcdstest.CheckImplications(header, rows)...)
			if layout == stats.LayoutCTDC {
				problems = append(problems, htcdstest.CheckCTDC(header, rows, year)...)
			} else {
				problems = append(problems, htcdstest.CheckHTCDS(header, rows)...)
			}
			for _, p := range problems {
				t.Errorf("%s %d: %s", layout, year, p)
			}
			if len(rows) == 0 || int64(len(rows)) > consented {
				t.Errorf("%s %d: %d rows of %d persons consenting, at %s", layout, year, len(rows), consented, e.Levels)
			}
			t.Logf("%s %d: %d rows of %d persons consenting, at %s", layout, year, len(rows), consented, e.Levels)
		}
	}
}
