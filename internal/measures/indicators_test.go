package measures_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// indicatorFixture stores, past row-level security, records of two
// organizations around the half-year 2024-H1 (1 January to 30 June 2024,
// Asia/Bishkek, UTC+6). The comments give, for each record, whether and
// how it counts; the test works the figures out from them.
const indicatorFixture = `
CREATE TEMP TABLE o AS SELECT code, id FROM organizations;
CREATE TEMP TABLE u AS SELECT id FROM users WHERE email = 'supervisor@sezim.kg';
CREATE TEMP TABLE c (name text, id uuid DEFAULT gen_random_uuid());
INSERT INTO c (name) VALUES ('C1'), ('C2'), ('C3'), ('C4'), ('C5'), ('C6'), ('C7'), ('C8'), ('C9'), ('C10');

-- Cases: identified_at, trafficking status, sex, age bracket, and for the
-- closed ones the closure reason.
INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, closure_reason,
                   identified_at, trafficking_status, sex, age_bracket)
SELECT c.id, 'T-' || c.name, o.id, o.id, x.stage, x.status, x.reason, x.at::timestamptz, x.ts, x.sex, x.age
FROM (VALUES
  -- identified in the period: female 18-20 (C1, C2, C3, C9), male 30-38 (C4, C7, C10)
  ('C1', 'SEZIM',    'closed', 'closed', 'reintegrated', '2024-01-10 12:00+06', 'actual',       'female', '18-20'),
  ('C2', 'SEZIM',    'closed', 'closed', 'reintegrated', '2024-02-15 12:00+06', 'possible',     'female', '18-20'),
  ('C3', 'SEZIM',    'closed', 'closed', 'reintegrated', '2024-03-01 12:00+06', NULL,           'female', '18-20'),
  ('C4', 'SEZIM',    'closed', 'closed', 'lost_contact', '2024-04-20 12:00+06', 'actual',       'male',   '30-38'),
  -- not a victim: not counted
  ('C5', 'SEZIM',    'identification', 'open', NULL,     '2024-05-05 12:00+06', 'not_a_victim', 'male',   '30-38'),
  -- one second before the period: not counted
  ('C6', 'SEZIM',    'shelter', 'open', NULL,            '2023-12-31 23:59:59+06', 'actual',    'female', '21-23'),
  -- the last second of the period: counted
  ('C7', 'AKZHUROK', 'shelter', 'open', NULL,            '2024-06-30 23:59:59+06', 'actual',    'male',   '30-38'),
  -- the first instant after the period: not counted
  ('C8', 'AKZHUROK', 'shelter', 'open', NULL,            '2024-07-01 00:00:00+06', 'actual',    'female', '18-20'),
  ('C9', 'AKZHUROK', 'closed', 'closed', 'reintegrated', '2024-01-20 12:00+06', 'actual',       'female', '18-20'),
  ('C10', 'AKZHUROK', 'closed', 'closed', 'reintegrated', '2024-06-01 12:00+06', 'possible',    'male',   '30-38')
) AS x (name, org, stage, status, reason, at, ts, sex, age)
JOIN c ON c.name = x.name JOIN o ON o.code = x.org;

-- Closing moves: C1 (in), C2 (closed before, reopened, closed again in),
-- C3 (after: out), C4 (in, but lost_contact), C9 (in), C10 (last hour: in).
INSERT INTO case_stage_moves (case_id, to_stage, closure_reason, moved_at)
SELECT c.id, 'closed', 'reintegrated', x.at::timestamptz FROM (VALUES
  ('C1', '2024-03-10 10:00+06'),
  ('C2', '2023-12-01 10:00+06'),
  ('C2', '2024-02-01 10:00+06'),
  ('C3', '2024-07-02 10:00+06'),
  ('C4', '2024-03-01 10:00+06'),
  ('C9', '2024-05-05 10:00+06'),
  ('C10', '2024-06-30 23:00+06')
) AS x (name, at) JOIN c ON c.name = x.name;

-- Assistance: type, status, started_on, ended_on (and updated_at).
INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on, updated_at)
SELECT gen_random_uuid(), c.id, x.type, (SELECT id FROM o WHERE code = 'SEZIM'), x.status, x.s::date, x.e::date,
       coalesce(x.upd::timestamptz, now())
FROM (VALUES
  ('A1',  'C1',  'shelter',       'in_progress', '2023-12-01', NULL,         NULL),          -- active (open)
  ('A2',  'C1',  'psychological', 'completed',   '2024-02-01', '2024-02-10', NULL),          -- active
  ('A3',  'C2',  'shelter',       'completed',   '2024-01-05', '2024-01-25', NULL),          -- active; stay of 20 days
  ('A4',  'C3',  'shelter',       'completed',   '2024-03-01', '2024-03-31', NULL),          -- active; stay of 30 days
  ('A5',  'C4',  'shelter',       'completed',   '2023-11-01', '2023-12-31', NULL),          -- ended before: nothing
  ('A6',  'C9',  'shelter',       'planned',     '2024-02-01', NULL,         NULL),          -- planned: nothing
  ('A7',  'C10', 'shelter',       'declined',    '2024-02-01', '2024-02-20', NULL),          -- declined: nothing
  ('A8',  'C7',  'shelter',       'completed',   '2024-06-20', '2024-07-10', NULL),          -- active; ends after: no stay
  ('A9',  'C4',  'homecoming',    'completed',   '2024-05-01', '2024-05-03', NULL),          -- active; homecoming
  ('A10', 'C2',  'homecoming',    'completed',   '2024-06-30', '2024-06-30', NULL),          -- active; homecoming
  ('A11', 'C3',  'homecoming',    'completed',   '2024-06-01', NULL,         '2024-06-15 12:00+06'), -- active; homecoming (by updated_at)
  ('A12', 'C9',  'homecoming',    'in_progress', '2024-06-25', NULL,         NULL),          -- active; not completed
  ('A13', 'C10', 'shelter',       'completed',   '2024-04-01', '2024-04-11', NULL),          -- active; stay of 10 days
  ('A14', 'C6',  'shelter',       'completed',   '2024-01-01', '2024-01-16', NULL),          -- active; stay of 15 days
  ('A15', 'C1',  'homecoming',    'completed',   '2024-07-02', '2024-07-05', NULL),          -- after: nothing
  ('A16', 'C2',  'psychological', 'in_progress', '2024-06-29', NULL,         NULL),          -- active
  ('A17', 'C3',  'psychological', 'completed',   '2024-01-01', '2024-01-02', NULL)           -- active
) AS x (name, cname, type, status, s, e, upd) JOIN c ON c.name = x.cname;

-- Referrals: due_at and responded_at.
INSERT INTO consents (id, case_id, purpose, recipient_organization_id, categories, given_by, given_at, recorded_by)
SELECT c.id, c.id, 'data_sharing', (SELECT id FROM o WHERE code = 'MLSSM-SOC'), '{identity}', 'person', '2023-01-01', (SELECT id FROM u)
FROM c WHERE c.name = 'C1';
INSERT INTO referrals (id, code, case_id, kind, from_organization_id, to_organization_id, urgency, status, due_at,
                       consent_id, case_sex, case_age_bracket, responded_at, created_by)
SELECT gen_random_uuid(), x.code, c.id, 'assistance', (SELECT id FROM o WHERE code = 'SEZIM'), (SELECT id FROM o WHERE code = 'MLSSM-SOC'),
       'normal', x.status, x.due::timestamptz, c.id, 'female', '18-20', x.resp::timestamptz, (SELECT id FROM u)
FROM (VALUES
  ('R1', 'accepted', '2024-02-01 10:00+06', '2024-01-31 10:00+06'),  -- due in; on time
  ('R2', 'accepted', '2024-03-01 10:00+06', '2024-03-02 10:00+06'),  -- due in; late
  ('R3', 'pending',  '2024-04-01 10:00+06', NULL),                   -- due in; never answered
  ('R4', 'declined', '2024-05-01 12:00+06', '2024-05-01 12:00+06'),  -- due in; answered at, not before, due_at
  ('R5', 'accepted', '2024-06-10 10:00+06', '2024-06-01 10:00+06'),  -- due in; on time
  ('R6', 'accepted', '2024-07-15 10:00+06', '2024-07-01 10:00+06')   -- due after: nothing
) AS x (code, status, due, resp) JOIN c ON c.name = 'C1';

-- Activities: kind, held_on, participants (female, male, other), people reached.
INSERT INTO activities (id, organization_id, held_on, region, kind, title, participants_female, participants_male,
                        participants_other, people_reached, measure_code, created_by)
SELECT gen_random_uuid(), (SELECT id FROM o WHERE code = x.org), x.held::date, 'bishkek_city', x.kind, x.kind, x.f, x.m, x.oth, x.reached, x.measure, (SELECT id FROM u)
FROM (VALUES
  ('SEZIM',    'awareness_event', '2024-02-10', 30, 20, 0, 200,  '2.1'),  -- event; 200 reached
  ('MIA',      'training',        '2024-03-05',  8, 12, 0, 20,   '4.1'),  -- event; 20 reached; 20 trained
  ('GPO',      'training',        '2024-06-30',  5,  5, 1, 11,   '4.1'),  -- event; 11 reached; 11 trained
  ('IOM',      'publication',     '2024-04-01',  0,  0, 0, 1000, '2.2'),  -- not an event; 1000 reached
  ('SEZIM',    'campaign',        '2024-07-01',  0,  0, 0, 500,  '2.1'),  -- after: nothing
  ('MIA',      'training',        '2023-12-31',  4,  6, 0, 10,   '4.1')   -- before: nothing
) AS x (org, kind, held, f, m, oth, reached, measure);

-- Hotline contacts: outcome, recorded at.
INSERT INTO contacts (id, code, organization_id, channel, caller, topic, outcome, key_master_version, key_wrapped,
                      created_by, created_at)
SELECT gen_random_uuid(), 'HL-2024-' || lpad(x.n::text, 5, '0'), (SELECT id FROM o WHERE code = 'HOTLINE-1899'), 'phone',
       'anonymous', 'job_offer_check', x.outcome, 'test', '\xdeadbeef', (SELECT id FROM u), x.at::timestamptz
FROM (VALUES
  (1, 'advice_given', '2024-02-01 10:00+06'),   -- a consultation
  (2, 'advice_given', '2024-03-01 10:00+06'),   -- a consultation
  (3, 'advice_given', '2024-06-30 23:00+06'),   -- a consultation (last hour)
  (4, 'no_action',    '2024-04-01 10:00+06'),   -- no consultation
  (5, 'advice_given', '2024-07-01 00:30+06')    -- after: nothing
) AS x (n, outcome, at);

INSERT INTO indicator_targets (program, indicator, year, value) VALUES
  ('2022-2025', 'persons_identified', NULL, 100), ('2022-2025', 'persons_identified', 2024, 14),
  ('2022-2025', 'persons_identified', 2025, 16);
`

