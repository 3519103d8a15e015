package stats_test

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

func TestTablesByMeasure(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	in := "2024-02-10T06:00:00Z"
	link := func(ids []string, codes ...string) {
		for _, id := range ids {
			env.DB.Exec(t, `UPDATE cases SET measure_codes = $2 WHERE id = $1`, id, codes)
		}
	}
	both := f.add(6, fcase{org: "SEZIM", identifiedAt: in, sex: "female", age: "18-20", channel: "hotline"})
	link(both, "3.1", "3.2")
	link(f.add(5, fcase{org: "AKZHUROK", identifiedAt: in, sex: "female", age: "18-20", channel: "hotline"}), "3.1")
	f.add(7, fcase{org: "SEZIM", identifiedAt: in, sex: "male", age: "30-38", channel: "hotline"}) // no measure
	// A code that is not among the program's measures counts under other
	// (withheld).
	link(f.add(2, fcase{org: "SEZIM", identifiedAt: in, sex: "male", age: "30-38", channel: "hotline"}), "OLD.7")
	// Outside the period.
	link(f.add(4, fcase{org: "SEZIM", identifiedAt: "2024-08-01T06:00:00Z", sex: "male", age: "30-38", channel: "hotline"}), "3.1")

	// Assistance: the six get shelter under 3.1 and 3.2 and legal aid with
	// no measure; planned assistance is not given.
	f.assist(both, "shelter", "SEZIM", "completed", "2024-03-01")
	for _, id := range both {
		env.DB.Exec(t, `UPDATE assistance SET measure_codes = '{3.1,3.2}' WHERE case_id = $1`, id)
	}
	f.assist(both, "legal", "SEZIM", "in_progress", "2024-04-01")
	f.assist(both, "medical", "SEZIM", "planned", "2024-04-01")

	grid := int(env.DB.Count(t, `SELECT count(*) FROM measures WHERE program = '2022-2025'`)) + 2
	if grid < 10 {
		t.Fatalf("only %d measures in the program", grid-2)
	}
	tok := env.Token(coordinator)
	for _, tc := range []struct {
		name  string
		total int64
		want  map[string]int
	}{
		{"cases_by_measure", 20, map[string]int{"measure=3.1": 11, "measure=3.2": 6, "measure=none": 7, "measure=other": -1}},
		{"assistance_by_measure", 6, map[string]int{"measure=3.1": 6, "measure=3.2": 6, "measure=none": 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := getTable(t, env, tok, "/api/v1/stats/tables/"+tc.name+"?period=2024-H1")
			if len(tb.Rows) != grid || tb.Dimensions[0] != "measure" {
				t.Fatalf("%d rows over %v, want the %d measures of the program, other and none", len(tb.Rows), tb.Dimensions, grid)
			}
			if tb.Rows[len(tb.Rows)-2]["measure"] != "other" || tb.Rows[len(tb.Rows)-1]["measure"] != "none" {
				t.Fatalf("the grid ends with %v, %v", tb.Rows[len(tb.Rows)-2], tb.Rows[len(tb.Rows)-1])
			}
			tb.expectTotal(t, tc.total)
			tb.expect(t, tc.want)
		})
	}
}
