package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/contacts"
)

var contactCode = regexp.MustCompile(`^HL-[0-9]{4}-[0-9]{5}$`)

func newContact(t *testing.T, env *apitest.Env, tok string, body map[string]any) map[string]any {
	t.Helper()
	r := post(env, tok, "/api/v1/contacts", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create contact: %d %s", r.Status, r.Body)
	}
	return r.Map(t)
}

// wantProblem checks a problem+json answer of status naming field.
func wantProblem(t *testing.T, r *apitest.Response, status int, field string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(string(r.Body), `"`+field+`"`) {
		t.Fatalf("want %d naming %s, got %d %s", status, field, r.Status, r.Body)
	}
}

// countInOrg runs a count query as the application role in a transaction
// of the organization with code org (row-level security applies).
func countInOrg(t *testing.T, env *apitest.Env, org, query string, args ...any) int64 {
	t.Helper()
	var n int64
	err := env.DB.App.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, env.OrgID(org)).Error; err != nil {
			return err
		}
		return tx.Raw(query, args...).Scan(&n).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hotlineWorld is the API with a second hotline and its operator, and the
// tokens of the accounts the hotline tests act as.
type hotlineWorld struct {
	env                *apitest.Env
	op, other, cw, sup string
}

// addOshLine adds a second hotline, HOTLINE-OSH, and its operator
// operator@osh-line.kg, for isolation.
func addOshLine(t *testing.T, env *apitest.Env) {
	t.Helper()
	if err := env.DB.App.Exec(`INSERT INTO organizations (code, name_ru, name_ky, name_en, kind, region)
		VALUES ('HOTLINE-OSH', 'Линия Ош', 'Ош линиясы', 'Osh line', 'hotline', 'osh_city')`).Error; err != nil {
		t.Fatal(err)
	}
	env.AddUser("operator@osh-line.kg", "HOTLINE-OSH", "hotline_operator")
}

func TestHotlineContacts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	// A second hotline and its operator, for isolation.
	addOshLine(t, env)
	w := &hotlineWorld{env: env, op: env.Token("operator@hotline1899.kg"), other: env.Token("operator@osh-line.kg"),
		cw: env.Token("caseworker@sezim.kg"), sup: env.Token("supervisor@sezim.kg")}

	t.Run("operators are granted by the hotline's org admin and approved by a second person", func(t *testing.T) { hotlineGrants(t, w) })
	t.Run("a contact needs no name, only channel, caller and topic", func(t *testing.T) { hotlineNameless(t, w) })
	t.Run("a PATCH needs the current version", func(t *testing.T) { hotlinePatch(t, w) })
	t.Run("operators see their organization's contacts only and no case, 404 alike", func(t *testing.T) { hotlineIsolation(t, w) })
	t.Run("refer and accept opens a case at the center with exactly the consented fields", func(t *testing.T) { hotlineReferAccept(t, w) })
	t.Run("contacts that became no case are erased after the retention period", func(t *testing.T) { hotlineRetention(t, w) })
	t.Run("every read and write of a contact is audited", func(t *testing.T) { hotlineAudit(t, w) })
}

// hotlineGrants: operators are granted by the hotline's org admin and approved by a second person.
func hotlineGrants(t *testing.T, w *hotlineWorld) {
	env := w.env
	env.AddUser("orgadmin@hotline1899.kg", "HOTLINE-1899", "org_admin")
	hotAdmin := env.Token("orgadmin@hotline1899.kg")
	r := post(env, env.Token("orgadmin@sezim.kg"), "/api/v1/users", map[string]any{"email": "op2@sezim.kg",
		"name": "Not an operator", "role": "hotline_operator", "organization_id": env.OrgID("SEZIM")})
	wantProblem(t, r, http.StatusBadRequest, "role")
	r = post(env, hotAdmin, "/api/v1/users", map[string]any{"email": "cw@hotline1899.kg",
		"name": "Not a caseworker", "role": "caseworker", "organization_id": env.OrgID("HOTLINE-1899")})
	wantProblem(t, r, http.StatusBadRequest, "role")
	r = post(env, hotAdmin, "/api/v1/users", map[string]any{"email": "op2@hotline1899.kg",
		"name": "Second Operator", "role": "hotline_operator", "organization_id": env.OrgID("HOTLINE-1899")})
	u := r.Map(t)
	if r.Status != http.StatusCreated || u["status"] != "pending_approval" {
		t.Fatalf("create operator: %d %s", r.Status, r.Body)
	}
	if r := post(env, hotAdmin, "/api/v1/users/"+u["id"].(string)+"/approve", map[string]any{}); r.Status != http.StatusForbidden {
		t.Fatalf("the org admin approves its own request: %d", r.Status)
	}
	r = post(env, env.Token("supervisor@hotline1899.kg"), "/api/v1/users/"+u["id"].(string)+"/approve", map[string]any{})
	if r.Status != http.StatusOK || r.Map(t)["one_time_password"] == nil {
		t.Fatalf("the hotline's supervisor approves: %d %s", r.Status, r.Body)
	}
}

