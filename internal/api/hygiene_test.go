package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// referredCaseWithEvents opens a case at Sezim with a trafficking event,
// and refers it to MLSSM-SOC under a consent to the identity and contact
// categories, accepted. It returns the sender's and the recipient's tokens,
// the case id and the consent id.
func referredCaseWithEvents(t *testing.T, env *apitest.Env) (sender, recipient, caseID, consentID string) {
	t.Helper()
	sender, recipient = env.Token("caseworker@sezim.kg"), env.Token("social@mlsp.gov.kg")
	c := newCase(t, env, sender, map[string]any{"sex": "female",
		"identity": map[string]any{"given_name": "Нурзат", "family_name": "Осмонова", "birth_date": "2000-05-06", "phone": "+996700111222"},
		"trafficking_events": []map[string]any{{"kind": "exploitation", "country": "RU", "year_month": "2024-11",
			"place": "PLACE-MARKER-41c2", "details": "DETAILS-MARKER-9e07\nsecond line"}}})
	caseID = c["id"].(string)
	r := post(env, sender, "/api/v1/cases/"+caseID+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity", "contact", "assistance_history"},
		"given_by": "person"})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	consentID = r.Map(t)["id"].(string)
	r = post(env, sender, "/api/v1/cases/"+caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"assistance_types": []string{"financial"}, "categories": []string{"identity", "contact", "assistance_history"},
		"urgency": "normal", "consent_id": consentID})
	if r.Status != http.StatusCreated {
		t.Fatalf("referral: %d %s", r.Status, r.Body)
	}
	if r := post(env, recipient, "/api/v1/referrals/"+r.Map(t)["id"].(string)+"/accept", map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	return sender, recipient, caseID, consentID
}

// TestEventPlaceAndDetailsStayWithTheOwner: a referred organization with
// the identity and contact categories reads the events' kind, country and
// month, never their place and details; the owner reads them.
func TestEventPlaceAndDetailsStayWithTheOwner(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sender, recipient, caseID, _ := referredCaseWithEvents(t, env)
	read := func(tok string) *apitest.Response {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID, Token: tok})
		if r.Status != http.StatusOK {
			t.Fatalf("read: %d %s", r.Status, r.Body)
		}
		return r
	}
	own := read(sender)
	if !strings.Contains(string(own.Body), "PLACE-MARKER-41c2") || !strings.Contains(string(own.Body), "DETAILS-MARKER-9e07") {
		t.Fatalf("the owner does not see the event's place and details: %s", own.Body)
	}
	ref := read(recipient)
	c := ref.Map(t)
	if id, _ := c["identity"].(map[string]any); id["given_name"] != "Нурзат" || id["phone"] != "+996700111222" {
		t.Fatalf("consented identity and contact missing: %v", c["identity"])
	}
	evs, _ := c["trafficking_events"].([]any)
	if len(evs) != 1 || evs[0].(map[string]any)["country"] != "RU" {
		t.Fatalf("events %v: want the country without place or details", evs)
	}
	for _, body := range [][]byte{ref.Body,
		env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: recipient}).Body} {
		if strings.Contains(string(body), "PLACE-MARKER") || strings.Contains(string(body), "DETAILS-MARKER") {
			t.Fatalf("the referred organization sees the event's place or details: %s", body)
		}
	}
}

// TestAssistanceAfterConsentWithdrawal: once the consent is withdrawn the
// provider no longer sees the case, and its assistance record there
// answers 404 exactly like a missing one (not a 409 about an erasure that
// did not happen); the owner still updates it.
func TestAssistanceAfterConsentWithdrawal(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sender, recipient, caseID, consentID := referredCaseWithEvents(t, env)
	r := post(env, recipient, "/api/v1/cases/"+caseID+"/assistance", map[string]any{"type": "financial", "status": "in_progress",
		"notes": "first payment made"})
	if r.Status != http.StatusCreated {
		t.Fatalf("assistance: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	patch := func(tok, id string, version string, body map[string]any) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/assistance/" + id, Token: tok,
			Header: map[string]string{"If-Match": `"` + version + `"`}, Body: body})
	}
	if r := patch(recipient, id, "1", map[string]any{"notes": "second payment made"}); r.Status != http.StatusOK {
		t.Fatalf("provider updates its assistance under consent: %d %s", r.Status, r.Body)
	}
	if r := post(env, sender, "/api/v1/consents/"+consentID+"/withdraw", map[string]any{"reason": "asked to stop"}); r.Status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	for _, body := range []map[string]any{{"notes": "third payment"}, {"status": "completed"}} {
		got := patch(recipient, id, "2", body)
		missing := patch(recipient, "00000000-0000-4000-8000-000000000000", "2", body)
		if got.Status != http.StatusNotFound {
			t.Fatalf("provider after withdrawal: %d %s, want 404", got.Status, got.Body)
		}
		if a, b := requestIDField.ReplaceAll(got.Body, nil), requestIDField.ReplaceAll(missing.Body, nil); string(a) != string(b) {
			t.Fatalf("after withdrawal %s, missing %s: want the same answer", a, b)
		}
	}
	if r := patch(sender, id, "2", map[string]any{"status": "completed"}); r.Status != http.StatusOK {
		t.Fatalf("owner updates the assistance after withdrawal: %d %s", r.Status, r.Body)
	}
}

