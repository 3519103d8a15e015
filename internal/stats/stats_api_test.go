package stats_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/stats"
)

const coordinator = "coordinator@mlsp.gov.kg"

// fixture writes cases straight into the database as the superuser: no
// identity, statistical attributes only, as an import would.
type fixture struct {
	t    *testing.T
	env  *apitest.Env
	n    int
	user string
}

func newFixture(t *testing.T, env *apitest.Env) *fixture {
	return &fixture{t: t, env: env, user: env.UserID("caseworker@sezim.kg")}
}

type fcase struct {
	org          string
	identifiedAt string
	sex, age     string
	region       *string
	channel      string
	exploitation []string
	countries    []string
	stage        string
}

func str(s string) *string { return &s }

// add inserts count cases like c and returns their ids.
func (f *fixture) add(count int, c fcase) []string {
	f.t.Helper()
	if c.stage == "" {
		c.stage = "identification"
	}
	status, reason := "open", any(nil)
	if c.stage == "closed" {
		status, reason = "closed", "reintegrated"
	}
	org := f.env.OrgID(c.org)
	if c.exploitation == nil {
		c.exploitation = []string{}
	}
	if c.countries == nil {
		c.countries = []string{}
	}
	var ids []string
	for i := 0; i < count; i++ {
		f.n++
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
		f.env.DB.Exec(f.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
			closure_reason, identified_at, identification_channel, sex, age_bracket, region_of_origin, exploitation_types,
			countries_of_exploitation, identity_enc, contact_enc)
			VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '\xdeadbeef', '\xdeadbeef')`,
			id, fmt.Sprintf("%s-T-%04d", c.org, f.n), org, c.stage, status, reason, c.identifiedAt, c.channel, c.sex, c.age,
			c.region, c.exploitation, c.countries)
		ids = append(ids, id)
	}
	return ids
}

func (f *fixture) move(ids []string, to, at string) {
	for _, id := range ids {
		f.env.DB.Exec(f.t, `INSERT INTO case_stage_moves (case_id, to_stage, moved_at) VALUES ($1, $2, $3)`, id, to, at)
	}
}

func (f *fixture) assist(ids []string, typ, provider, status, started string) {
	for _, id := range ids {
		f.env.DB.Exec(f.t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on)
			VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)`, id, typ, f.env.OrgID(provider), status, started)
	}
}