// hotlineNameless: a contact needs no name, only channel, caller and topic.
func hotlineNameless(t *testing.T, w *hotlineWorld) {
	env, op := w.env, w.op
	c := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "anonymous", "topic": "job_offer_check"})
	if !contactCode.MatchString(c["code"].(string)) || c["identity"] != nil || c["intake"] != nil || c["erased"] != false {
		t.Fatalf("contact: %v", c)
	}
	for field, body := range map[string]map[string]any{
		"topic":                {"channel": "phone", "caller": "anonymous"},
		"channel":              {"channel": "fax", "caller": "anonymous", "topic": "other"},
		"screening.indicators": {"channel": "phone", "caller": "family", "topic": "other", "screening": map[string]any{"indicators": []string{"curses"}}},
		"callback_consent":     {"channel": "phone", "caller": "family", "topic": "other", "contact": map[string]any{"phone": "+996555000111"}},
		"country":              {"channel": "phone", "caller": "family", "topic": "other", "country": "Russia"},
	} {
		r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/contacts", Token: op, Body: body, Invalid: true})
		wantProblem(t, r, http.StatusBadRequest, field)
	}
}

// hotlinePatch: a PATCH needs the current version.
func hotlinePatch(t *testing.T, w *hotlineWorld) {
	env, op := w.env, w.op
	c := newContact(t, env, op, map[string]any{"channel": "messenger", "caller": "family", "topic": "missing_person",
		"summary": "sister stopped answering in Moscow"})
	path := "/api/v1/contacts/" + c["id"].(string)
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: op, Body: map[string]any{"outcome": "advice_given"},
		Header: map[string]string{"If-Match": `"7"`}})
	if r.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: op, Body: map[string]any{"outcome": "advice_given", "country": "RU"},
		Header: map[string]string{"If-Match": `"1"`}})
	got := r.Map(t)
	if r.Status != http.StatusOK || got["outcome"] != "advice_given" || got["country"] != "RU" || got["version"] != float64(2) ||
		got["summary"] != "sister stopped answering in Moscow" || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: op, Body: map[string]any{"topic": nil},
		Header: map[string]string{"If-Match": `"2"`}, Invalid: true})
	wantProblem(t, r, http.StatusBadRequest, "topic")
}

// hotlineIsolation: operators see their organization's contacts only and no case, 404 alike.
func hotlineIsolation(t *testing.T, w *hotlineWorld) {
	env, op, other, cw, sup := w.env, w.op, w.other, w.cw, w.sup
	c := newContact(t, env, op, map[string]any{"channel": "walk_in", "caller": "person_concerned", "topic": "victim_seeking_help"})
	id := c["id"].(string)
	missing := "/api/v1/contacts/" + "7d1c3a52-5a7e-4f8e-9c1a-2b7b1d2f0c11"
	hidden := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts/" + id, Token: other})
	gone := env.Do(apitest.Request{Method: http.MethodGet, Path: missing, Token: other})
	if hidden.Status != http.StatusNotFound || requestIDField.ReplaceAllString(string(hidden.Body), "") !=
		requestIDField.ReplaceAllString(string(gone.Body), "") {
		t.Fatalf("another hotline's contact: %d %s / %s", hidden.Status, hidden.Body, gone.Body)
	}
	var page struct{ Items []map[string]any }
	env.GetJSON(t, other, "/api/v1/contacts", &page)
	for _, it := range page.Items {
		if it["id"] == id {
			t.Fatal("another hotline lists the contact")
		}
	}
	env.GetJSON(t, op, "/api/v1/contacts", &page)
	if len(page.Items) == 0 || page.Items[0]["id"] != id || page.Items[0]["summary"] != nil {
		t.Fatalf("own list: %v", page.Items)
	}
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/contacts/" + id, Token: other,
		Body: map[string]any{"outcome": "no_action"}, Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != http.StatusNotFound {
		t.Fatalf("another hotline patches: %d", r.Status)
	}
	sezimCase := newCase(t, env, cw, nil)["id"].(string)
	a := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + sezimCase, Token: op})
	b := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/7d1c3a52-5a7e-4f8e-9c1a-2b7b1d2f0c11", Token: op})
	if a.Status != http.StatusForbidden || requestIDField.ReplaceAllString(string(a.Body), "") != requestIDField.ReplaceAllString(string(b.Body), "") {
		t.Fatalf("an operator reading a case: %d %s / %d %s", a.Status, a.Body, b.Status, b.Body)
	}
	for _, path := range []string{"/api/v1/cases", "/api/v1/referrals"} {
		if r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: op}); r.Status != http.StatusForbidden {
			t.Fatalf("operator %s: %d", path, r.Status)
		}
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts", Token: sup}); r.Status != http.StatusForbidden {
		t.Fatalf("a crisis center's supervisor lists contacts: %d", r.Status)
	}
}

