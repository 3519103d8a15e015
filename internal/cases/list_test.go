package cases_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// TestListPagesExactlyTheVisibleCases: the case list, read on its owned and
// referred branches and paged two at a time, gives each account exactly
// the cases access.VisibleCasesSQL selects, newest first, each once; a
// case seen through a referral shows its identity only when consented.
func TestListPagesExactlyTheVisibleCases(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("caseworker2@sezim.kg", "SEZIM", "caseworker")
	sezimW, sezimW2, sezimS := env.Token("caseworker@sezim.kg"), env.Token("caseworker2@sezim.kg"), env.Token("supervisor@sezim.kg")
	akzW, social := env.Token("caseworker@akzhurok.kg"), env.Token("social@mlsp.gov.kg")
	do := func(tok, method, path string, body any, want int) map[string]any {
		t.Helper()
		r := env.Do(apitest.Request{Method: method, Path: path, Token: tok, Body: body})
		if r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r.Map(t)
	}
	create := func(tok, given string) string {
		return do(tok, http.MethodPost, "/api/v1/cases", map[string]any{"identity": map[string]any{
			"given_name": given, "family_name": "Асанова", "birth_date": "1999-04-12"}}, http.StatusCreated)["id"].(string)
	}
	refer := func(from, to, caseID, toOrg string, categories []string) {
		consent := do(from, http.MethodPost, "/api/v1/cases/"+caseID+"/consents", map[string]any{"purpose": "data_sharing",
			"recipient_organization_id": toOrg, "categories": categories, "given_by": "person"}, http.StatusCreated)["id"].(string)
		ref := do(from, http.MethodPost, "/api/v1/cases/"+caseID+"/referrals", map[string]any{"kind": "assistance",
			"to_organization_id": toOrg, "assistance_types": []string{"legal"}, "categories": categories,
			"urgency": "normal", "consent_id": consent}, http.StatusCreated)["id"].(string)
		do(to, http.MethodPost, "/api/v1/referrals/"+ref+"/accept", map[string]any{}, http.StatusOK)
	}
	var sezimCases []string
	for _, n := range []string{"Айгүл", "Бермет", "Динара"} {
		sezimCases = append(sezimCases, create(sezimW, n))
	}
	create(sezimW2, "Назира")
	create(sezimS, "Чолпон")
	akz := create(akzW, "Асель")
	create(akzW, "Мээрим")
	// Akzhurok refers a case to Sezim (identity consented), accepted by
	// Sezim's caseworker; Sezim refers one to the department without it.
	refer(akzW, sezimW, akz, env.OrgID("SEZIM"), []string{"identity"})
	refer(sezimW, social, sezimCases[1], env.OrgID("MLSSM-SOC"), []string{"health"})

	for _, a := range []struct{ email, tok string }{
		{"caseworker@sezim.kg", sezimW}, {"caseworker2@sezim.kg", sezimW2}, {"supervisor@sezim.kg", sezimS},
		{"caseworker@akzhurok.kg", akzW}, {"social@mlsp.gov.kg", social},
	} {
		t.Run(a.email, func(t *testing.T) {
			for _, sort := range []string{"last_activity_at", "identified_at"} {
				want := visibleCases(t, env, a.email, sort)
				if got, _ := listAll(t, env, a.tok, sort); !slices.Equal(got, want) {
					t.Fatalf("sorted by %s: listed %v\nwant     %v", sort, got, want)
				}
			}
			want := visibleCases(t, env, a.email, "created_at")
			got, identity := listAll(t, env, a.tok, "")
			if !slices.Equal(got, want) {
				t.Fatalf("listed %v\nwant     %v", got, want)
			}
			if len(want) == 0 && a.email != "social@mlsp.gov.kg" {
				t.Fatal("the account sees no case: the test proves nothing")
			}
			switch a.email {
			case "caseworker@sezim.kg", "supervisor@sezim.kg":
				if !slices.Contains(got, akz) || !identity[akz] {
					t.Errorf("the case referred with its identity is missing or without identity (%v)", identity[akz])
				}
			case "social@mlsp.gov.kg":
				if !slices.Equal(got, []string{sezimCases[1]}) || identity[sezimCases[1]] {
					t.Errorf("the department lists %v, identity shown %v; want only the referred case, without identity", got, identity[sezimCases[1]])
				}
			}
		})
	}
}

