package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/platform/mailtest"
)

// TestTwoProcesses_SharedStateBehavesAsOne runs two API processes on one
// database and checks that what must be shared lives in PostgreSQL:
// idempotency keys, refresh-token reuse detection, sign-in throttling and
// the audit linker and notification delivery behave as with one process.
func TestTwoProcesses_SharedStateBehavesAsOne(t *testing.T) {
	t.Parallel()
	w := newTwoProcs(t)
	// The steps share the two processes and run in order: the audit
	// chain checked last holds what the others did.
	for _, step := range []struct {
		name string
		run  func(*twoProcs, *testing.T)
	}{
		{"IdempotencyKeyAcrossProcessesCreatesOneCase", (*twoProcs).idempotencyKeyCreatesOneCase},
		{"RefreshTokenReusedOnOtherProcessRevokesSession", (*twoProcs).refreshTokenReuseRevokesSession},
		{"SignInFailuresCountedAcrossProcesses", (*twoProcs).signInFailuresCountedAcross},
		{"NotificationsDeliveredOnceAcrossProcesses", (*twoProcs).notificationsDeliveredOnce},
		{"AuditLinkersOfBothProcessesMakeOneChain", (*twoProcs).auditLinkersMakeOneChain},
	} {
		t.Run(step.name, func(t *testing.T) { step.run(w, t) })
	}
}

// twoProcs is two `jardam serve` processes A and B on one database, with a
// mail sink, and a client of each signed in with the same token.
type twoProcs struct {
	db         *cluster
	sink       *mailtest.Sink
	a, b       *server
	apiA, apiB *client
}

func newTwoProcs(t *testing.T) *twoProcs {
	db := startCluster(t)
	sink := mailtest.New(t)
	a := newServer(t, db, "JARDAM_SMTP_ADDR="+sink.Addr)
	w := &twoProcs{db: db, sink: sink, a: a, b: a.another(t), apiA: newClient(t, a.URL, 4)}
	w.apiB = newClient(t, w.b.URL, 4)
	w.apiB.token = w.apiA.token // a token one replica issued is good on the other
	return w
}

// api returns the client of A for even i and of B for odd i.
func (w *twoProcs) api(i int) *client {
	if i%2 == 1 {
		return w.apiB
	}
	return w.apiA
}

// anon returns a client of the process at base without a token.
func (w *twoProcs) anon(base string) *client { return &client{http: w.apiA.http, base: base} }

func (w *twoProcs) idempotencyKeyCreatesOneCase(t *testing.T) {
	ctx := context.Background()
	const keys = 6
	for k := range keys {
		key := fmt.Sprintf("two-procs-%d", k)
		body := caseBody(500000 + k)
		ids := make([]string, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() { ids[i] = w.createRetryingConflicts(t, w.api(i), key, body) })
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("%s: the two processes answered different cases %v", key, ids)
			}
		}
	}
	var n int
	if err := w.db.superuser(ctx).QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != keys {
		t.Errorf("%d cases stored for %d idempotency keys", n, keys)
	}
}