// hotlineReferAccept: refer and accept opens a case at the center with exactly the consented fields.
func hotlineReferAccept(t *testing.T, w *hotlineWorld) {
	env, op, cw := w.env, w.op, w.cw
	c := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "person_concerned", "topic": "victim_seeking_help",
		"region": "osh", "country": "RU", "screening": map[string]any{"indicators": []string{"withheld_documents", "threats"}, "result": "likely"},
		"summary":  "passport taken by the employer in Kazan",
		"identity": map[string]any{"given_name": "Нургүл", "family_name": "Асанова", "birth_date": "1998-03-14"},
		"contact":  map[string]any{"phone": "+996700555444"}, "callback_consent": true})
	id := c["id"].(string)
	r := post(env, op, "/api/v1/contacts/"+id+"/refer", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"categories": []string{"identity"}})
	wantProblem(t, r, http.StatusBadRequest, "to_organization_id")
	r = post(env, op, "/api/v1/contacts/"+id+"/refer", map[string]any{"to_organization_id": env.OrgID("SEZIM"),
		"categories": []string{"identity"}, "urgency": "urgent", "note": "calls back after 18:00"})
	if r.Status != http.StatusOK {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	got := r.Map(t)
	intake := got["intake"].(map[string]any)
	if intake["status"] != "pending" || got["outcome"] != "referred" {
		t.Fatalf("referred contact: %v", got)
	}
	refID := intake["referral_id"].(string)
	wantProblem(t, post(env, op, "/api/v1/contacts/"+id+"/refer", map[string]any{"to_organization_id": env.OrgID("AKZHUROK"),
		"categories": []string{}}), http.StatusConflict, "this contact is already an intake")
	// The center's inbox: the screening, nothing identifying.
	var inbox struct{ Items []map[string]any }
	env.GetJSON(t, cw, "/api/v1/referrals?box=incoming&status=pending", &inbox)
	var ref map[string]any
	for _, it := range inbox.Items {
		if it["id"] == refID {
			ref = it
		}
	}
	if ref == nil || ref["kind"] != "intake" || ref["case_id"] != nil || ref["note"] != nil {
		t.Fatalf("inbox intake: %v", ref)
	}
	raw, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw)
	for _, secret := range []string{"Нургүл", "Асанова", "1998-03-14", "+996700555444", "Kazan", "18:00"} {
		if strings.Contains(body, secret) {
			t.Fatalf("the inbox shows %q before acceptance: %s", secret, body)
		}
	}
	if sc := ref["screening"].(map[string]any); sc["result"] != "likely" || sc["topic"] != "victim_seeking_help" {
		t.Fatalf("screening: %v", sc)
	}

	r = post(env, cw, "/api/v1/referrals/"+refID+"/accept", map[string]any{})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	acc := r.Map(t)
	caseID, _ := acc["case_id"].(string)
	if caseID == "" || acc["note"] != "calls back after 18:00" {
		t.Fatalf("accepted intake: %v", acc)
	}
	var cs map[string]any
	env.GetJSON(t, cw, "/api/v1/cases/"+caseID, &cs)
	ident := cs["identity"].(map[string]any)
	if cs["identification_channel"] != "hotline" || ident["given_name"] != "Нургүл" || ident["family_name"] != "Асанова" ||
		ident["birth_date"] != "1998-03-14" || ident["phone"] != nil || len(ident) != 3 ||
		cs["owner_organization_id"] != env.OrgID("SEZIM") {
		t.Fatalf("the intake's case: %v", cs)
	}
	if ids := cs["assigned_user_ids"].([]any); len(ids) != 1 || ids[0] != env.UserID("caseworker@sezim.kg") {
		t.Fatalf("assigned: %v", ids)
	}
	// The hotline sees the status, never the case.
	r = env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/contacts/" + id, Token: op})
	if !strings.Contains(string(r.Body), `"status":"accepted"`) || strings.Contains(string(r.Body), caseID) {
		t.Fatalf("the hotline's contact after acceptance: %s", r.Body)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID, Token: op}); r.Status != http.StatusForbidden {
		t.Fatalf("operator reads the case: %d", r.Status)
	}
	if n := countInOrg(t, env, "SEZIM", `SELECT count(*) FROM referrals WHERE id = ? AND identity_enc IS NULL AND contact_enc IS NULL AND case_id = ?`, refID, caseID); n != 1 {
		t.Fatal("the accepted intake should name the case and hold no identity of its own")
	}
	hotlineDuplicate(t, w, caseID)
}

