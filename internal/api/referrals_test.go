package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/notifications"
)

type referralWorld struct {
	env                                  *apitest.Env
	sender, recipient, otherRecipient    string
	third, coordinator, senderSupervisor string
	caseID, consentID, referralID        string
	noteMarker                           string
}

func post(env *apitest.Env, tok, path string, body any) *apitest.Response {
	return env.Do(apitest.Request{Method: http.MethodPost, Path: path, Token: tok, Body: body})
}

func newReferralWorld(t *testing.T, kind string) *referralWorld {
	env := apitest.New(t)
	env.AddUser("social2@mlsp.gov.kg", "MLSSM-SOC", "caseworker")
	w := &referralWorld{env: env,
		sender: env.Token("caseworker@sezim.kg"), recipient: env.Token("social@mlsp.gov.kg"),
		otherRecipient: env.Token("social2@mlsp.gov.kg"), third: env.Token("caseworker@akzhurok.kg"),
		coordinator: env.Token("coordinator@mlsp.gov.kg"), senderSupervisor: env.Token("supervisor@sezim.kg"),
		noteMarker: "NOTE-MARKER-7f3a9c"}
	c := newCase(t, env, w.sender, map[string]any{"sex": "female", "region_of_origin": "batken",
		"identity": map[string]any{"given_name": "Бермет", "family_name": "Садырова", "birth_date": "2001-02-03", "phone": "+996700123456"}})
	w.caseID = c["id"].(string)
	r := post(env, w.sender, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity", "health"}, "given_by": "person"})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	w.consentID = r.Map(t)["id"].(string)
	// A caseworker's transfer waits for a supervisor's approval
	// (TestApprovals): the supervisor sends it.
	referrer := w.sender
	if kind == "transfer" {
		referrer = w.senderSupervisor
	}
	r = post(env, referrer, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"kind": kind,
		"to_organization_id": env.OrgID("MLSSM-SOC"), "assistance_types": []string{"financial", "housing"},
		"categories": []string{"identity"}, "urgency": "urgent", "note": w.noteMarker, "consent_id": w.consentID})
	if r.Status != http.StatusCreated {
		t.Fatalf("referral: %d %s", r.Status, r.Body)
	}
	ref := r.Map(t)
	w.referralID = ref["id"].(string)
	if ref["status"] != "pending" || ref["note"] != w.noteMarker || ref["overdue"] != false {
		t.Fatalf("referral as the sender sees it: %v", ref)
	}
	return w
}

func (w *referralWorld) to(t *testing.T, state string) {
	act := func(tok, action string, body any) {
		if r := post(w.env, tok, "/api/v1/referrals/"+w.referralID+"/"+action, body); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", action, r.Status, r.Body)
		}
	}
	switch state {
	case "pending":
	case "accepted":
		act(w.recipient, "accept", map[string]any{})
	case "declined":
		act(w.recipient, "decline", map[string]any{"reason": "no capacity this month"})
	case "cancelled":
		act(w.sender, "cancel", map[string]any{})
	case "completed":
		act(w.recipient, "accept", map[string]any{})
		act(w.recipient, "complete", map[string]any{"outcome": "allowance granted"})
	case "expired":
		act(w.recipient, "accept", map[string]any{})
		act(w.sender, "withdraw-consent", nil)
	}
}

func TestReferralAccessMatrix(t *testing.T) {
	t.Parallel()
	for _, state := range []string{"pending", "accepted", "declined", "cancelled", "completed", "expired"} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			w := newReferralWorld(t, "assistance")
			w.settle(t, state)
			w.assertReferralVisibility(t, state)
			w.assertCaseVisibility(t, state)
			// The recipient's inbox and the sender's outbox show it, with the
			// overdue flag.
			w.assertListRelations(t, state)
			in := w.get(w.otherRecipient, "/api/v1/referrals?box=incoming").Map(t)["items"].([]any)
			out := w.get(w.sender, "/api/v1/referrals?box=outgoing").Map(t)["items"].([]any)
			if len(in) != 1 || len(out) != 1 {
				t.Fatalf("inbox %d, outbox %d", len(in), len(out))
			}
		})
	}
}

