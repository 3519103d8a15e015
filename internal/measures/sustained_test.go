package measures_test

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/measures"
)

// sustainedFixture stores, past row-level security, eight cases that
// reached the reintegration stage early in 2024 and their reintegration
// assessments (Asia/Bishkek dates; the window of the 6-month assessment is
// 5 to 8 months after reaching reintegration). The comments say whether
// and when each person counts.
const sustainedFixture = `
CREATE TEMP TABLE o AS SELECT id FROM organizations WHERE code = 'SEZIM';
CREATE TEMP TABLE u AS SELECT id FROM users WHERE email = 'caseworker@sezim.kg';
CREATE TEMP TABLE c (name text, reached timestamptz, id uuid DEFAULT gen_random_uuid());
INSERT INTO c (name, reached) VALUES
  ('S1', '2024-01-10 12:00+06'), ('S2', '2024-01-10 12:00+06'), ('S3', '2024-01-10 12:00+06'),
  ('S4', '2024-01-10 12:00+06'), ('S5', '2024-01-10 12:00+06'), ('S6', '2024-01-10 12:00+06'),
  ('S7', '2024-11-01 12:00+06'), ('S8', '2024-02-01 12:00+06');
INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at,
                   trafficking_status, sex, age_bracket)
SELECT c.id, 'S-' || c.name, o.id, o.id, 'reintegration', 'open', '2023-06-01 12:00+06', 'actual', 'female', '21-23'
FROM c, o;
INSERT INTO case_stage_moves (case_id, from_stage, to_stage, moved_by, moved_at)
SELECT c.id, 'rehabilitation', 'reintegration', u.id, c.reached FROM c, u;
INSERT INTO case_assessments (id, case_id, kind, definition_version, assessed_on, answers, score, created_by)
SELECT gen_random_uuid(), c.id, 'reintegration', 1, x.day::date, '{}', x.score, u.id
FROM (VALUES
  ('S1', '2024-07-15', 0.80),  -- July: counts
  ('S1', '2025-01-10', 0.90),  -- the 12-month assessment: outside the window
  ('S2', '2024-07-19', 0.66),  -- July, at the threshold: counts
  ('S3', '2024-07-16', 0.70),  -- July: counts
  ('S4', '2024-07-17', 1.00),  -- July: counts
  ('S5', '2024-07-18', 0.67),  -- July: counts
  ('S6', '2024-07-20', 0.50),  -- below the threshold: no
  ('S7', '2024-12-01', 0.90),  -- one month after: outside the window
  ('S7', '2025-04-15', 0.90),  -- April 2025: counts, alone in its year
  ('S8', '2024-08-01', 0.70),  -- in the window, but the latest one in it is
  ('S8', '2024-09-15', 0.30)   --   below the threshold: no
) AS x (name, day, score) JOIN c ON c.name = x.name CROSS JOIN u;
`

// TestReintegrationSustained: the indicator counts, from the fixture, five
// persons in July 2024, released at k = 5 in the month, its half-year and
// its year; the one person of 2025 is withheld in each of its periods, like
// every figure of the release.
func TestReintegrationSustained(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.d.Exec(t, sustainedFixture)
	f.svc.K = 5
	ctx := f.as(t, "coordinator@mlsp.gov.kg")
	want := map[string]*float64{"2024-07": ptr(5.0), "2024-H2": ptr(5.0), "2024": ptr(5.0), "2024-H1": ptr(0.0),
		"2025-04": nil, "2025-H1": nil, "2025": nil}
	for period, v := range want {
		m, err := f.svc.Indicators(ctx, period)
		if err != nil {
			t.Fatal(err)
		}
		got := value(t, m, measures.IndicatorReintegrationSustained)
		switch {
		case v == nil && (!got.Suppressed || got.Value != nil):
			t.Errorf("%s: %v persons released, want withheld", period, deref(got.Value))
		case v != nil && (got.Suppressed || got.Value == nil || *got.Value != *v):
			t.Errorf("%s: %v (withheld %v), want %v", period, deref(got.Value), got.Suppressed, *v)
		}
	}
	// The database function itself, past the release: 1 in 2025.
	if n := f.d.Count(t, `SELECT jardam_indicator_reintegration_sustained('2025-01-01 00:00+06', '2026-01-01 00:00+06', 0.66)`); n != 1 {
		t.Errorf("2025: %d", n)
	}
}