// hotlineDuplicate: the same person calls again; accepting the second intake
// offers the case the first one opened (the duplicate check), and the
// acceptor attaches the intake to it.
func hotlineDuplicate(t *testing.T, w *hotlineWorld, caseID string) {
	env, op, cw, sup := w.env, w.op, w.cw, w.sup
	c2 := newContact(t, env, op, map[string]any{"channel": "app", "caller": "person_concerned", "topic": "victim_seeking_help",
		"identity": map[string]any{"given_name": "Нургүл", "family_name": "Асанова", "birth_date": "1998-03-14"}})
	r := post(env, op, "/api/v1/contacts/"+c2["id"].(string)+"/refer", map[string]any{"to_organization_id": env.OrgID("SEZIM"),
		"categories": []string{"identity", "contact"}})
	ref2 := r.Map(t)["intake"].(map[string]any)["referral_id"].(string)
	wantProblem(t, post(env, cw, "/api/v1/referrals/"+ref2+"/accept", map[string]any{}), http.StatusConflict, "case_id")
	var matches struct{ Items []map[string]any }
	env.GetJSON(t, cw, "/api/v1/referrals/"+ref2+"/matches", &matches)
	if len(matches.Items) != 1 || matches.Items[0]["id"] != caseID {
		t.Fatalf("matches: %v", matches.Items)
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/referrals/" + ref2 + "/matches", Token: sup}); r.Status != http.StatusOK {
		t.Fatalf("supervisor matches: %d", r.Status)
	}
	r = post(env, cw, "/api/v1/referrals/"+ref2+"/accept", map[string]any{"case_id": caseID})
	if r.Status != http.StatusOK || r.Map(t)["case_id"] != caseID {
		t.Fatalf("attach: %d %s", r.Status, r.Body)
	}
}