// settle brings the referral to state; an expired referral is an accepted
// one whose consent was withdrawn.
func (w *referralWorld) settle(t *testing.T, state string) {
	t.Helper()
	if state != "expired" {
		w.to(t, state)
		return
	}
	post(w.env, w.recipient, "/api/v1/referrals/"+w.referralID+"/accept", map[string]any{})
	if r := post(w.env, w.sender, "/api/v1/consents/"+w.consentID+"/withdraw", map[string]any{"reason": "asked to stop"}); r.Status != 200 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
}

// get reads path as tok, outside the description's checks of the request.
func (w *referralWorld) get(tok, path string) *apitest.Response {
	return w.env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: tok, Invalid: true})
}

// assertReferralVisibility: the recipient reads the referral in state, with
// the note only once accepted; a recipient worker not on it never sees the
// note; a third organization gets 404, the coordinator 403.
func (w *referralWorld) assertReferralVisibility(t *testing.T, state string) {
	t.Helper()
	refPath := "/api/v1/referrals/" + w.referralID
	ref := w.get(w.recipient, refPath)
	if ref.Status != 200 || ref.Map(t)["status"] != state {
		t.Fatalf("recipient reads the referral: %d %s", ref.Status, ref.Body)
	}
	_, noteShown := ref.Map(t)["note"]
	if noteShown != (state == "accepted" || state == "completed") {
		t.Fatalf("note shown to the recipient in %s: %v", state, noteShown)
	}
	if _, shown := w.get(w.otherRecipient, refPath).Map(t)["note"]; shown {
		t.Fatal("note shown to a recipient worker not on the referral")
	}
	if s := w.get(w.third, refPath).Status; s != 404 {
		t.Fatalf("third organization reads the referral: %d", s)
	}
	if s := w.get(w.coordinator, refPath).Status; s != 403 {
		t.Fatalf("coordinator reads the referral: %d", s)
	}
}

// assertCaseVisibility: the recipient reaches the case only while the
// referral is accepted; a recipient worker not on the referral and a third
// organization get 404, the coordinator 403, the sender its case.
func (w *referralWorld) assertCaseVisibility(t *testing.T, state string) {
	t.Helper()
	casePath := "/api/v1/cases/" + w.caseID
	r := w.get(w.recipient, casePath)
	if state == "accepted" {
		if r.Status != 200 {
			t.Fatalf("assigned recipient reads the accepted case: %d %s", r.Status, r.Body)
		}
		w.assertRecipientSeesConsentedCase(t, r)
		w.assertRecipientMayNotChangeCase(t)
		// The recipient records its own assistance.
		if r := post(w.env, w.recipient, casePath+"/assistance", map[string]any{"type": "financial", "status": "in_progress"}); r.Status != 201 {
			t.Fatalf("recipient records assistance: %d %s", r.Status, r.Body)
		}
	} else if r.Status != 404 {
		t.Fatalf("recipient reads the case in %s: %d", state, r.Status)
	}
	for _, c := range []struct {
		who, tok string
		want     int
	}{
		{"recipient worker not on the referral", w.otherRecipient, 404},
		{"third organization", w.third, 404},
		{"coordinator", w.coordinator, 403},
		{"sender", w.sender, 200},
	} {
		if s := w.get(c.tok, casePath).Status; s != c.want {
			t.Fatalf("%s reads the case: %d", c.who, s)
		}
	}
}

// assertRecipientSeesConsentedCase: the accepted case shows the consented
// identity, and no contact (no consent to the contact category).
func (w *referralWorld) assertRecipientSeesConsentedCase(t *testing.T, r *apitest.Response) {
	t.Helper()
	c := r.Map(t)
	id, ok := c["identity"].(map[string]any)
	if !ok || id["given_name"] != "Бермет" {
		t.Fatalf("consented identity missing: %v", c["identity"])
	}
	if _, ok := id["phone"]; ok {
		t.Fatal("contact shown without consent to the contact category")
	}
	if _, ok := c["trafficking_events"].([]any); !ok {
		t.Fatalf("no trafficking events list: %v", c["trafficking_events"])
	}
}