func loadIndicatorFixture(t *testing.T, d *dbtest.DB) {
	t.Helper()
	d.Exec(t, indicatorFixture)
}

func value(t *testing.T, m measures.Matrix, code string) measures.Indicator {
	t.Helper()
	for _, i := range m.Items {
		if i.Code == code {
			return i
		}
	}
	t.Fatalf("no indicator %s", code)
	return measures.Indicator{}
}

func TestIndicatorsEqualTheirHandWorkedValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	loadIndicatorFixture(t, f.d)
	f.svc.K = 3 // the smallest threshold, so that the hand-worked figures show
	m, err := f.svc.Indicators(f.as(t, "supervisor@sezim.kg"), "2024-H1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Period != "2024-H1" || m.From != "2024-01-01" || m.To != "2024-06-30" || m.Program != "2022-2025" || m.K != 3 {
		t.Fatalf("matrix %+v", m)
	}
	// Worked out by hand from the fixture's comments.
	want := map[string]float64{
		measures.IndicatorPersonsIdentified:       7,    // C1, C2, C3, C9 (female 18-20) + C4, C7, C10 (male 30-38)
		measures.IndicatorPersonsAssisted:         8,    // C1, C2, C3, C4, C6, C7, C9, C10
		measures.IndicatorReferralsAnsweredOnTime: 40,   // R1, R5 of R1-R5
		measures.IndicatorShelterMeanDays:         18.8, // (20 + 30 + 10 + 15) / 4 = 18.75
		measures.IndicatorPersonsReintegrated:     3,    // C1, C2, C9 ... and C10: see below
		measures.IndicatorHomecomings:             3,    // A9, A10, A11
		measures.IndicatorEventsHeld:              3,    // awareness event and two trainings
		measures.IndicatorPeopleReached:           1231, // 200 + 20 + 11 + 1000
		measures.IndicatorOfficialsTrained:        31,   // 20 + 11
		measures.IndicatorConsultationsGiven:      3,    // contacts 1, 2, 3
		measures.IndicatorIntakesReferred:         0,
	}
	// Reintegrated: C1 (10 March), C2 (closed again 1 February), C9 (5 May)
	// and C10 (30 June, 23:00) = 4; C3 closed after, C4 lost contact.
	want[measures.IndicatorPersonsReintegrated] = 4
	checkReleased(t, m, want)
	checkIndicatorFunctions(t, f.d)
	checkIdentifiedCells(t, value(t, m, measures.IndicatorPersonsIdentified))
	checkAssistedCells(t, value(t, m, measures.IndicatorPersonsAssisted))
	if n := f.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'indicator.read' AND object_id = '2024-H1'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}

	t.Run("AnotherPeriodCountsOnlyItsRecords", func(t *testing.T) {
		m, err := f.svc.Indicators(f.as(t, "supervisor@sezim.kg"), "2024-07")
		if err != nil {
			t.Fatal(err)
		}
		// July 2024: C8 identified (1 July 00:00), one person: withheld
		// even at k = 3; the campaign of 1 July reached 500.
		if v := value(t, m, measures.IndicatorPersonsIdentified); !v.Suppressed || v.Value != nil {
			t.Fatalf("one person identified in July released: %v", deref(v.Value))
		}
		if v := value(t, m, measures.IndicatorPeopleReached); *v.Value != 500 {
			t.Fatalf("July reached %v", *v.Value)
		}
	})
	t.Run("CurrentPeriodInvalid", func(t *testing.T) {
		for _, p := range []string{"2099", "2024-13", "H1", "2024-H3"} {
			if _, err := f.svc.Indicators(f.as(t, "supervisor@sezim.kg"), p); !errors.Is(err, apperr.ErrInvalid) {
				t.Errorf("%s: %v", p, err)
			}
		}
	})
	t.Run("TheDoorRefusesAPeriodNotEnded", func(t *testing.T) {
		err := f.d.App.Exec(`SELECT * FROM jardam_indicator_identified(now() - interval '1 day', now() + interval '1 day')`).Error
		if err == nil {
			t.Fatal("an open period was answered")
		}
	})
}

