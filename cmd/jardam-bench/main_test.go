package main

import (
	"os"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/platform/database"
)

func TestPercentile_NearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, n := range v {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		name string
		in   []time.Duration
		p    float64
		want float64
	}{
		{"EmptyIsZero", nil, .5, 0},
		{"OneSample", ms(7), .99, 7},
		{"MedianOfFour", ms(1, 2, 3, 4), .5, 2},
		{"P95OfHundred", ms(hundred...), .95, 95},
		{"P99OfHundred", ms(hundred...), .99, 99},
		{"P100IsMax", ms(hundred...), 1, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := percentile(c.in, c.p); got != c.want {
				t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}

func TestWithUser_ReplacesUserAndDatabaseKeepsOptions(t *testing.T) {
	got, err := withUser("postgres://postgres:secret@127.0.0.1:54390/postgres?sslmode=disable", "jardam_app", "jardam_bench")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://jardam_app@127.0.0.1:54390/jardam_bench?sslmode=disable"; got != want {
		t.Errorf("withUser = %s, want %s", got, want)
	}
}

func TestInsertColumns_MapsParametersOfValuesAndSelect(t *testing.T) {
	got := insertColumns(`INSERT INTO case_events (id, case_id, position, kind) VALUES ($1, $2, $3, 'x'), ($4, $5, $6, 'y')`)
	want := map[int]string{1: "id", 2: "case_id", 3: "position", 4: "id", 5: "case_id", 6: "position"}
	if len(got) != len(want) {
		t.Fatalf("insertColumns = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("parameter $%d fills %q, want %q", k, got[k], v)
		}
	}
	sel := insertColumns(`INSERT INTO refresh_tokens (session_id, token_hash, expires_at) SELECT $1, $2, now() + $3 FROM sessions`)
	if sel[1] != "session_id" || sel[2] != "token_hash" || len(sel) != 2 {
		t.Errorf("INSERT ... SELECT maps %v", sel)
	}
	cte := insertColumns(`WITH claim AS (INSERT INTO idempotency_keys (user_id, key, resource_id) VALUES ($4::uuid, $5::text, $1::uuid)
		ON CONFLICT (user_id, key) DO NOTHING RETURNING 1)
		INSERT INTO cases (id, code, owner) SELECT $1::uuid, o.code || $2::text, $3::uuid
		FROM claim, organizations o`)
	if cte[1] != "id" || cte[3] != "owner" || cte[4] != "user_id" || cte[5] != "key" {
		t.Errorf("inserts in common table expressions map %v", cte)
	}
	un := insertColumns(`INSERT INTO case_events (id, case_id, kind) SELECT e.id, c.id, e.kind
		FROM c, unnest($5::uuid[], $6::text[]) AS e(id, kind)`)
	if un[5] != "id" || un[6] != "kind" {
		t.Errorf("unnested arrays map %v", un)
	}
	if m := insertColumns(`SELECT 1 FROM cases WHERE id = $1`); len(m) != 0 {
		t.Errorf("a SELECT maps %v", m)
	}
}

func TestFreshValues_RenewsNewRowsNotExistingOnes(t *testing.T) {
	caseID, userID := "5f0b7f43-7c55-4c1e-9a57-0d0b1d0c6f10", "0c1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	text := func(v string) database.TraceArg { return database.TraceArg{K: "text", V: v} }
	reqs := []request{{Statements: []database.TracedStatement{
		{SQL: `SELECT set_config('jardam.user_id', $1, true)`, Args: []database.TraceArg{text(userID)}},
		{SQL: `INSERT INTO cases (id, code, created_by) VALUES ($1, $2, $3)`, Args: []database.TraceArg{text(caseID), text("SEZIM-2025-0042"), text(userID)}},
		{SQL: `INSERT INTO idempotency_keys (user_id, key) VALUES ($1, $2)`, Args: []database.TraceArg{text(userID), text("bench-1-2")}},
	}}}
	got := freshValues(reqs)
	for _, v := range []string{caseID, "SEZIM-2025-0042", "bench-1-2"} {
		if !got[v] {
			t.Errorf("%s not renewed", v)
		}
	}
	if got[userID] {
		t.Error("the existing user id would be renewed")
	}
	if !writes(reqs) || writes([]request{{Statements: reqs[0].Statements[:1]}}) {
		t.Error("writes misjudges the statements")
	}
}

func TestStatFields_CountsUserAndSystemTicks(t *testing.T) {
	// A command name with a space and a parenthesis, as /proc shows it.
	line := "4242 (postgres: a) b) S 4100 4242 4242 0 -1 4194560 300 0 0 0 250 50 7 3 20 0 1 0 100 0 0\n"
	f := statFields(line)
	if len(f) < 15 || f[0] != "S" || f[1] != "4100" {
		t.Fatalf("fields %q", f)
	}
	if got, want := ticks(f, false), 3*time.Second; got != want {
		t.Errorf("own time %v, want %v", got, want)
	}
	if got, want := ticks(f, true), 3100*time.Millisecond; got != want {
		t.Errorf("with children %v, want %v", got, want)
	}
	if statFields("no parenthesis") != nil {
		t.Error("a line without the command's name gave fields")
	}
}

func TestProcTime_GrowsWithWork(t *testing.T) {
	before := procTime(os.Getpid(), false)
	deadline := time.Now().Add(150 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if after := procTime(os.Getpid(), false); after <= before {
		t.Errorf("processor time went from %v to %v over 150 ms of work", before, after)
	}
}
