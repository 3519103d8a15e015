package measures_test

import (
	"net/http"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

func TestMeasuresAndActivitiesOverHTTP(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	coordinator := env.Token("coordinator@mlsp.gov.kg")

	t.Run("AnyoneSignedInListsMeasures", func(t *testing.T) {
		listMeasuresAsAnyone(t, env, worker, coordinator, env.Token("auditor@jardam.local"))
	})
	t.Run("AnonymousUnauthorized", func(t *testing.T) {
		if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/measures"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("%d", r.Status)
		}
	})
	t.Run("BadDirectionBadRequest", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/measures?direction=sports", Token: worker, Invalid: true})
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%d", r.Status)
		}
	})

	activity := map[string]any{"held_on": "2025-03-14", "region": "bishkek_city", "kind": "training",
		"title": "Training of district police officers", "participants": map[string]int{"female": 4, "male": 11},
		"people_reached": 15, "cost_kgs": 8000, "funding_source": "international_organization", "measure_code": "4.1"}
	t.Run("CaseworkerRecordsActivity", func(t *testing.T) {
		recordActivity(t, env, worker, activity)
	})
	t.Run("UnknownMeasureBadRequest", func(t *testing.T) {
		bad := map[string]any{}
		for k, v := range activity {
			bad[k] = v
		}
		bad["measure_code"] = "9.9"
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/activities", Token: worker, Body: bad})
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("CoordinatorForbidden", func(t *testing.T) {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			req := apitest.Request{Method: m, Path: "/api/v1/activities", Token: coordinator}
			if m == http.MethodPost {
				req.Body = activity
			}
			if r := env.Do(req); r.Status != http.StatusForbidden {
				t.Fatalf("%s: %d", m, r.Status)
			}
		}
	})
}

// listMeasuresAsAnyone checks that each of tokens lists all measures, and
// that the first lists a direction of a program.
func listMeasuresAsAnyone(t *testing.T, env *apitest.Env, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/measures", Token: tok})
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var l struct {
			Items []struct {
				Code                       string   `json:"code"`
				ResponsibleOrganizationIDs []string `json:"responsible_organization_ids"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		r.JSON(t, &l)
		if len(l.Items) != 19 || l.NextCursor != nil {
			t.Fatalf("%d measures", len(l.Items))
		}
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/measures?direction=protection&program=2022-2025", Token: tokens[0]})
	if r.Status != http.StatusOK || len(r.Map(t)["items"].([]any)) != 6 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// recordActivity checks that the caseworker behind worker records
// activity once under an idempotency key, that the caseworker's
// organization lists it and that another organization does not.
func recordActivity(t *testing.T, env *apitest.Env, worker string, activity map[string]any) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/activities", Token: worker, Body: activity,
		Header: map[string]string{"Idempotency-Key": "act-1"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	a := r.Map(t)
	if a["participants_total"].(float64) != 15 || a["organization_id"] != env.OrgID("SEZIM") {
		t.Fatalf("%v", a)
	}
	again := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/activities", Token: worker, Body: activity,
		Header: map[string]string{"Idempotency-Key": "act-1"}})
	if again.Status != http.StatusCreated || again.Map(t)["id"] != a["id"] {
		t.Fatalf("replay: %d %s", again.Status, again.Body)
	}
	l := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/activities?measure_code=4.1", Token: env.Token("supervisor@sezim.kg")})
	if l.Status != http.StatusOK || len(l.Map(t)["items"].([]any)) != 1 {
		t.Fatalf("%d %s", l.Status, l.Body)
	}
	other := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/activities", Token: env.Token("caseworker@akzhurok.kg")})
	if other.Status != http.StatusOK || len(other.Map(t)["items"].([]any)) != 0 {
		t.Fatalf("another organization: %d %s", other.Status, other.Body)
	}
}