// checkReleased checks that every released indicator of m has the
// hand-worked value of want, and that at least five are released. The
// release decides what is withheld (months and the second half of the year
// constrain these figures too).
func checkReleased(t *testing.T, m measures.Matrix, want map[string]float64) {
	t.Helper()
	released := 0
	for code, v := range want {
		ind := value(t, m, code)
		if ind.Suppressed {
			if ind.Value != nil {
				t.Errorf("%s withheld with a value", code)
			}
			continue
		}
		released++
		if ind.Value == nil || *ind.Value != v {
			t.Errorf("%s = %v, want %v", code, deref(ind.Value), v)
		}
	}
	if released < 5 {
		t.Errorf("only %d indicators released at k = 3", released)
	}
}

// checkIndicatorFunctions checks that the database functions behind the
// indicators compute the hand-worked values for 2024-H1, withheld or not.
func checkIndicatorFunctions(t *testing.T, d *dbtest.DB) {
	t.Helper()
	const h1 = `'2024-01-01 00:00+06', '2024-07-01 00:00+06'`
	for q, want := range map[string]int64{
		`SELECT sum(persons) FROM jardam_indicator_identified(` + h1 + `)`:             7,
		`SELECT jardam_indicator_reintegrated(` + h1 + `)`:                             4,
		`SELECT homecomings FROM jardam_indicator_homecomings(` + h1 + `)`:             3,
		`SELECT persons FROM jardam_indicator_assisted(` + h1 + `) WHERE type IS NULL`: 8,
	} {
		if got := d.Count(t, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

// checkIdentifiedCells checks the sex and age cells of the persons
// identified in 2024-H1, and the baseline, targets and progress.
func checkIdentifiedCells(t *testing.T, ident measures.Indicator) {
	t.Helper()
	for _, c := range ident.Breakdown {
		var want int64
		switch {
		case c.Sex == "female" && c.AgeBracket == "18-20":
			want = 4
		case c.Sex == "male" && c.AgeBracket == "30-38":
			want = 3
		}
		if !c.Suppressed && (c.Value == nil || *c.Value != want) {
			t.Errorf("identified %s %s = %v, want %d", c.Sex, c.AgeBracket, c.Value, want)
		}
	}
	if len(ident.Breakdown) != 40 {
		t.Errorf("%d cells", len(ident.Breakdown))
	}
	if *ident.Baseline != 100 || len(ident.Targets) != 2 || (ident.Value != nil && (ident.Progress == nil || *ident.Progress != 50)) {
		t.Errorf("baseline %v targets %v progress %v", ident.Baseline, ident.Targets, ident.Progress)
	}
}

// checkAssistedCells checks the cells by assistance type of the persons
// assisted in 2024-H1.
func checkAssistedCells(t *testing.T, assisted measures.Indicator) {
	t.Helper()
	byType := map[string]int64{"shelter": 6, "psychological": 3, "homecoming": 4} // shelter: C1 C2 C3 C6 C7 C10; psychological: C1 C2 C3; homecoming: C2 C3 C4 C9
	for _, c := range assisted.Breakdown {
		if !c.Suppressed && (c.Value == nil || *c.Value != byType[c.AssistanceType]) {
			t.Errorf("assisted %s = %v, want %d", c.AssistanceType, c.Value, byType[c.AssistanceType])
		}
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestCoordinatorNeverReceivesASmallFigure checks, over HTTP with the
// default k = 5, that no figure about persons from 1 to 4 reaches a
// coordinator, and that a caseworker may not read indicators.
func TestCoordinatorNeverReceivesASmallFigure(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	loadIndicatorFixture(t, env.DB)
	for _, who := range []string{"coordinator@mlsp.gov.kg", "supervisor@sezim.kg"} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/indicators?period=2024-H1", Token: env.Token(who)})
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", who, r.Status, r.Body)
		}
		var m measures.Matrix
		r.JSON(t, &m)
		if m.K != 5 || len(m.Items) != 12 {
			t.Fatalf("%+v", m)
		}
		for _, ind := range m.Items {
			if ind.Direction == "prevention" || ind.Code == measures.IndicatorOfficialsTrained {
				continue // activities: no person's figure
			}
			if ind.Value != nil && *ind.Value >= 1 && *ind.Value < 5 && ind.Unit != "percent" && ind.Unit != "days" {
				t.Errorf("%s: %s = %v", who, ind.Code, *ind.Value)
			}
			for _, c := range ind.Breakdown {
				if c.Value != nil && *c.Value >= 1 && *c.Value < 5 {
					t.Errorf("%s: %s cell %+v = %d", who, ind.Code, c, *c.Value)
				}
			}
		}
		// Stays: 4 persons, fewer than k: the mean is withheld.
		if v := value(t, m, measures.IndicatorShelterMeanDays); !v.Suppressed || v.Value != nil {
			t.Errorf("mean days over 4 stays: %+v", v)
		}
		// Homecomings: 3, withheld; reintegrated: 4, withheld.
		for code, sup := range map[string]bool{measures.IndicatorHomecomings: true, measures.IndicatorPersonsReintegrated: true,
			measures.IndicatorReferralsAnsweredOnTime: false} {
			if v := value(t, m, code); v.Suppressed != sup {
				t.Errorf("%s suppressed %v", code, v.Suppressed)
			}
		}
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/indicators?period=2024-H1", Token: env.Token("caseworker@sezim.kg")})
	if r.Status != http.StatusForbidden {
		t.Fatalf("caseworker: %d", r.Status)
	}
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/indicators?period=2099-H1", Token: env.Token("coordinator@mlsp.gov.kg")})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("future period: %d", r.Status)
	}
	_ = context.Background()
}