// createRetryingConflicts creates a case under key and returns its id. A
// concurrent duplicate may find the first request's key claimed but not
// committed yet: it then waits on the row lock, or answers 409 and is
// retried.
func (w *twoProcs) createRetryingConflicts(t *testing.T, api *client, key string, body []byte) string {
	for try := 0; try < 20; try++ {
		status, id, resBody, err := api.createCase(context.Background(), key, body)
		if err == nil && status == http.StatusCreated {
			return id
		}
		if err != nil || status != http.StatusConflict {
			t.Errorf("%s try %d: %v %d %s", key, try, err, status, resBody)
			return ""
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ""
}

func (w *twoProcs) refreshTokenReuseRevokesSession(t *testing.T) {
	ctx := context.Background()
	res, body, err := w.anon(w.a.URL).do(ctx, http.MethodPost, "/api/v1/auth/login", nil,
		fmt.Appendf(nil, `{"email":%q,"password":%q}`, demoEmail, demoPassword))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %v %s", err, statusOf(res, body))
	}
	_, r1 := tokens(t, body)
	status, r2 := w.refresh(t, w.a.URL, r1)
	if status != http.StatusOK {
		t.Fatalf("first refresh on process A: %d", status)
	}
	if status, _ := w.refresh(t, w.b.URL, r1); status != http.StatusUnauthorized {
		t.Errorf("the spent refresh token presented to process B: %d, want 401", status)
	}
	if status, _ := w.refresh(t, w.a.URL, r2); status != http.StatusUnauthorized {
		t.Errorf("the session's newest refresh token after the reuse: %d, want 401 (session revoked)", status)
	}
}

// refresh presents token to the process at base and returns the status
// and, on 200, the new refresh token.
func (w *twoProcs) refresh(t *testing.T, base, token string) (int, string) {
	res, body, err := w.anon(base).do(context.Background(), http.MethodPost, "/api/v1/auth/refresh", nil,
		fmt.Appendf(nil, `{"refresh_token":%q}`, token))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, ""
	}
	_, r := tokens(t, body)
	return res.StatusCode, r
}

// signInFailuresCountedAcross: JARDAM_LOGIN_FAILURES_PER_EMAIL defaults to
// 5: five failures spread over both processes, then the sixth attempt is
// throttled.
func (w *twoProcs) signInFailuresCountedAcross(t *testing.T) {
	var statuses []int
	for i := range 6 {
		res, body, err := w.anon(w.api(i).base).do(context.Background(), http.MethodPost, "/api/v1/auth/login", nil,
			[]byte(`{"email":"supervisor@sezim.kg","password":"not-the-password"}`))
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		statuses = append(statuses, res.StatusCode)
		if i == 5 && (res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "") {
			t.Errorf("sixth failed sign-in: %s, want 429 with Retry-After", statusOf(res, body))
		}
	}
	for i, s := range statuses[:5] {
		if s != http.StatusUnauthorized {
			t.Errorf("failed sign-in %d answered %d, want 401", i+1, s)
		}
	}
}

// notificationsDeliveredOnce makes referrals through both processes; both
// delivery workers take outbox rows: each event must become exactly one
// in-app notification per recipient and one e-mail.
func (w *twoProcs) notificationsDeliveredOnce(t *testing.T) {
	const n = 24
	codes := w.makeReferrals(t, n, w.orgID(t, "MLSSM-SOC"))
	if len(codes) != n {
		t.Fatalf("%d referral codes for %d referrals", len(codes), n)
	}
	recipients := w.assertNotifiedOnceInApp(t, n)
	// E-mails go out after the delivering transaction commits: wait
	// for the last of them.
	perCode := map[string]int{}
	waitFor(10*time.Second, func() bool { return len(w.sink.Mails()) >= n*recipients })
	for _, m := range w.sink.Mails() {
		for code := range codes {
			if strings.HasSuffix(m.Subject, " "+code) {
				perCode[code]++
			}
		}
	}
	for code := range codes {
		if perCode[code] != recipients {
			t.Errorf("referral %s: %d e-mails, want %d", code, perCode[code], recipients)
		}
	}
}

// orgID returns the id of the organization with code, as the API lists it.
func (w *twoProcs) orgID(t *testing.T, code string) string {
	var orgs struct {
		Items []struct{ ID, Code string } `json:"items"`
	}
	res, body, err := w.apiA.do(context.Background(), http.MethodGet, "/api/v1/organizations", nil, nil)
	if err != nil || res.StatusCode != http.StatusOK || json.Unmarshal(body, &orgs) != nil {
		t.Fatalf("organizations: %v %s", err, statusOf(res, body))
	}
	for _, o := range orgs.Items {
		if o.Code == code {
			return o.ID
		}
	}
	t.Fatalf("no %s organization", code)
	return ""
}

