package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// PATCH /me records the caller's language, without a version, for the
// caller only; /me returns it.
func TestLocaleIsRememberedPerPerson(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker, supervisor := env.Token("caseworker@sezim.kg"), env.Token("supervisor@sezim.kg")
	me := func(token string) map[string]any {
		return env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: token}).Map(t)
	}
	if l := me(worker)["locale"]; l != nil {
		t.Fatalf("locale before choosing: %v", l)
	}
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/me", Token: worker, Body: map[string]any{"locale": "ky"}})
	if r.Status != http.StatusOK || r.Map(t)["locale"] != "ky" {
		t.Fatalf("PATCH /me: %d %s", r.Status, r.Body)
	}
	if l := me(worker)["locale"]; l != "ky" {
		t.Fatalf("/me after choosing ky: %v", l)
	}
	if l := me(supervisor)["locale"]; l != nil {
		t.Fatalf("another person's locale changed: %v", l)
	}
	for _, body := range []map[string]any{{"locale": "de"}, {"locale": ""}, {}, {"locale": "ru", "role": "admin"}} {
		r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/me", Token: worker, Body: body, Invalid: true})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "urn:jardam:problem") {
			t.Errorf("PATCH /me %v: %d %s", body, r.Status, r.Body)
		}
	}
	if l := me(worker)["locale"]; l != "ky" {
		t.Fatalf("a refused change changed the locale: %v", l)
	}
}