// assertRecipientMayNotChangeCase: the recipient sees the case but may not
// change it, move it, read or write its plan and consents, nor refer it:
// 403, audited as denied (package access: 404 is for what one does not
// see).
func (w *referralWorld) assertRecipientMayNotChangeCase(t *testing.T) {
	t.Helper()
	env, casePath := w.env, "/api/v1/cases/"+w.caseID
	for _, rq := range []struct {
		method, path, action string
		body                 any
	}{
		{http.MethodPatch, casePath, "case.update", map[string]any{"risk_level": "high", "version": 1}},
		{http.MethodPost, casePath + "/stage", "case.move_stage", map[string]any{"stage": "shelter", "reason": "x"}},
		{http.MethodGet, casePath + "/plan", "plan.read", nil},
		{http.MethodPut, casePath + "/plan", "plan.update", map[string]any{"needs_assessment": "x", "goals": []any{}}},
		{http.MethodGet, casePath + "/consents", "consent.list", nil},
		{http.MethodPost, casePath + "/consents", "consent.create", map[string]any{"purpose": "statistics", "given_by": "person"}},
		{http.MethodPost, casePath + "/referrals", "referral.create", map[string]any{"to_organization_id": env.OrgID("AKZHUROK"),
			"categories": []string{"identity"}, "assistance_types": []string{"medical"}, "consent_id": w.consentID}},
		{http.MethodPost, "/api/v1/consents/" + w.consentID + "/withdraw", "consent.withdraw", map[string]any{}},
	} {
		before := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'denied' AND object_id = ?`, rq.action, w.caseID)
		r := env.Do(apitest.Request{Method: rq.method, Path: rq.path, Token: w.recipient, Body: rq.body})
		if r.Status != http.StatusForbidden {
			t.Fatalf("recipient %s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
		after := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'denied' AND object_id = ?`, rq.action, w.caseID)
		if after != before+1 {
			t.Fatalf("recipient %s %s: %d denied entries, want %d", rq.method, rq.path, after, before+1)
		}
	}
}

func TestReferralNeedsValidConsent(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	env := w.env
	refer := func(body map[string]any) *apitest.Response {
		base := map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"), "assistance_types": []string{"financial"},
			"categories": []string{"identity"}, "consent_id": w.consentID}
		for k, v := range body {
			base[k] = v
		}
		return post(env, w.sender, "/api/v1/cases/"+w.caseID+"/referrals", base)
	}
	tests := []struct {
		name string
		body map[string]any
	}{
		{"OtherRecipientIs409", map[string]any{"to_organization_id": env.OrgID("MOH")}},
		{"CategoryNotConsentedIs409", map[string]any{"categories": []string{"identity", "contact"}}},
		{"UnknownConsentIs409", map[string]any{"consent_id": "00000000-0000-4000-8000-000000000000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := refer(tc.body)
			if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), `"consent_id"`) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	post(env, w.sender, "/api/v1/consents/"+w.consentID+"/withdraw", map[string]any{})
	if r := refer(nil); r.Status != http.StatusConflict {
		t.Fatalf("withdrawn consent: %d", r.Status)
	}
	// Only the owning organization refers.
	if r := post(env, w.third, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MOH"),
		"categories": []string{}, "assistance_types": []string{"medical"}, "consent_id": w.consentID}); r.Status != 404 {
		t.Fatalf("another organization refers: %d", r.Status)
	}
}