// A case's last activity moves when anything is recorded on it, by its
// owner or by the organization it is referred to, and not when it is read;
// the list sorted by it puts that case first. An unknown order answers 400
// naming sort.
func TestListSortedByLastActivity(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w, social := env.Token("caseworker@sezim.kg"), env.Token("social@mlsp.gov.kg")
	do := func(tok, method, path string, body any, want int) map[string]any {
		t.Helper()
		r := env.Do(apitest.Request{Method: method, Path: path, Token: tok, Body: body, Invalid: want == http.StatusBadRequest})
		if r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r.Map(t)
	}
	var ids []string
	for _, name := range []string{"Айгүл", "Бермет", "Динара"} {
		ids = append(ids, do(w, http.MethodPost, "/api/v1/cases", map[string]any{"identity": map[string]any{"given_name": name}},
			http.StatusCreated)["id"].(string))
	}
	first := func() (string, string) {
		t.Helper()
		items := do(w, http.MethodGet, "/api/v1/cases?limit=1&sort=last_activity_at", nil, http.StatusOK)["items"].([]any)
		c := items[0].(map[string]any)
		return c["id"].(string), c["last_activity_at"].(string)
	}
	if got, _ := first(); got != ids[2] {
		t.Fatalf("before any activity the newest case comes first: %s, want %s", got, ids[2])
	}
	// The list names the assigned workers of the caller's organization.
	listed := do(w, http.MethodGet, "/api/v1/cases?limit=1", nil, http.StatusOK)["items"].([]any)[0].(map[string]any)
	if ws, _ := listed["assigned_workers"].([]any); len(ws) != 1 || ws[0].(map[string]any)["name"] == "" ||
		ws[0].(map[string]any)["id"] != env.DB.Principal(t, "caseworker@sezim.kg").UserID.String() {
		t.Fatalf("assigned workers in the list: %v", listed["assigned_workers"])
	}
	consent := do(w, http.MethodPost, "/api/v1/cases/"+ids[0]+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"health"}, "given_by": "person"}, http.StatusCreated)["id"].(string)
	ref := do(w, http.MethodPost, "/api/v1/cases/"+ids[0]+"/referrals", map[string]any{"kind": "assistance",
		"to_organization_id": env.OrgID("MLSSM-SOC"), "assistance_types": []string{"legal"}, "categories": []string{"health"},
		"urgency": "normal", "consent_id": consent}, http.StatusCreated)["id"].(string)
	do(social, http.MethodPost, "/api/v1/referrals/"+ref+"/accept", map[string]any{}, http.StatusOK)
	// The referred organization does not learn who works the case at its owner.
	for _, it := range do(social, http.MethodGet, "/api/v1/cases", nil, http.StatusOK)["items"].([]any) {
		if ws, _ := it.(map[string]any)["assigned_workers"].([]any); len(ws) != 0 {
			t.Fatalf("the referred organization sees the owner's workers: %v", ws)
		}
	}
	do(w, http.MethodPost, "/api/v1/cases/"+ids[1]+"/notes", map[string]string{"text": "visit"}, http.StatusCreated)
	if got, _ := first(); got != ids[1] {
		t.Fatalf("after a note the noted case comes first: %s, want %s", got, ids[1])
	}
	// The referred organization records assistance on the owner's case.
	do(social, http.MethodPost, "/api/v1/cases/"+ids[0]+"/assistance", map[string]any{"type": "legal", "status": "in_progress",
		"started_on": "2025-03-01"}, http.StatusCreated)
	got, at := first()
	if got != ids[0] {
		t.Fatalf("after the referred organization's assistance that case comes first: %s, want %s", got, ids[0])
	}
	do(w, http.MethodGet, "/api/v1/cases/"+ids[2], nil, http.StatusOK)
	if again, at2 := first(); again != ids[0] || at2 != at {
		t.Fatalf("reading a case moved the order: first %s at %s, was %s at %s", again, at2, ids[0], at)
	}
	do(w, http.MethodPatch, "/api/v1/cases/"+ids[2], map[string]any{"risk_level": "high", "version": 1}, http.StatusOK)
	if got, _ := first(); got != ids[2] {
		t.Fatalf("after an edit the edited case comes first: %s, want %s", got, ids[2])
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?sort=name", Token: w, Invalid: true})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"sort"`) {
		t.Fatalf("unknown sort: %d %s", r.Status, r.Body)
	}
}

// listAll reads the case list, sorted by sort (empty: the default), two at
// a time to its end and returns the ids in order and, by id, whether the
// identity was shown.
func listAll(t *testing.T, env *apitest.Env, tok, sort string) ([]string, map[string]bool) {
	t.Helper()
	var got []string
	identity := map[string]bool{}
	base := "/api/v1/cases?limit=2"
	if sort != "" {
		base += "&sort=" + sort
	}
	path := base
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("the list does not end")
		}
		var page map[string]any
		env.GetJSON(t, tok, path, &page)
		for _, it := range page["items"].([]any) {
			c := it.(map[string]any)
			got = append(got, c["id"].(string))
			identity[c["id"].(string)] = c["identity"] != nil
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return got, identity
		}
		path = base + "&cursor=" + url.QueryEscape(next)
	}
}

// visibleCases returns, newest first by the column sort, the cases
// access.VisibleCasesSQL selects for the account, read as it in its
// row-level security scope.
func visibleCases(t *testing.T, env *apitest.Env, email, sort string) []string {
	t.Helper()
	db := env.DB.App
	u := env.DB.Principal(t, email)
	cond, args := access.VisibleCasesSQL(u)
	var ids []string
	err := database.InOrgTx(context.Background(), db, u.OrganizationID, u.UserID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT c.id::text FROM cases c WHERE `+cond+` ORDER BY c.`+sort+` DESC, c.id DESC`, args).Scan(&ids).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
