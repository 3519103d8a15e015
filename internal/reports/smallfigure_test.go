//go:build attack

package reports_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/stats"
)

// TestCoordinatorNeverReceivesASmallFigure fills every half-year of 2022 to
// 2025 with random small records and checks every report a coordinator can
// ask for, as JSON and as exports.
func TestCoordinatorNeverReceivesASmallFigure(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	rng := rand.New(rand.NewPCG(7, 11))
	orgs := []string{"SEZIM", "AKZHUROK", "MLSSM-SOC", "IOM", "MIA"}
	codes := []string{"2.1", "2.4", "3.1", "3.2", "3.3", "3.5", "4.1"}
	types := map[string]string{"3.1": "shelter", "3.2": "psychological", "3.3": "legal", "3.5": "employment"}
	halves := [][2]int{}
	for y := 2022; y <= 2025; y++ {
		for h := 1; h <= 2; h++ {
			halves = append(halves, [2]int{y, h})
			start := time.Date(y, time.Month(1+6*(h-1)), 1, 0, 0, 0, 0, stats.Bishkek)
			day := func() string { return start.AddDate(0, rng.IntN(6), rng.IntN(27)).Format("2006-01-02") }
			for range 4 + rng.IntN(12) {
				org := orgs[rng.IntN(len(orgs))]
				code := []string{"3.1", "3.2", "3.3", "3.5"}[rng.IntN(4)]
				c := f.person(org, day()+"T06:00:00Z", code)
				f.assist(c, aid{provider: org, typ: types[code], started: day(), cost: kgs(float64(100 * (1 + rng.IntN(50)))),
					source: "state_budget", codes: []string{code}})
			}
			for range rng.IntN(6) {
				f.activity(act{org: orgs[rng.IntN(len(orgs))], heldOn: day(), kind: []string{"training", "awareness_event"}[rng.IntN(2)],
					participants: rng.IntN(7), reach: rng.IntN(9), code: codes[rng.IntN(len(codes))]})
			}
		}
	}
	co := env.Token(coordinator)
	for _, h := range halves {
		base := fmt.Sprintf("/api/v1/reports/half-year/%d/%d", h[0], h[1])
		queries := []string{""}
		for _, o := range orgs {
			queries = append(queries, "?organization_id="+env.OrgID(o))
		}
		for _, q := range queries {
			r := get(t, env, co, base+q)
			noSmallFigure(t, r)
			sep := "?"
			if q != "" {
				sep = "&"
			}
			x := env.Do(apitest.Request{Method: http.MethodGet, Path: base + q + sep + "format=xlsx", Token: co})
			checkXLSX(t, x.Body, r)
			c := env.Do(apitest.Request{Method: http.MethodGet, Path: base + q + sep + "format=csv", Token: co})
			checkCSV(t, c.Body, r)
		}
	}
}