func TestReferralTransitions(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	env := w.env
	act := func(tok, action string, body any) int {
		return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/referrals/" + w.referralID + "/" + action, Token: tok, Body: body, Invalid: true}).Status
	}
	if s := act(w.sender, "accept", map[string]any{}); s != 403 {
		t.Fatalf("sender accepts: %d", s)
	}
	if s := act(w.recipient, "complete", map[string]any{}); s != 409 {
		t.Fatalf("complete while pending: %d", s)
	}
	if s := act(w.recipient, "decline", map[string]any{}); s != 400 {
		t.Fatalf("decline without reason: %d", s)
	}
	// Accept racing cancel: exactly one wins.
	var wg sync.WaitGroup
	var a, c int
	wg.Add(2)
	go func() { defer wg.Done(); a = act(w.recipient, "accept", map[string]any{}) }()
	go func() { defer wg.Done(); c = act(w.sender, "cancel", map[string]any{}) }()
	wg.Wait()
	if !((a == 200 && (c == 200 || c == 409)) || (c == 200 && a == 409)) {
		t.Fatalf("accept %d, cancel %d", a, c)
	}
	var st struct{ Status string }
	env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/referrals/" + w.referralID, Token: w.sender}).JSON(t, &st)
	if a == 200 && c == 200 && st.Status != "cancelled" {
		t.Fatalf("accepted then cancelled, status %s", st.Status)
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM referral_events WHERE referral_id = $1`, w.referralID); n < 2 {
		t.Fatalf("transitions kept: %d", n)
	}
}

func TestTransferHandsTheCaseOver(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "transfer")
	env := w.env
	// The tables of a case's parts carry its owner (migration 0041).
	tables := strings.Split(env.DB.Text(t, `SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY 1)
		FROM pg_trigger WHERE tgname = 'case_row_owner' AND NOT tgisinternal`), ",")
	partsSeenBy := func(org string) int64 {
		var n int64
		err := env.DB.App.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, org).Error; err != nil {
				return err
			}
			for _, table := range tables {
				var c int64
				if err := tx.Raw(`SELECT count(*) FROM `+table+` WHERE case_id = ?`, w.caseID).Scan(&c).Error; err != nil {
					return err
				}
				n += c
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sezim, soc := env.OrgID("SEZIM"), env.OrgID("MLSSM-SOC")
	before := partsSeenBy(sezim)
	if before < 4 || partsSeenBy(soc) != 0 {
		t.Fatalf("before the transfer: Sezim sees %d parts, the department %d", before, partsSeenBy(soc))
	}
	if r := post(env, w.recipient, "/api/v1/referrals/"+w.referralID+"/accept", map[string]any{}); r.Status != 200 {
		t.Fatalf("accept transfer: %d %s", r.Status, r.Body)
	}
	for _, table := range tables {
		if n := env.DB.Count(t, `SELECT count(*) FROM `+table+` WHERE case_id = $1 AND owner_organization_id <> $2`, w.caseID, soc); n != 0 {
			t.Errorf("%s: %d rows of the case still carry the previous owner", table, n)
		}
	}
	if n := partsSeenBy(sezim); n != 0 {
		t.Errorf("the previous owner still sees %d parts of the case", n)
	}
	if n := partsSeenBy(soc); n < before {
		t.Errorf("the new owner sees %d parts, the previous one saw %d", n, before)
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + w.caseID, Token: w.recipient})
	if r.Status != 200 || r.Map(t)["owner_organization_id"] != env.OrgID("MLSSM-SOC") {
		t.Fatalf("new owner reads: %d %s", r.Status, r.Body)
	}
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + w.caseID, Token: w.senderSupervisor, Invalid: true}).Status; s != 404 {
		t.Fatalf("previous owner's supervisor reads: %d", s)
	}
}

func TestNotificationsAreDeliveredOnceAndCarryNoPersonalData(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	env := w.env
	for i := 0; i < 5; i++ {
		post(env, w.sender, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
			"assistance_types": []string{"housing"}, "categories": []string{"identity"}, "consent_id": w.consentID, "note": w.noteMarker})
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := notifications.NewDeliverer(env.DB.App, notifications.SMTP{}, log)
			for j := 0; j < 5; j++ {
				if _, err := d.DeliverOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := env.DB.Count(t, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL OR attempts <> 1`); n != 0 {
		t.Fatalf("%d outbox rows undelivered or delivered twice", n)
	}
	// Six referrals to MLSSM-SOC, whose two caseworkers get one notice each.
	if n := env.DB.Count(t, `SELECT count(*) FROM notifications WHERE kind = 'referral.pending'`); n != 12 {
		t.Fatalf("%d notifications", n)
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM notifications WHERE ref_code || link || kind LIKE '%' || $1 || '%'`, w.noteMarker); n != 0 {
		t.Fatal("a note reached a notification")
	}
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications?unread=true", Token: w.recipient})
	items := r.Map(t)["items"].([]any)
	if len(items) != 6 {
		t.Fatalf("recipient's notifications: %d", len(items))
	}
	first := items[0].(map[string]any)
	if !strings.HasPrefix(first["link"].(string), "/referrals/") || strings.Contains(string(r.Body), "Бермет") {
		t.Fatalf("notification %v", first)
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/" + first["id"].(string) + "/read", Token: w.recipient})
	if r.Status != 200 || r.Map(t)["read_at"] == nil {
		t.Fatalf("mark read: %d %s", r.Status, r.Body)
	}
	if s := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/" + first["id"].(string) + "/read", Token: w.third, Invalid: true}).Status; s != 404 {
		t.Fatalf("another user's notification: %d", s)
	}
}

func TestMinorConsentNeedsAGuardian(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	c := newCase(t, env, worker, map[string]any{"identity": map[string]any{"given_name": "Нурлан", "birth_date": "2012-05-05"}})
	if c["is_minor"] != true {
		t.Fatalf("minor flag %v", c["is_minor"])
	}
	body := map[string]any{"purpose": "data_sharing", "recipient_organization_id": env.OrgID("MOH"), "categories": []string{"health"}, "given_by": "person"}
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c["id"].(string) + "/consents", Token: worker, Body: body})
	if r.Status != 400 || !strings.Contains(string(r.Body), "given_by") {
		t.Fatalf("minor's own consent: %d %s", r.Status, r.Body)
	}
	body["given_by"] = "guardianship_authority"
	if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c["id"].(string) + "/consents", Token: worker, Body: body}); r.Status != 201 {
		t.Fatalf("guardianship authority: %d %s", r.Status, r.Body)
	}
}

func TestRetriedCreatesMakeOneObject(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	env := w.env
	base := "/api/v1/cases/" + w.caseID
	creates := []struct {
		name, path string
		body       map[string]any
	}{
		{"referral", base + "/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"), "assistance_types": []string{"housing"},
			"categories": []string{"identity"}, "consent_id": w.consentID}},
		{"consent", base + "/consents", map[string]any{"purpose": "statistics", "categories": []string{}, "given_by": "person"}},
		{"assistance", base + "/assistance", map[string]any{"type": "legal"}},
		{"note", base + "/notes", map[string]any{"text": "called the family"}},
	}
	for _, c := range creates {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{"Idempotency-Key": "retry-" + c.name}
			first := env.Do(apitest.Request{Method: http.MethodPost, Path: c.path, Token: w.sender, Body: c.body, Header: hdr})
			again := env.Do(apitest.Request{Method: http.MethodPost, Path: c.path, Token: w.sender, Body: c.body, Header: hdr})
			if first.Status != 201 || again.Status != 201 || first.Map(t)["id"] != again.Map(t)["id"] {
				t.Fatalf("first %d %s, again %d %s", first.Status, first.Body, again.Status, again.Body)
			}
			c.body["extra_marker"] = nil
			delete(c.body, "extra_marker")
			other := map[string]any{}
			for k, v := range c.body {
				other[k] = v
			}
			switch c.name {
			case "note":
				other["text"] = "another text"
			case "assistance":
				other["type"] = "medical"
			case "consent":
				other["given_by"] = "guardian"
			case "referral":
				other["urgency"] = "urgent"
			}
			if r := env.Do(apitest.Request{Method: http.MethodPost, Path: c.path, Token: w.sender, Body: other, Header: hdr}); r.Status != 409 {
				t.Fatalf("same key, other body: %d", r.Status)
			}
		})
	}
}

func TestOverdueAndConsentExpiry(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "assistance")
	env := w.env
	// The response time has passed: flagged in both boxes, and filterable.
	env.DB.Exec(t, `UPDATE referrals SET due_at = now() - interval '1 hour' WHERE id = '`+w.referralID+`'`)
	for _, q := range []struct{ tok, box string }{{w.recipient, "incoming"}, {w.sender, "outgoing"}} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/referrals?overdue=true&box=" + q.box, Token: q.tok})
		items := r.Map(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["overdue"] != true {
			t.Fatalf("%s overdue: %s", q.box, r.Body)
		}
	}
	if r := post(env, w.recipient, "/api/v1/referrals/"+w.referralID+"/accept", map[string]any{}); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	casePath := "/api/v1/cases/" + w.caseID
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: casePath, Token: w.recipient}).Status; s != 200 {
		t.Fatalf("before expiry: %d", s)
	}
	// The consent expires: access ends at once, before any sweep runs.
	env.DB.Exec(t, `UPDATE consents SET given_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = '`+w.consentID+`'`)
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: casePath, Token: w.recipient, Invalid: true}).Status; s != 404 {
		t.Fatalf("after expiry: %d", s)
	}
	// The sweep marks the referral expired and tells both sides.
	d := notifications.NewDeliverer(env.DB.App, notifications.SMTP{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := d.DeliverOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ref struct{ Status string }
	env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/referrals/" + w.referralID, Token: w.sender}).JSON(t, &ref)
	if ref.Status != "expired" {
		t.Fatalf("status after the sweep: %s", ref.Status)
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM notifications WHERE kind = 'referral.expired'`); n == 0 {
		t.Fatal("nobody was told of the expiry")
	}
}

