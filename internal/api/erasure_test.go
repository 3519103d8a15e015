package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/cases"
)

// erasureWorld is a case at Sezim with a note, and the people who ask for
// and decide on its erasure.
type erasureWorld struct {
	env                         *apitest.Env
	worker, sup, sup2, orgAdmin string
	other, coordinator          string
	caseID, path                string
	identity                    map[string]any
	statsBefore, eventsBefore   string
}

// statsDigest is a digest of every case row and trafficking event as
// stored: erasure destroys a key and touches neither.
func statsDigest(t *testing.T, env *apitest.Env) (cases, events string) {
	t.Helper()
	return env.DB.Text(t, `SELECT coalesce(md5(string_agg(to_jsonb(c)::text, ',' ORDER BY c.id)), '') FROM cases c`),
		env.DB.Text(t, `SELECT coalesce(md5(string_agg(to_jsonb(e)::text, ',' ORDER BY e.id)), '') FROM case_events e`)
}

func wantStatus(t *testing.T, what string, r *apitest.Response, want int, contains ...string) map[string]any {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: %d, want %d: %s", what, r.Status, want, r.Body)
	}
	for _, c := range contains {
		if !strings.Contains(string(r.Body), c) {
			t.Fatalf("%s: answer lacks %q: %s", what, c, r.Body)
		}
	}
	if len(r.Body) == 0 || r.Body[0] != '{' {
		return nil
	}
	return r.Map(t)
}

// TestErasureTakesTwoPeople walks an erasure from the request to the
// destroyed key: who may ask and decide, the conflicts, the hold, and what
// is left afterwards.
func TestErasureTakesTwoPeople(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("supervisor2@sezim.kg", "SEZIM", "supervisor")
	env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
	w := &erasureWorld{env: env, worker: env.Token("caseworker@sezim.kg"), sup: env.Token("supervisor@sezim.kg"),
		sup2: env.Token("supervisor2@sezim.kg"), orgAdmin: env.Token("orgadmin@sezim.kg"),
		other: env.Token("supervisor@akzhurok.kg"), coordinator: env.Token("coordinator@mlsp.gov.kg"),
		identity: map[string]any{"given_name": "Бүбүсара", "family_name": "Эркинбекова", "birth_date": "2001-02-03"}}
	w.caseID = newCase(t, env, w.worker, map[string]any{"identity": w.identity})["id"].(string)
	w.path = "/api/v1/cases/" + w.caseID
	wantStatus(t, "note", post(env, w.worker, w.path+"/notes", map[string]any{"text": "met her mother at the bus station"}), 201)
	runSteps(t, w, erasureSteps)
}