// TestControlCharactersAnswer400 sends control characters in text fields:
// 400 naming the field and nothing written; line breaks and tabs pass in
// multi-line fields.
func TestControlCharactersAnswer400(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin, worker := env.Token("admin@jardam.local"), env.Token("caseworker@sezim.kg")
	c := newCase(t, env, worker, nil)
	caseID := c["id"].(string)
	for _, tc := range []struct {
		name, token, method, path, field string
		body                             map[string]any
	}{
		{"NULInUserName", admin, http.MethodPost, "/api/v1/users", "name", map[string]any{"email": "nul@sezim.kg",
			"name": "Ai\x00gul", "role": "caseworker", "organization_id": env.OrgID("SEZIM"), "password": "a-long-enough-pass-7"}},
		{"EscapeInGivenName", worker, http.MethodPost, "/api/v1/cases", "identity.given_name",
			map[string]any{"identity": map[string]any{"given_name": "\x1b[2J", "family_name": "X"}}},
		{"LineFeedInEventPlace", worker, http.MethodPost, "/api/v1/cases", "trafficking_events.place",
			map[string]any{"trafficking_events": []map[string]any{{"kind": "exploitation", "place": "a\nb"}}}},
		{"NULInNote", worker, http.MethodPost, "/api/v1/cases/" + caseID + "/notes", "text", map[string]any{"text": "a\x00b"}},
		{"BellInStageReason", worker, http.MethodPost, "/api/v1/cases/" + caseID + "/stage", "reason",
			map[string]any{"stage": "shelter", "reason": "moved\a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := env.DB.Count(t, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_notes)
				+ (SELECT count(*) FROM case_stage_moves)`)
			r := env.Do(apitest.Request{Method: tc.method, Path: tc.path, Token: tc.token, Body: tc.body, Invalid: true})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("got %d %s, want 400 naming %s", r.Status, r.Body, tc.field)
			}
			after := env.DB.Count(t, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_notes)
				+ (SELECT count(*) FROM case_stage_moves)`)
			if after != before {
				t.Fatalf("rows %d -> %d: something was written", before, after)
			}
		})
	}
	t.Run("MultilineFieldsKeepLineBreaksAndTabs", func(t *testing.T) {
		text := "first line\r\nsecond line\twith a tab"
		r := post(env, worker, "/api/v1/cases/"+caseID+"/notes", map[string]any{"text": text})
		if r.Status != http.StatusCreated || r.Map(t)["text"] != text {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}
	})
}

// TestListsAndSearchesReturnNamesAndAreOnTheAccessLog: lists and searches
// return the name fields of the identity only, and write one entry per
// case whose name they returned, which the case's access log shows with
// the actor's name, whichever organization listed it.
func TestListsAndSearchesReturnNamesAndAreOnTheAccessLog(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sender, recipient, caseID, _ := referredCaseWithEvents(t, env)
	newCase(t, env, sender, nil)
	namesOnly := func(t *testing.T, r *apitest.Response, want int) []string {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		items := r.Map(t)["items"].([]any)
		if len(items) != want {
			t.Fatalf("%d items, want %d", len(items), want)
		}
		var ids []string
		for _, it := range items {
			c := it.(map[string]any)
			id, _ := c["identity"].(map[string]any)
			if id["given_name"] == nil || id["family_name"] == nil {
				t.Fatalf("no name in %v", c["identity"])
			}
			for k := range id {
				if k != "given_name" && k != "family_name" && k != "patronymic" {
					t.Fatalf("%s returned by a list or a search", k)
				}
			}
			ids = append(ids, c["id"].(string))
		}
		return ids
	}
	entriesOf := func(r *apitest.Response, action string) int64 {
		return env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = $1 AND request_id = $2 AND object_type = 'case'
			AND object_id <> ''`, action, r.Header.Get("X-Request-Id"))
	}
	list := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: sender})
	if ids := namesOnly(t, list, 2); entriesOf(list, "case.list") != int64(len(ids)) {
		t.Fatalf("%d case.list entries, want one per case", entriesOf(list, "case.list"))
	}
	refList := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: recipient})
	if ids := namesOnly(t, refList, 1); ids[0] != caseID || entriesOf(refList, "case.list") != 1 {
		t.Fatalf("recipient's list: %v, %d entries", ids, entriesOf(refList, "case.list"))
	}
	search := post(env, sender, "/api/v1/cases/search", map[string]any{"identity": map[string]any{"given_name": "Нурзат", "family_name": "Осмонова"}})
	if ids := namesOnly(t, search, 1); ids[0] != caseID || entriesOf(search, "case.search") != 1 {
		t.Fatalf("search: %v, %d entries", ids, entriesOf(search, "case.search"))
	}
	// The case's access log shows both organizations' reads, by name.
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID + "/access-log?limit=200",
		Token: env.Token("supervisor@sezim.kg")})
	if r.Status != http.StatusOK {
		t.Fatalf("access log: %d %s", r.Status, r.Body)
	}
	var log struct {
		Items []struct {
			Action         string  `json:"action"`
			OrganizationID string  `json:"organization_id"`
			ActorName      *string `json:"actor_name"`
			RequestID      string  `json:"request_id"`
		} `json:"items"`
	}
	r.JSON(t, &log)
	seen := map[string]bool{}
	for _, e := range log.Items {
		if e.ActorName == nil || *e.ActorName == "" {
			t.Fatalf("entry %s without actor_name", e.Action)
		}
		switch e.RequestID {
		case refList.Header.Get("X-Request-Id"):
			seen["recipient list"] = e.Action == "case.list" && e.OrganizationID == env.OrgID("MLSSM-SOC")
		case list.Header.Get("X-Request-Id"):
			seen["sender list"] = e.Action == "case.list"
		case search.Header.Get("X-Request-Id"):
			seen["search"] = e.Action == "case.search"
		}
	}
	if !seen["recipient list"] || !seen["sender list"] || !seen["search"] {
		t.Fatalf("access log shows %v, want both lists and the search", seen)
	}
}