// assistSpan records completed assistance of each case from started to ended.
func (f *fixture) assistSpan(ids []string, typ, started, ended string) {
	for _, id := range ids {
		f.env.DB.Exec(f.t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on)
			VALUES (gen_random_uuid(), $1, $2, $3, 'completed', $4, $5)`, id, typ, f.env.OrgID("SEZIM"), started, ended)
	}
}

// refer records a referral from SEZIM to MLSSM-SOC created at created and
// its status changes (status, at) in order.
func (f *fixture) refer(id, created string, changes ...[2]string) {
	f.t.Helper()
	f.n++
	consent := fmt.Sprintf("00000000-0000-4000-9000-%012d", f.n)
	ref := fmt.Sprintf("00000000-0000-4000-a000-%012d", f.n)
	f.env.DB.Exec(f.t, `INSERT INTO consents (id, case_id, purpose, recipient_organization_id, categories, given_by, given_at, recorded_by)
		VALUES ($1, $2, 'data_sharing', $3, '{identity}', 'person', $4::timestamptz - interval '1 hour', $5)`,
		consent, id, f.env.OrgID("MLSSM-SOC"), created, f.user)
	status, responded := "pending", any(nil)
	if len(changes) > 0 {
		status = changes[len(changes)-1][0]
		responded = changes[0][1]
	}
	f.env.DB.Exec(f.t, `INSERT INTO referrals (id, code, case_id, kind, from_organization_id, to_organization_id, urgency, status,
		due_at, consent_id, case_sex, case_age_bracket, created_by, created_at, responded_at)
		VALUES ($1, $2, $3, 'assistance', $4, $5, 'normal', $6, $7::timestamptz + interval '3 days', $8, 'female', '21-23', $9, $7, $10)`,
		ref, fmt.Sprintf("R-T-%04d", f.n), id, f.env.OrgID("SEZIM"), f.env.OrgID("MLSSM-SOC"), status, created, consent, f.user, responded)
	prev := "pending"
	for _, ch := range changes {
		f.env.DB.Exec(f.t, `INSERT INTO referral_events (referral_id, from_status, to_status, at) VALUES ($1, $2, $3, $4)`,
			ref, prev, ch[0], ch[1])
		prev = ch[0]
	}
}

// seed2024H1 builds the hand-computed dataset of the first half of 2024
// (28 persons) and a few cases just outside it.
func seed2024H1(t *testing.T, env *apitest.Env) {
	f := newFixture(t, env)
	bk := str("bishkek_city")
	// The first of them at 01:00 on 1 January 2024 in Bishkek (still 2023 in UTC).
	f.add(1, fcase{org: "SEZIM", identifiedAt: "2023-12-31T19:00:00Z", sex: "female", age: "18-20", region: bk, channel: "hotline",
		exploitation: []string{"sexual_exploitation"}, countries: []string{"RU"}})
	f.add(6, fcase{org: "SEZIM", identifiedAt: "2024-02-10T10:00:00Z", sex: "female", age: "18-20", region: bk, channel: "hotline",
		exploitation: []string{"sexual_exploitation"}, countries: []string{"RU"}})
	f21 := f.add(6, fcase{org: "AKZHUROK", identifiedAt: "2024-01-15T10:00:00Z", sex: "female", age: "21-23", region: bk, channel: "hotline",
		exploitation: []string{"forced_labour", "sexual_exploitation"}, countries: []string{"RU"}, stage: "closed"})
	f24 := f.add(2, fcase{org: "SEZIM", identifiedAt: "2024-03-01T10:00:00Z", sex: "female", age: "24-26", channel: "hotline",
		exploitation: []string{"forced_marriage"}, countries: []string{"KZ"}})
	f.add(8, fcase{org: "SEZIM", identifiedAt: "2024-04-01T10:00:00Z", sex: "male", age: "30-38", region: bk, channel: "hotline",
		exploitation: []string{"forced_labour"}, countries: []string{"RU"}})
	f.add(5, fcase{org: "AKZHUROK", identifiedAt: "2024-05-01T10:00:00Z", sex: "male", age: "39-47", region: str("chui"), channel: "hotline",
		exploitation: []string{"forced_labour"}, countries: []string{"TR"}})
	// Outside: 00:30 on 1 July 2024 in Bishkek, and 2023.
	f.add(1, fcase{org: "SEZIM", identifiedAt: "2024-06-30T18:30:00Z", sex: "male", age: "30-38", region: bk, channel: "police"})
	f.add(3, fcase{org: "SEZIM", identifiedAt: "2023-06-01T10:00:00Z", sex: "male", age: "30-38", region: bk, channel: "police"})

	// The six women of 21-23: identification, shelter in May, closed in
	// August (after the period).
	f.move(f21, "identification", "2024-01-15T10:00:00Z")
	f.move(f21, "shelter", "2024-05-01T10:00:00Z")
	f.move(f21, "closed", "2024-08-01T10:00:00Z")
	f.assist(f21, "shelter", "SEZIM", "completed", "2024-05-01")
	f.assist(f24, "medical", "MOH", "in_progress", "2024-03-05")
	f.assist(f24, "legal", "SEZIM", "planned", "2024-03-05")   // not given: not counted
	f.assist(f24, "legal", "SEZIM", "completed", "2024-07-05") // after the period
	// Referrals in February: five accepted within hours (one completed in
	// September), one declined after five days.
	for i, id := range f21 {
		switch i {
		case 0:
			f.refer(id, "2024-02-01T06:00:00Z", [2]string{"declined", "2024-02-06T06:00:00Z"})
		case 1:
			f.refer(id, "2024-02-01T06:00:00Z", [2]string{"accepted", "2024-02-01T18:00:00Z"}, [2]string{"completed", "2024-09-01T06:00:00Z"})
		default:
			f.refer(id, "2024-02-01T06:00:00Z", [2]string{"accepted", "2024-02-01T18:00:00Z"})
		}
	}
	// Sixteen hotline contacts in March, and one on 1 July in Bishkek
	// (outside the half).
	osh := str("osh")
	f.contact(8, "2024-03-10T10:00:00Z", "job_offer_check", "phone", osh)
	f.contact(4, "2024-03-11T10:00:00Z", "safe_migration_advice", "phone", nil)
	f.contact(2, "2024-03-12T10:00:00Z", "safe_migration_advice", "messenger", nil)
	f.contact(2, "2024-03-13T10:00:00Z", "missing_person", "messenger", osh)
	f.contact(1, "2024-06-30T18:30:00Z", "job_offer_check", "phone", osh)
}

// contact inserts count contacts of the demo hotline recorded at created,
// with their counted columns only (sealed columns left empty).
func (f *fixture) contact(count int, created, topic, channel string, region *string) {
	f.t.Helper()
	for i := 0; i < count; i++ {
		f.n++
		// Every other contact ends with advice given (a consultation).
		outcome := []string{"advice_given", "no_action"}[f.n%2]
		f.env.DB.Exec(f.t, `INSERT INTO contacts (id, code, organization_id, channel, caller, topic, region, outcome,
			key_master_version, key_wrapped, created_by, created_at)
			VALUES ($1, $2, $3, $4, 'anonymous', $5, $6, $7, 'test', '\xdeadbeef', $8, $9)`,
			fmt.Sprintf("00000000-0000-4000-9000-%012d", f.n), fmt.Sprintf("HL-2024-%05d", f.n), f.env.OrgID("HOTLINE-1899"),
			channel, topic, region, outcome, f.user, created)
	}
}

type row map[string]any

// table is a stats.Table as a client reads it: each row a map of its
// dimensions, count and suppressed.
type table struct {
	stats.Table
	Rows []row `json:"rows"`
}

// cell finds the row with the dimension values dims ("dim=value").
func (tb table) cell(t *testing.T, dims ...string) row {
	t.Helper()
next:
	for _, r := range tb.Rows {
		for _, d := range dims {
			k, v, _ := strings.Cut(d, "=")
			if r[k] != v {
				continue next
			}
		}
		return r
	}
	t.Fatalf("%s: no row %v", tb.Name, dims)
	return nil
}

// expect checks a table against its true counts: want holds each non-zero
// cell's true count, or -1 for a count from 1 to k-1 that must be
// withheld; a released cell must equal its true count, every cell not in
// want is a released zero, and no released count lies from 1 to k-1.
func (tb table) expect(t *testing.T, want map[string]int) {
	t.Helper()
	for key, n := range want {
		r := tb.cell(t, strings.Split(key, ",")...)
		switch {
		case n < 0:
			if r["suppressed"] != true || r["count"] != nil {
				t.Errorf("%s %s: %v, want suppressed", tb.Name, key, r)
			}
		case r["suppressed"] == true:
			if r["count"] != nil {
				t.Errorf("%s %s: withheld with a count %v", tb.Name, key, r)
			}
		case r["count"] != float64(n):
			t.Errorf("%s %s: %v, want %d", tb.Name, key, r, n)
		}
	}
	zeros := len(tb.Rows) - len(want)
	n := 0
	for _, r := range tb.Rows {
		if r["count"] == float64(0) && r["suppressed"] == false {
			n++
		}
		if c, ok := r["count"].(float64); ok && c >= 1 && c < float64(tb.K) {
			t.Errorf("%s: %v released below k", tb.Name, r)
		}
	}
	if n != zeros {
		t.Errorf("%s: %d released zeros, want %d", tb.Name, n, zeros)
	}
}

// expectTotal checks that the total, when released, is the true count.
func (tb table) expectTotal(t *testing.T, want int64) {
	t.Helper()
	if tb.Totals.Suppressed != (tb.Totals.Count == nil) || (tb.Totals.Count != nil && *tb.Totals.Count != want) {
		t.Errorf("%s: totals %+v, want %d or withheld", tb.Name, tb.Totals, want)
	}
}

func getTable(t *testing.T, env *apitest.Env, token, path string) table {
	t.Helper()
	var tb table
	env.GetJSON(t, token, path, &tb)
	return tb
}

// tableCase is the expected table of one aggregate: its number of rows,
// its total (-1: withheld) and some of its cells (-1: withheld).
type tableCase struct {
	name  string
	rows  int
	total int64
	want  map[string]int
}

// tablesOf2024H1 are the tables of seed2024H1's first half of 2024.
func tablesOf2024H1() []tableCase {
	return []tableCase{
		{
			// Female 24-26 (2) is withheld.
			name: "persons_by_sex_age", rows: 40, total: 28,
			want: map[string]int{"sex=female,age_bracket=18-20": 7, "sex=female,age_bracket=21-23": 6,
				"sex=female,age_bracket=24-26": -1, "sex=male,age_bracket=30-38": 8, "sex=male,age_bracket=39-47": 5},
		},
		{
			name: "persons_by_exploitation_type", rows: 10, total: 28,
			want: map[string]int{"exploitation_type=forced_labour": 19, "exploitation_type=sexual_exploitation": 13,
				"exploitation_type=forced_marriage": -1},
		},
		{
			name: "persons_by_country_of_exploitation", rows: 11, total: 28,
			want: map[string]int{"country=RU": 21, "country=KZ": -1, "country=TR": 5},
		},
		{
			name: "persons_by_region_of_origin", rows: 11, total: 28,
			want: map[string]int{"region=bishkek_city": 21, "region=unknown": -1, "region=chui": 5},
		},
		{
			name: "persons_by_identification_channel", rows: 10, total: 28,
			want: map[string]int{"identification_channel=hotline": 28},
		},
		{
			// The six women of 21-23 were in shelter on 30 June (closed
			// only in August).
			name: "cases_by_stage", rows: 5, total: 28,
			want: map[string]int{"stage=identification": 22, "stage=shelter": 6},
		},
		{
			name: "assistance_by_type_provider_kind", rows: 14 * 8, total: 8,
			want: map[string]int{"assistance_type=shelter,provider_kind=crisis_center": 6,
				"assistance_type=medical,provider_kind=state_body": -1},
		},
		{
			// Status at the end of June: the completed one was accepted.
			name: "referrals_by_outcome", rows: 6, total: 6,
			want: map[string]int{"outcome=accepted": 5, "outcome=declined": -1},
		},
		{
			name: "referrals_by_response_time", rows: 5, total: 6,
			want: map[string]int{"response_time=within_1_day": 5, "response_time=within_7_days": -1},
		},
		{
			// Contacts, not persons: two about a missing person are withheld.
			name: "contacts_by_topic", rows: 6, total: 16,
			want: map[string]int{"topic=job_offer_check": 8, "topic=missing_person": -1, "topic=victim_seeking_help": 0},
		},
		{
			name: "contacts_by_channel", rows: 6, total: 16,
			want: map[string]int{"contact_channel=messenger": -1, "contact_channel=email": 0},
		},
		{
			name: "contacts_by_region", rows: 11, total: 16,
			want: map[string]int{"region=osh": 10, "region=unknown": 6},
		},
	}
}

// TestSeeded2024H1 runs the tests that read seed2024H1's caseload on one
// database: it is seeded, and its release of 2024 computed, once.
func TestSeeded2024H1(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	seed2024H1(t, env)
	t.Run("TablesCountsAndSuppression", func(t *testing.T) { testTablesCountsAndSuppression(t, env) })
	t.Run("NoIdentityReachable", func(t *testing.T) { testNoIdentityReachable(t, env) })
}

func testTablesCountsAndSuppression(t *testing.T, env *apitest.Env) {
	tok := env.Token(coordinator)
	get := func(name string) table {
		return getTable(t, env, tok, "/api/v1/stats/tables/"+name+"?period=2024-H1")
	}
	for _, tc := range tablesOf2024H1() {
		t.Run(tc.name, func(t *testing.T) {
			tb := get(tc.name)
			if tb.Name != tc.name || tb.Period != "2024-H1" || tb.K != 5 || len(tb.Rows) != tc.rows {
				t.Fatalf("got %s %s k=%d with %d rows", tb.Name, tb.Period, tb.K, len(tb.Rows))
			}
			tb.expectTotal(t, tc.total)
			tb.expect(t, tc.want)
		})
	}

	t.Run("MonthsAreInTheSeriesOnly", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/tables/persons_by_region_of_origin?period=2024-02", Token: tok})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"period"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("YearIncludesTheSecondHalf", func(t *testing.T) {
		tb := getTable(t, env, tok, "/api/v1/stats/tables/persons_by_identification_channel?period=2024")
		// The one police case is withheld, and with it the only other
		// non-zero cell: the total alone would give it away.
		tb.expect(t, map[string]int{"identification_channel=hotline": 28, "identification_channel=police": -1})
		tb.expectTotal(t, 29)
		if r := tb.cell(t, "identification_channel=hotline"); r["suppressed"] != true && !tb.Totals.Suppressed {
			t.Fatalf("hotline and the total both released: the police case follows")
		}
	})
	t.Run("ReadsAreAudited", func(t *testing.T) {
		n := env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'stats.read' AND object_type = 'stats_table'
			AND object_id = 'persons_by_sex_age:2024-H1' AND role = 'coordinator' AND outcome = 'success'`)
		if n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

func TestSeriesLastTwentyFourMonths(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	months := stats.LastEndedMonths(time.Now(), stats.SeriesMonths)
	last, before := months[23], months[22]
	at := func(p stats.Period) string { return p.From.Add(36 * time.Hour).UTC().Format(time.RFC3339) }
	f.add(6, fcase{org: "SEZIM", identifiedAt: at(last), sex: "female", age: "18-20", channel: "hotline"})
	f.add(2, fcase{org: "SEZIM", identifiedAt: at(before), sex: "female", age: "18-20", channel: "hotline"})
	// This month has not ended: left out.
	f.add(4, fcase{org: "SEZIM", identifiedAt: time.Now().UTC().Add(-time.Minute).Format(time.RFC3339), sex: "male", age: "18-20", channel: "hotline"})

	tb := getTable(t, env, env.Token(coordinator), "/api/v1/stats/series/persons_identified")
	if len(tb.Rows) != 24 || tb.Period != months[0].Name+"/"+last.Name || tb.Dimensions[0] != "month" {
		t.Fatalf("got %d rows over %s", len(tb.Rows), tb.Period)
	}
	tb.expect(t, map[string]int{"month=" + last.Name: 6, "month=" + before.Name: -1})
	tb.expectTotal(t, 8)
	f.assist(f.add(5, fcase{org: "SEZIM", identifiedAt: at(before), sex: "male", age: "18-20", channel: "hotline"}),
		"shelter", "SEZIM", "completed", last.From.Add(36*time.Hour).In(stats.Bishkek).Format("2006-01-02"))
	for name, want := range map[string]map[string]int{
		"persons_assisted": {"month=" + last.Name: 5},
		"persons_referred": {},
	} {
		tb := getTable(t, env, env.Token(coordinator), "/api/v1/stats/series/"+name)
		if len(tb.Rows) != 24 {
			t.Fatalf("%s: %d rows", name, len(tb.Rows))
		}
		tb.expect(t, want)
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/series/no_such_series", Token: env.Token(coordinator)})
	if r.Status != http.StatusNotFound {
		t.Fatalf("unknown series: %d", r.Status)
	}
}

func TestPeriods(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	tok := env.Token(coordinator)
	now := time.Now().In(stats.Bishkek)
	half := 1
	if now.Month() >= time.July {
		half = 2
	}
	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"CurrentYearRefused", strconv.Itoa(now.Year()), http.StatusBadRequest},
		{"CurrentHalfYearRefused", fmt.Sprintf("%d-H%d", now.Year(), half), http.StatusBadRequest},
		{"CurrentMonthRefused", now.Format("2006-01"), http.StatusBadRequest},
		{"FutureRefused", strconv.Itoa(now.Year() + 1), http.StatusBadRequest},
		{"MonthOfATableRefused", "2024-03", http.StatusBadRequest},
		{"EndedHalfYear", "2024-H2", http.StatusOK},
		{"EndedYear", "2023", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/tables/persons_by_sex_age?period=" + tc.query, Token: tok})
			if r.Status != tc.want {
				t.Fatalf("%s: %d %s", tc.query, r.Status, r.Body)
			}
			if tc.want == http.StatusBadRequest && !strings.Contains(string(r.Body), `"period"`) {
				t.Fatalf("the problem does not name period: %s", r.Body)
			}
		})
	}
	t.Run("MalformedRefused", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/tables/persons_by_sex_age?period=2024-H3", Token: tok, Invalid: true})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"period"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("DefaultIsTheLastEndedHalfYear", func(t *testing.T) {
		tb := getTable(t, env, tok, "/api/v1/stats/tables/persons_by_sex_age")
		if want := stats.LastEndedHalfYear(time.Now()).Name; tb.Period != want {
			t.Fatalf("period %s, want %s", tb.Period, want)
		}
	})
	t.Run("UnknownTable", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/tables/cases_by_name", Token: tok})
		if r.Status != http.StatusNotFound {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("ListsEveryTableAndSeries", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/tables", Token: tok})
		var l struct {
			Items []stats.Info `json:"items"`
		}
		r.JSON(t, &l)
		if r.Status != http.StatusOK || len(l.Items) != 18 {
			t.Fatalf("%d: %d items", r.Status, len(l.Items))
		}
	})
}