// makeReferrals creates n cases, alternately through A and B, each with a
// consent and a referral to the organization to, and returns the
// referrals' codes.
func (w *twoProcs) makeReferrals(t *testing.T, n int, to string) map[string]bool {
	post := func(api *client, path string, body string) []byte {
		t.Helper()
		res, b, err := api.do(context.Background(), http.MethodPost, path, nil, []byte(body))
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %v %s", path, err, statusOf(res, b))
		}
		return b
	}
	codes := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		api := w.api(i)
		wg.Go(func() {
			id := caseIDOf(post(api, "/api/v1/cases", string(caseBody(600000+i))))
			consent := caseIDOf(post(api, "/api/v1/cases/"+id+"/consents", fmt.Sprintf(
				`{"purpose":"data_sharing","recipient_organization_id":%q,"categories":["identity"],"given_by":"person"}`, to)))
			var ref struct{ Code string }
			_ = json.Unmarshal(post(api, "/api/v1/cases/"+id+"/referrals", fmt.Sprintf(
				`{"to_organization_id":%q,"assistance_types":["shelter"],"categories":["identity"],"consent_id":%q}`, to, consent)), &ref)
			mu.Lock()
			codes[ref.Code] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}

// assertNotifiedOnceInApp waits for the outbox to empty, checks that each
// of n referrals became one in-app notification per recipient, and
// returns the number of recipients.
func (w *twoProcs) assertNotifiedOnceInApp(t *testing.T, n int) int {
	ctx := context.Background()
	su := w.db.superuser(ctx)
	var pending int
	if !waitFor(20*time.Second, func() bool {
		return su.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&pending) == nil && pending == 0
	}) {
		t.Fatalf("%d outbox rows undelivered after 20 s", pending)
	}
	var recipients, notified, doubles int
	if err := su.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM users u JOIN organizations o ON o.id = u.organization_id
			 WHERE o.code = 'MLSSM-SOC' AND u.role IN ('caseworker', 'supervisor') AND u.disabled_at IS NULL),
			(SELECT count(*) FROM notifications WHERE kind = 'referral.pending'),
			(SELECT count(*) FROM (SELECT 1 FROM notifications WHERE kind = 'referral.pending'
			 GROUP BY user_id, ref_code HAVING count(*) > 1) d)`).Scan(&recipients, &notified, &doubles); err != nil {
		t.Fatal(err)
	}
	if recipients == 0 || notified != n*recipients || doubles != 0 {
		t.Errorf("%d in-app notifications (%d doubled) for %d referrals to %d recipients", notified, doubles, n, recipients)
	}
	return recipients
}

// auditLinkersMakeOneChain: both processes' linkers run; the chain must
// come out whole and verify.
func (w *twoProcs) auditLinkersMakeOneChain(t *testing.T) {
	ctx := context.Background()
	su := w.db.superuser(ctx)
	var unlinked, links, maxSeq int
	ok := waitFor(20*time.Second, func() bool {
		err := su.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_links k WHERE k.entry_id = e.id)),
			(SELECT count(*) FROM audit_links), (SELECT COALESCE(max(seq), 0) FROM audit_links)`).Scan(&unlinked, &links, &maxSeq)
		return err == nil && unlinked == 0
	})
	if !ok {
		t.Fatalf("%d audit entries still unlinked after 20 s", unlinked)
	}
	if links != maxSeq {
		t.Errorf("%d links but the chain's last sequence number is %d: a gap or a fork", links, maxSeq)
	}
	cmd := exec.Command(jardamBin, "audit", "verify")
	cmd.Env = w.a.env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"ok": true`) {
		t.Errorf("jardam audit verify: %v\n%s", err, tail(string(out), 20))
	}
}

func tokens(t *testing.T, body []byte) (access, refresh string) {
	t.Helper()
	var p struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.RefreshToken == "" {
		t.Fatalf("sign-in answer without tokens: %v", err)
	}
	return p.AccessToken, p.RefreshToken
}