// hotlineRetention: contacts that became no case are erased after the retention period.
func hotlineRetention(t *testing.T, w *hotlineWorld) {
	env, op := w.env, w.op
	kept := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "witness", "topic": "suspected_trafficking",
		"summary": "a bus of workers leaving at night"})
	// A call whose intake the center never answered: erased with its
	// intake's sealed copy, the intake expired.
	unanswered := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "person_concerned", "topic": "victim_seeking_help",
		"identity": map[string]any{"given_name": "Айзат", "family_name": "Осмонова"}})
	ref := post(env, op, "/api/v1/contacts/"+unanswered["id"].(string)+"/refer", map[string]any{"to_organization_id": env.OrgID("SEZIM"),
		"categories": []string{"identity"}})
	if ref.Status != http.StatusOK {
		t.Fatalf("refer: %d %s", ref.Status, ref.Body)
	}
	refID := ref.Map(t)["intake"].(map[string]any)["referral_id"].(string)
	ctx := context.Background()
	// Retention takes at least a month, whatever the cutoff: nothing
	// recorded today goes.
	if n := eraseExpired(t, env, time.Now().Add(time.Hour)); n != 0 {
		t.Fatalf("%d contacts of today erased", n)
	}
	env.DB.Exec(t, `UPDATE contacts SET created_at = now() - interval '25 months'`)
	tx := env.DB.App.WithContext(ctx).Begin()
	n, err := contacts.EraseExpired(ctx, tx, time.Now().AddDate(0, -24, 0))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("nothing erased")
	}
	var got map[string]any
	env.GetJSON(t, op, "/api/v1/contacts/"+kept["id"].(string), &got)
	if got["erased"] != true || got["summary"] != nil || got["topic"] != "suspected_trafficking" {
		t.Fatalf("erased contact: %v", got)
	}
	if left := countInOrg(t, env, "HOTLINE-1899", `SELECT count(*) FROM contacts WHERE erased_at IS NULL`); left != 2 {
		t.Fatalf("%d contacts left unerased; want the two that became a case", left)
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM referrals WHERE id = $1 AND status = 'expired' AND key_wrapped IS NULL
		AND identity_enc IS NULL AND contact_enc IS NULL`, refID); n != 1 {
		t.Fatal("the unanswered intake was not expired with its sealed copy")
	}
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/contacts/" + kept["id"].(string), Token: op,
		Body: map[string]any{"outcome": "no_action"}, Header: map[string]string{"If-Match": `"2"`}})
	if r.Status != http.StatusConflict {
		t.Fatalf("patching an erased contact: %d %s", r.Status, r.Body)
	}
}

// hotlineAudit: every read and write of a contact is audited.
func hotlineAudit(t *testing.T, w *hotlineWorld) {
	env := w.env
	for _, action := range []string{"contact.create", "contact.read", "contact.update", "contact.list", "contact.refer", "contact.erase"} {
		if env.Count(`SELECT count(*) FROM audit_entries WHERE action = ?`, action) == 0 {
			t.Errorf("no %s entry", action)
		}
	}
	// The hidden contact and the missing one: one not_found entry each.
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'contact.read' AND outcome = 'not_found'`); n != 2 {
		t.Errorf("%d not_found reads; want 2", n)
	}
}

// eraseExpired runs contact retention with cutoff in a transaction of its own.
func eraseExpired(t *testing.T, env *apitest.Env, cutoff time.Time) int {
	t.Helper()
	var n int
	err := env.DB.App.Transaction(func(tx *gorm.DB) error {
		var err error
		n, err = contacts.EraseExpired(context.Background(), tx, cutoff)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEditingAContactMarksItsRelease: a PATCH of a contact recorded in an
// ended month (here March 2024) that changes what the statistics count
// marks the stored release of its year stale, and the next read stores a
// new version that counts the edit (the trigger release_mark_upd on
// contacts, migrations 0027 and 0030); a PATCH of the summary alone changes
// no figure and marks nothing.
func TestEditingAContactMarksItsRelease(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	op, coord := env.Token("operator@hotline1899.kg"), env.Token("coordinator@mlsp.gov.kg")
	var ids []string
	for range 6 {
		c := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "anonymous", "topic": "job_offer_check"})
		ids = append(ids, c["id"].(string))
	}
	env.DB.Exec(t, `UPDATE contacts SET created_at = '2024-03-10T10:00:00Z' WHERE id = ANY ($1::uuid[])`, ids)
	version := func() int64 {
		return env.DB.Count(t, `SELECT coalesce(max(version), 0) FROM stats_releases WHERE year = 2024`)
	}
	topics := func() (jobOffers, missing any) {
		var tb struct{ Rows []map[string]any }
		env.GetJSON(t, coord, "/api/v1/stats/tables/contacts_by_topic?period=2024-H1", &tb)
		for _, r := range tb.Rows {
			switch r["topic"] {
			case "job_offer_check":
				jobOffers = r["count"]
			case "missing_person":
				missing = r["count"]
			}
		}
		return jobOffers, missing
	}
	if jobs, _ := topics(); jobs != float64(6) || version() != 1 {
		t.Fatalf("before: job offers %v, version %d", jobs, version())
	}
	patch := func(body map[string]any) {
		t.Helper()
		path := "/api/v1/contacts/" + ids[0]
		cur := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: op})
		r := env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: op, Body: body,
			Header: map[string]string{"If-Match": cur.Header.Get("ETag")}})
		if r.Status != http.StatusOK {
			t.Fatalf("patch %v: %d %s", body, r.Status, r.Body)
		}
	}
	patch(map[string]any{"summary": "asked about a job offer in Kazan"})
	if topics(); version() != 1 {
		t.Fatalf("a summary alone made version %d", version())
	}
	patch(map[string]any{"topic": "missing_person"})
	if n := env.DB.Count(t, `SELECT corrections - (SELECT corrections FROM stats_releases WHERE year = 2024 AND version = 1)
		FROM stats_release_marks WHERE year = 2024`); n != 1 {
		t.Fatalf("the edit raised the year's corrections by %d", n)
	}
	jobs, missing := topics()
	// One job offer less: 5, or withheld beside the single missing person.
	if version() != 2 || (jobs != float64(5) && jobs != nil) || missing != nil {
		t.Fatalf("after the edit: version %d, job offers %v, missing persons %v (want 2, 5 or withheld, withheld)", version(), jobs, missing)
	}
}