func TestOnlyCoordinators(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("supervisor@moh.kg", "MOH", "supervisor")
	paths := []string{"/api/v1/stats/tables", "/api/v1/stats/tables/persons_by_sex_age?period=2024", "/api/v1/stats/series/persons_identified",
		"/api/v1/stats/tables/cases_by_measure?period=2024", "/api/v1/stats/export/htcds?year=2024", "/api/v1/stats/export/ctdc?year=2024"}
	for _, who := range []string{"caseworker@sezim.kg", "supervisor@sezim.kg", "auditor@jardam.local", "admin@jardam.local", "orgadmin@sezim.kg"} {
		tok := env.Token(who)
		for _, p := range paths {
			if r := env.Do(apitest.Request{Method: http.MethodGet, Path: p, Token: tok}); r.Status != http.StatusForbidden {
				t.Errorf("%s %s: %d", who, p, r.Status)
			}
		}
	}
	for _, p := range paths {
		if r := env.Do(apitest.Request{Method: http.MethodGet, Path: p}); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d", p, r.Status)
		}
	}
}

// testNoIdentityReachable checks the database door: the statistics role
// cannot read identity or contact columns nor other case tables, the views
// expose no such column, and the application role counts other
// organizations' cases through the views only.
func testNoIdentityReachable(t *testing.T, env *apitest.Env) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, superURL(env.DB))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	asStats := func(q string) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // the test only reads; a failed rollback ends with the connection
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE jardam_stats"); err != nil {
			t.Fatal(err)
		}
		var n int64
		return tx.QueryRow(ctx, q).Scan(&n)
	}
	for _, q := range []string{
		"SELECT count(identity_enc) FROM cases",
		"SELECT count(contact_enc) FROM cases",
		"SELECT count(code) FROM cases",
		"SELECT count(*) FROM case_keys",
		"SELECT count(*) FROM case_notes",
		"SELECT count(*) FROM case_blind_index",
		"SELECT count(*) FROM case_events",
		"SELECT count(note_enc) FROM referrals",
		"SELECT count(*) FROM users",
	} {
		err := asStats(q)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("jardam_stats %q: %v, want permission denied", q, err)
		}
	}
	if err := asStats("SELECT count(sex) FROM cases"); err != nil {
		t.Fatalf("jardam_stats reads the statistical columns: %v", err)
	}

	// The door is one function owned by the statistics role.
	if n := env.DB.Count(t, `SELECT count(*) FROM pg_proc WHERE proname = 'jardam_stats_counts'
		AND prosecdef AND pg_get_userbyid(proowner) = 'jardam_stats'`); n != 1 {
		t.Fatal("jardam_stats_counts is not a SECURITY DEFINER function owned by jardam_stats")
	}

	// The application role, with no organization in scope, sees no case row
	// but counts every organization's persons through the function, for
	// whole ended months only.
	if n := env.Count("SELECT count(*) FROM cases"); n != 0 {
		t.Fatalf("the application role sees %d case rows", n)
	}
	if n := env.Count(`SELECT persons FROM jardam_stats_counts('persons_identified', '2022-12-31T18:00:00Z', '2024-12-31T18:00:00Z',
		'{}', '', NULL, NULL) WHERE is_total`); n != 32 {
		t.Fatalf("the function counts %d persons, want 32", n)
	}
	for name, q := range map[string]string{
		"NotWholeMonths": `SELECT count(*) FROM jardam_stats_counts('persons_identified', '2024-02-10T10:00:00Z', '2024-02-10T10:00:01Z', '{}', '', NULL, NULL)`,
		"NotEnded":       `SELECT count(*) FROM jardam_stats_counts('persons_identified', date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek', (date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') + interval '1 month') AT TIME ZONE 'Asia/Bishkek', '{}', '', NULL, NULL)`,
		"UnknownName":    `SELECT count(*) FROM jardam_stats_counts('identity', '2023-12-31T18:00:00Z', '2024-01-31T18:00:00Z', '{}', '', NULL, NULL)`,
	} {
		var n int64
		if err := env.DB.App.Raw(q).Scan(&n).Error; err == nil || !strings.Contains(err.Error(), "22023") {
			t.Errorf("%s: %v, want invalid_parameter_value", name, err)
		}
	}
	if err := env.DB.App.Exec("SET ROLE jardam_stats").Error; err == nil {
		t.Fatal("the application role may take the statistics role")
	}
}

func superURL(d *dbtest.DB) string {
	return strings.Replace(d.SuperURL, "/postgres?", "/"+d.Name+"?", 1)
}