func TestSupervisorAssignsWorkers(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("caseworker2@sezim.kg", "SEZIM", "caseworker")
	sup := env.Token("supervisor@sezim.kg")
	c := newCase(t, env, env.Token("caseworker@sezim.kg"), nil)
	other := env.Token("caseworker2@sezim.kg")
	path := "/api/v1/cases/" + c["id"].(string)
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: other, Invalid: true}).Status; s != 404 {
		t.Fatalf("unassigned caseworker: %d", s)
	}
	var me struct{ ID string }
	env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: other}).JSON(t, &me)
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: sup, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"assigned_user_ids": []string{me.ID}}})
	if r.Status != 200 {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: other}).Status; s != 200 {
		t.Fatalf("newly assigned caseworker: %d", s)
	}
	if s := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: env.Token("caseworker@sezim.kg"), Invalid: true}).Status; s != 404 {
		t.Fatalf("caseworker taken off the case: %d", s)
	}
	// Only the owning organization's active workers can be assigned.
	var akz struct{ ID string }
	env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: env.Token("caseworker@akzhurok.kg")}).JSON(t, &akz)
	r = env.Do(apitest.Request{Method: http.MethodPatch, Path: path, Token: sup, Header: map[string]string{"If-Match": `"2"`},
		Body: map[string]any{"assigned_user_ids": []string{akz.ID}}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "assigned_user_ids") {
		t.Fatalf("assigning another organization's worker: %d %s", r.Status, r.Body)
	}
}

// assertListRelations: the case list tells each reader how they reach the
// case: the sender is assigned to it, the sender's supervisor reaches it
// through the organization, and while the referral is accepted the
// recipient who accepted it reaches it through the referral; a colleague
// not on the referral, and anyone once it has ended, does not find it ("").
func (w *referralWorld) assertListRelations(t *testing.T, state string) {
	t.Helper()
	want := map[string]string{w.sender: "assigned", w.senderSupervisor: "organization", w.otherRecipient: "", w.third: ""}
	if state == "accepted" {
		want[w.recipient] = "referral"
	} else {
		want[w.recipient] = ""
	}
	for tok, relation := range want {
		found := ""
		for _, it := range w.get(tok, "/api/v1/cases").Map(t)["items"].([]any) {
			if c := it.(map[string]any); c["id"] == w.caseID {
				found, _ = c["relation"].(string)
			}
		}
		if found != relation {
			t.Errorf("%s: relation %q in the list, want %q", state, found, relation)
		}
	}
}
