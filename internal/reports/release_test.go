package reports_test

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// TestHalfSpendingCannotBeSubtractedFromTheBudget: measure 3.1's spending
// in 2024 comes from seven persons in the first half and two in the
// second. Suppressed each on its own, the first half's spending (seven
// persons) and the year's actual (nine) would both be released, and the
// year less the first half would give the two persons' spending. One
// release for the year withholds the second half and one of the two
// others.
func TestHalfSpendingCannotBeSubtractedFromTheBudget(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	for i := 0; i < 9; i++ {
		started, identified := "2024-02-01", "2024-01-10T10:00:00Z"
		if i >= 7 {
			started, identified = "2024-08-01", "2024-07-10T10:00:00Z"
		}
		c := f.person("SEZIM", identified)
		f.assist(c, aid{provider: "SEZIM", typ: "shelter", started: started, ended: started[:8] + "20", cost: kgs(1000 + float64(100*i)),
			source: "state_budget", codes: []string{"3.1"}})
	}
	co := env.Token(coordinator)
	h1, _ := get(t, env, co, "/api/v1/reports/half-year/2024/1").figure(t, "3.1", "spending_kgs")
	h2, h2Withheld := get(t, env, co, "/api/v1/reports/half-year/2024/2").figure(t, "3.1", "spending_kgs")
	if !h2Withheld || h2 != nil {
		t.Fatalf("two persons' spending of 2024-H2 released: %v", *h2)
	}
	// The program's other measures spent nothing: its total, released,
	// would be the measure's actual.
	b, byCode := getBudget(t, env, coordinator, "year=2024")
	year := byCode["3.1"].ActualKGS
	if year == nil {
		year = b.ActualKGS
	}
	if h1 != nil && year != nil {
		t.Fatalf("the year's actual %v less the first half's %v gives the second half's", *year, *h1)
	}
}