// TestOperatorsWork: a hotline operator's work list holds the hotline's
// intakes still waiting for the center, those the center declined until
// the contact is referred again, and the callbacks the caller consented
// to until an outcome is recorded; by code, never a name or a phone
// number, and none of another hotline's.
func TestOperatorsWork(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	addOshLine(t, env)
	op, other, cw := env.Token("operator@hotline1899.kg"), env.Token("operator@osh-line.kg"), env.Token("caseworker@sezim.kg")
	identity := map[string]any{"given_name": "Айгерим", "family_name": "Токтогулова"}
	back := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "family", "topic": "missing_person",
		"identity": identity, "contact": map[string]any{"phone": "+996700111222"}, "callback_consent": true})
	refer := func(id, to string) string {
		t.Helper()
		r := post(env, op, "/api/v1/contacts/"+id+"/refer", map[string]any{"to_organization_id": env.OrgID(to),
			"categories": []string{"identity"}, "urgency": "urgent"})
		if r.Status != http.StatusOK {
			t.Fatalf("refer: %d %s", r.Status, r.Body)
		}
		return r.Map(t)["intake"].(map[string]any)["referral_id"].(string)
	}
	waiting := newContact(t, env, op, map[string]any{"channel": "phone", "caller": "person_concerned", "topic": "victim_seeking_help",
		"identity": identity})
	waitingRef := refer(waiting["id"].(string), "SEZIM")
	declined := newContact(t, env, op, map[string]any{"channel": "walk_in", "caller": "person_concerned", "topic": "victim_seeking_help"})
	declinedRef := refer(declined["id"].(string), "SEZIM")
	if r := post(env, cw, "/api/v1/referrals/"+declinedRef+"/decline", map[string]any{"reason": "no place this week"}); r.Status != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Status, r.Body)
	}
	w, body := myWork(t, env, op, "")
	want := map[string]string{back["code"].(string): "callback", waiting["code"].(string): "intake_waiting",
		declined["code"].(string): "intake_declined"}
	if w.Counts["callback"] != 1 || w.Counts["intake_waiting"] != 1 || w.Counts["intake_declined"] != 1 || w.Total != 3 {
		t.Fatalf("operator's counts: %v", w.Counts)
	}
	var items []map[string]any
	var raw struct{ Items []map[string]any }
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	items = raw.Items
	for _, it := range items {
		if want[it["contact_code"].(string)] != it["kind"] || it["link"] != "/contacts" || it["case_id"] != nil {
			t.Fatalf("item %v", it)
		}
	}
	if refs := w.kindsFor(waitingRef); len(refs) != 1 || refs[0] != "intake_waiting" {
		t.Fatalf("the waiting intake's referral: %v", refs)
	}
	for _, secret := range []string{"Айгерим", "Токтогулова", "+996700111222", "no place this week"} {
		if strings.Contains(body, secret) {
			t.Fatalf("the work list shows %q: %s", secret, body)
		}
	}
	if ow, _ := myWork(t, env, other, ""); ow.Total != 0 {
		t.Fatalf("another hotline's operator sees %v", ow.Counts)
	}
	// Calling back records an outcome; referring again answers the decline.
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/contacts/" + back["id"].(string), Token: op,
		Body: map[string]any{"outcome": "advice_given"}, Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != http.StatusOK {
		t.Fatalf("outcome: %d %s", r.Status, r.Body)
	}
	refer(declined["id"].(string), "AKZHUROK")
	if w, _ := myWork(t, env, op, ""); w.Counts["callback"] != 0 || w.Counts["intake_declined"] != 0 || w.Counts["intake_waiting"] != 2 {
		t.Fatalf("after the callback and the second referral: %v", w.Counts)
	}
	if w, _ := myWork(t, env, op, "?kind=callback"); len(w.Items) != 0 || w.Total != 2 {
		t.Fatalf("kind=callback: %d items of %d", len(w.Items), w.Total)
	}
}