// erasureSteps run in order on one erasureWorld.
var erasureSteps = []step[*erasureWorld]{
	{"OnlyTheOwningSupervisorAsks", func(w *erasureWorld, t *testing.T) {
		body := map[string]any{"reason": "person_request", "details": "asked in person on her last visit"}
		wantStatus(t, "caseworker", post(w.env, w.worker, w.path+"/erasure-requests", body), 403)
		wantStatus(t, "coordinator", post(w.env, w.coordinator, w.path+"/erasure-requests", body), 403)
		wantStatus(t, "another organization", post(w.env, w.other, w.path+"/erasure-requests", body), 404)
		wantStatus(t, "bad reason", w.env.Do(apitest.Request{Method: http.MethodPost, Path: w.path + "/erasure-requests", Token: w.sup,
			Body: map[string]any{"reason": "whim"}, Invalid: true}), 400, `"reason"`)
	}},
	{"LegalAssistanceInProgressBlocksTheRequest", func(w *erasureWorld, t *testing.T) {
		a := wantStatus(t, "assistance", post(w.env, w.worker, w.path+"/assistance", map[string]any{
			"type": "legal", "status": "in_progress", "started_on": "2025-03-01"}), 201)
		wantStatus(t, "request during legal help", post(w.env, w.sup, w.path+"/erasure-requests",
			map[string]any{"reason": "person_request"}), 409, `assistance`)
		r := w.env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/assistance/" + a["id"].(string), Token: w.worker,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"status": "completed", "ended_on": "2025-04-01"}})
		wantStatus(t, "complete legal help", r, 200)
	}},
	{"RequestedOnceNotDecidedByTheRequester", func(w *erasureWorld, t *testing.T) {
		req := wantStatus(t, "request", post(w.env, w.sup, w.path+"/erasure-requests",
			map[string]any{"reason": "person_request", "details": "asked in person on her last visit"}), 201)
		if req["status"] != "pending" || req["details"] != "asked in person on her last visit" {
			t.Fatalf("request %v", req)
		}
		wantStatus(t, "second request", post(w.env, w.sup, w.path+"/erasure-requests", map[string]any{"reason": "other"}), 409)
		id := req["id"].(string)
		wantStatus(t, "requester approves", post(w.env, w.sup, "/api/v1/erasure-requests/"+id+"/approve", map[string]any{}), 403)
		wantStatus(t, "caseworker approves", post(w.env, w.worker, "/api/v1/erasure-requests/"+id+"/approve", map[string]any{}), 403)
		wantStatus(t, "another organization approves", post(w.env, w.other, "/api/v1/erasure-requests/"+id+"/approve", map[string]any{}), 404)
		if n := w.env.DB.Count(t, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE n.kind = 'erasure.requested' AND u.email IN ('supervisor2@sezim.kg', 'orgadmin@sezim.kg')`); n != 2 {
			t.Fatalf("%d deciders told, want 2", n)
		}
		var open struct{ Items []map[string]any }
		w.env.GetJSON(t, w.orgAdmin, "/api/v1/erasure-requests", &open)
		if len(open.Items) != 1 || open.Items[0]["id"] != id || open.Items[0]["details"] != nil {
			t.Fatalf("org admin's open requests %v", open.Items)
		}
	}},
	{"AHoldCancelsTheRequestAndBlocksANewOne", func(w *erasureWorld, t *testing.T) {
		r := w.env.Do(apitest.Request{Method: http.MethodPut, Path: w.path + "/legal-hold", Token: w.worker,
			Body: map[string]any{"reason": "criminal case at the Pervomaisky court"}})
		wantStatus(t, "caseworker holds", r, 403)
		r = w.env.Do(apitest.Request{Method: http.MethodPut, Path: w.path + "/legal-hold", Token: w.sup2,
			Body: map[string]any{"reason": "criminal case at the Pervomaisky court", "until": time.Now().AddDate(0, 2, 0).Format(time.DateOnly)}})
		if h := wantStatus(t, "hold", r, 200); h["active"] != true || h["reason"] != "criminal case at the Pervomaisky court" {
			t.Fatalf("hold %v", h)
		}
		// The open request is cancelled: lifting the hold later re-arms nothing.
		var reqs struct{ Items []map[string]any }
		w.env.GetJSON(t, w.sup, w.path+"/erasure-requests", &reqs)
		if len(reqs.Items) != 1 || reqs.Items[0]["status"] != "cancelled" {
			t.Fatalf("requests under a hold: %v", reqs.Items)
		}
		wantStatus(t, "approve a cancelled request", post(w.env, w.sup2, "/api/v1/erasure-requests/"+reqs.Items[0]["id"].(string)+"/approve",
			map[string]any{}), 409)
		wantStatus(t, "request under hold", post(w.env, w.sup, w.path+"/erasure-requests", map[string]any{"reason": "person_request"}), 409, "legal_hold")
		if n := w.env.DB.Count(t, `SELECT count(*) FROM notifications WHERE kind = 'erasure.cancelled'`); n != 2 {
			t.Fatalf("%d supervisors told of the cancellation, want 2", n)
		}
		r = w.env.Do(apitest.Request{Method: http.MethodDelete, Path: w.path + "/legal-hold", Token: w.sup2})
		if h := wantStatus(t, "lift", r, 200); h["active"] != false {
			t.Fatalf("lifted hold %v", h)
		}
		wantStatus(t, "ask again", post(w.env, w.sup, w.path+"/erasure-requests",
			map[string]any{"reason": "person_request", "details": "asked again after the trial"}), 201)
	}},
	{"TheDatabaseKeepsTheSecondPerson", func(w *erasureWorld, t *testing.T) {
		// Past the service, as the application role: a request cannot be
		// scheduled by its requester, written without one, or marked erased,
		// and no data key is destroyed but through the erasure function.
		var open struct{ Items []map[string]any }
		w.env.GetJSON(t, w.sup, "/api/v1/erasure-requests", &open)
		id := open.Items[0]["id"]
		for _, q := range []string{
			`UPDATE case_erasure_requests SET status = 'scheduled', decided_by = requested_by, erase_after = now() WHERE id = ?`,
			`UPDATE case_erasure_requests SET status = 'erased', erased_at = now(), decided_by = '` + w.env.UserID("orgadmin@sezim.kg") + `' WHERE id = ?`,
			`INSERT INTO case_erasure_requests (id, case_id, reason, status, erase_after)
				SELECT gen_random_uuid(), case_id, 'retention', 'scheduled', now() FROM case_erasure_requests WHERE id = ?`,
			`UPDATE case_keys SET wrapped = NULL, master_version = NULL, destroyed_at = now() WHERE case_id = ?`,
		} {
			arg := id
			if strings.HasPrefix(q, "UPDATE case_keys") {
				arg = w.caseID
			}
			// In Sezim's scope, where row-level security shows the rows.
			err := w.env.DB.App.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, w.env.OrgID("SEZIM")).Error; err != nil {
					return err
				}
				res := tx.Exec(q, arg)
				if res.Error == nil && res.RowsAffected == 0 {
					return errors.New("no row in scope")
				}
				return res.Error
			})
			if err == nil || err.Error() == "no row in scope" {
				t.Errorf("the application role ran %q (%v)", firstWords(q), err)
			}
		}
		if n := w.env.DB.Count(t, `SELECT count(*) FROM jardam_retention_due(0, 100)`); n != 0 {
			t.Errorf("retention of 0 years selects %d cases", n)
		}
	}},
	{"TheOrgAdminApprovesAndTheKeyIsGone", func(w *erasureWorld, t *testing.T) {
		w.statsBefore, w.eventsBefore = statsDigest(t, w.env)
		var open struct{ Items []map[string]any }
		w.env.GetJSON(t, w.orgAdmin, "/api/v1/erasure-requests", &open)
		id := open.Items[0]["id"].(string)
		got := wantStatus(t, "approve", post(w.env, w.orgAdmin, "/api/v1/erasure-requests/"+id+"/approve", nil), 200)
		if got["status"] != "erased" || got["details"] != nil || got["erased_at"] == nil {
			t.Fatalf("approved without delay: %v", got)
		}
		cs := wantStatus(t, "read", w.env.Do(apitest.Request{Method: http.MethodGet, Path: w.path, Token: w.sup}), 200)
		if cs["identity_erased"] != true || cs["identity"] != nil {
			t.Fatalf("case after erasure %v", cs)
		}
		var notes struct{ Items []map[string]any }
		w.env.GetJSON(t, w.worker, w.path+"/notes", &notes)
		if len(notes.Items) != 0 {
			t.Fatalf("notes after erasure %v", notes.Items)
		}
		d := wantStatus(t, "duplicates", post(w.env, w.worker, "/api/v1/cases/duplicates", map[string]any{"identity": w.identity}), 200)
		if len(d["matches"].([]any)) != 0 {
			t.Fatalf("the duplicate check still matches: %v", d)
		}
		if c, e := statsDigest(t, w.env); c != w.statsBefore || e != w.eventsBefore {
			t.Fatal("erasure changed the cases' or events' rows")
		}
		w.env.ExpectCount(t, 0, "blind index rows", `SELECT count(*) FROM case_blind_index WHERE case_id = ?`, w.caseID)
		if n := w.env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'case.erase' AND object_id = $1`, w.caseID); n != 1 {
			t.Fatalf("%d case.erase entries", n)
		}
		if n := w.env.DB.Count(t, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE n.kind = 'erasure.scheduled' AND u.role = 'supervisor' AND u.email LIKE '%@sezim.kg'`); n != 2 {
			t.Fatalf("%d supervisors told of the erasure, want 2", n)
		}
		wantStatus(t, "approve again", post(w.env, w.sup2, "/api/v1/erasure-requests/"+id+"/approve", map[string]any{}), 409)
		wantStatus(t, "a request on an erased case", post(w.env, w.sup, w.path+"/erasure-requests", map[string]any{"reason": "other"}), 409)
	}},
	{"AnErasedCaseTakesItsHotlineContactAlong", func(w *erasureWorld, t *testing.T) {
		op := w.env.Token("operator@hotline1899.kg")
		c := wantStatus(t, "contact", post(w.env, op, "/api/v1/contacts", map[string]any{"channel": "phone", "caller": "person_concerned",
			"topic": "victim_seeking_help", "summary": "held at a farm near Kazan",
			"identity": map[string]any{"given_name": "Жылдыз", "family_name": "Турдубаева", "birth_date": "2000-05-06"}}), 201)
		contact := "/api/v1/contacts/" + c["id"].(string)
		ref := wantStatus(t, "refer", post(w.env, op, contact+"/refer", map[string]any{"to_organization_id": w.env.OrgID("SEZIM"),
			"categories": []string{"identity"}, "urgency": "urgent"}), 200)
		refID := ref["intake"].(map[string]any)["referral_id"].(string)
		acc := wantStatus(t, "accept", post(w.env, w.worker, "/api/v1/referrals/"+refID+"/accept", map[string]any{}), 200)
		caseID := acc["case_id"].(string)
		// The accepted intake gives the center nothing at the row level once
		// the case is no longer its own (as after a transfer).
		w.env.DB.Exec(t, `UPDATE cases SET owner_organization_id = $1 WHERE id = $2`, w.env.OrgID("AKZHUROK"), caseID)
		if n := countInOrg(t, w.env, "SEZIM", `SELECT count(*) FROM cases WHERE id = ?`, caseID); n != 0 {
			t.Errorf("an accepted intake keeps a case it no longer owns visible to the center")
		}
		w.env.DB.Exec(t, `UPDATE cases SET owner_organization_id = $1 WHERE id = $2`, w.env.OrgID("SEZIM"), caseID)
		req := wantStatus(t, "request", post(w.env, w.sup, "/api/v1/cases/"+caseID+"/erasure-requests", map[string]any{"reason": "person_request"}), 201)
		wantStatus(t, "approve", post(w.env, w.sup2, "/api/v1/erasure-requests/"+req["id"].(string)+"/approve", map[string]any{}), 200)
		got := wantStatus(t, "the hotline's contact", w.env.Do(apitest.Request{Method: http.MethodGet, Path: contact, Token: op}), 200)
		if got["identity"] != nil || got["summary"] != nil {
			t.Fatalf("the contact of an erased case still reads: %v", got)
		}
		if n := w.env.DB.Count(t, `SELECT count(*) FROM contacts WHERE id = $1 AND erased_at IS NOT NULL AND key_wrapped IS NULL
			AND identity_enc IS NULL AND summary_enc IS NULL`, c["id"]); n != 1 {
			t.Fatal("the contact's key and sealed columns were not erased")
		}
	}},
	{"ARejectionNeedsAReasonAndTellsTheRequester", func(w *erasureWorld, t *testing.T) {
		id := newCase(t, w.env, w.worker, nil)["id"].(string)
		req := wantStatus(t, "request", post(w.env, w.sup2, "/api/v1/cases/"+id+"/erasure-requests", map[string]any{"reason": "court_order"}), 201)
		rid := req["id"].(string)
		wantStatus(t, "reject without reason", post(w.env, w.sup, "/api/v1/erasure-requests/"+rid+"/reject", map[string]any{}), 400, `"reason"`)
		got := wantStatus(t, "reject", post(w.env, w.sup, "/api/v1/erasure-requests/"+rid+"/reject", map[string]any{"reason": "the order is for another person"}), 200)
		if got["status"] != "rejected" || got["decision_note"] != "the order is for another person" {
			t.Fatalf("rejected %v", got)
		}
		if n := w.env.DB.Count(t, `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE n.kind = 'erasure.rejected' AND u.email = 'supervisor2@sezim.kg'`); n != 1 {
			t.Fatalf("requester told %d times", n)
		}
	}},
}

// TestScheduledErasureAndRetention: with a delay, an approved erasure
// waits for the job, a hold keeps it waiting, a cancellation stops it;
// retention erases what was closed long ago unless held.
func TestScheduledErasureAndRetention(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.ErasureDelay = time.Hour }})
	env.AddUser("supervisor2@sezim.kg", "SEZIM", "supervisor")
	worker, sup, sup2 := env.Token("caseworker@sezim.kg"), env.Token("supervisor@sezim.kg"), env.Token("supervisor2@sezim.kg")
	ctx := context.Background()
	job := cases.NewErasures(env.DB.App, 5)
	erased := func(id string) bool {
		return env.DB.Count(t, `SELECT count(*) FROM case_keys WHERE case_id = $1 AND wrapped IS NULL`, id) == 1
	}
	runJob := func(want int) {
		t.Helper()
		n, err := job.RunOnce(ctx)
		if err != nil || n != want {
			t.Fatalf("erasure job: %d erased, %v; want %d", n, err, want)
		}
	}
	approve := func(caseID string) string {
		t.Helper()
		req := wantStatus(t, "request", post(env, sup, "/api/v1/cases/"+caseID+"/erasure-requests", map[string]any{"reason": "person_request"}), 201)
		got := wantStatus(t, "approve", post(env, sup2, "/api/v1/erasure-requests/"+req["id"].(string)+"/approve", map[string]any{}), 200)
		after, _ := time.Parse(time.RFC3339Nano, got["erase_after"].(string))
		if got["status"] != "scheduled" || time.Until(after) < 50*time.Minute {
			t.Fatalf("approved with a delay: %v", got)
		}
		return req["id"].(string)
	}

	held := newCase(t, env, worker, nil)["id"].(string)
	approve(held)
	runJob(0) // not yet due
	env.DB.Exec(t, `UPDATE case_erasure_requests SET erase_after = now() - interval '1 second' WHERE case_id = $1`, held)
	wantStatus(t, "hold", env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + held + "/legal-hold", Token: sup,
		Body: map[string]any{"reason": "evidence for the prosecutor"}}), 200)
	wantStatus(t, "lift", env.Do(apitest.Request{Method: http.MethodDelete, Path: "/api/v1/cases/" + held + "/legal-hold", Token: sup}), 200)
	runJob(0) // the hold cancelled the scheduled erasure; lifting it re-armed nothing
	if erased(held) || env.DB.Text(t, `SELECT status FROM case_erasure_requests WHERE case_id = $1`, held) != "cancelled" {
		t.Fatal("a scheduled erasure survived a legal hold")
	}
	approve(held) // asked and approved again, by two people
	env.DB.Exec(t, `UPDATE case_erasure_requests SET erase_after = now() - interval '1 second' WHERE case_id = $1 AND status = 'scheduled'`, held)
	runJob(1)
	if !erased(held) {
		t.Fatal("not erased once due")
	}

	cancelled := newCase(t, env, worker, nil)["id"].(string)
	rid := approve(cancelled)
	got := wantStatus(t, "cancel", post(env, sup, "/api/v1/erasure-requests/"+rid+"/cancel", map[string]any{"reason": "she changed her mind"}), 200)
	if got["status"] != "cancelled" {
		t.Fatalf("cancelled %v", got)
	}
	env.DB.Exec(t, `UPDATE case_erasure_requests SET erase_after = now() - interval '1 second' WHERE case_id = $1`, cancelled)
	runJob(0)

	// Retention: two cases closed six years ago, one of them held, and
	// one closed now.
	closeCase := func(id string) {
		t.Helper()
		wantStatus(t, "close", post(env, sup, "/api/v1/cases/"+id+"/stage", map[string]any{"stage": "closed", "reason": "reintegrated"}), 200)
	}
	old, oldHeld, recent := newCase(t, env, worker, nil)["id"].(string), newCase(t, env, worker, nil)["id"].(string), newCase(t, env, worker, nil)["id"].(string)
	for _, id := range []string{old, oldHeld, recent} {
		closeCase(id)
	}
	env.DB.Exec(t, `UPDATE case_stage_moves SET moved_at = now() - interval '6 years' WHERE case_id IN ($1, $2)`, old, oldHeld)
	wantStatus(t, "hold", env.Do(apitest.Request{Method: http.MethodPut, Path: "/api/v1/cases/" + oldHeld + "/legal-hold", Token: sup,
		Body: map[string]any{"reason": "appeal pending"}}), 200)
	due, err := job.RetentionDue(ctx, 100)
	if err != nil || len(due) != 1 || due[0].CaseID.String() != old {
		t.Fatalf("retention due %v, %v", due, err)
	}
	run, err := job.RunRetention(ctx, 100)
	if err != nil || run.Scheduled != 1 || run.Erased != 1 {
		t.Fatalf("retention run %+v, %v", run, err)
	}
	if !erased(old) || erased(oldHeld) || erased(recent) {
		t.Fatalf("retention erased: old %v, held %v, recent %v", erased(old), erased(oldHeld), erased(recent))
	}
	if r := env.DB.Text(t, `SELECT reason || '/' || status FROM case_erasure_requests WHERE case_id = $1`, old); r != "retention/erased" {
		t.Fatalf("retention request %s", r)
	}
}

// firstWords is the start of a statement, for a failure message.
func firstWords(q string) string { return strings.Join(strings.Fields(q)[:4], " ") }
