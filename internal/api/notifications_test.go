package api_test

import (
	"net/http"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// The list answer counts the caller's unread notifications (all of them,
// not only the page's), and read-all marks the caller's only.
func TestNotificationsUnreadCountAndReadAll(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	worker := env.Token("caseworker@sezim.kg")
	supervisor := env.Token("supervisor@sezim.kg")
	for _, email := range []string{"caseworker@sezim.kg", "supervisor@sezim.kg"} {
		env.DB.Exec(t, `INSERT INTO notifications (user_id, kind, ref_code, link)
			SELECT u.id, 'referral.pending', 'REF-' || g, '/referrals' FROM users u, generate_series(1, 3) g WHERE u.email = $1`, email)
	}
	unread := func(token string, query string) (int, float64) {
		t.Helper()
		m := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications" + query, Token: token}).Map(t)
		return len(m["items"].([]any)), m["unread_count"].(float64)
	}
	if items, n := unread(worker, "?limit=1"); items != 1 || n != 3 {
		t.Fatalf("a page of 1: %d items, unread_count %v; want 1 and 3", items, n)
	}

	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/read-all", Token: worker})
	if r.Status != http.StatusOK || r.Map(t)["marked"].(float64) != 3 {
		t.Fatalf("read-all: %d %s", r.Status, r.Body)
	}
	if items, n := unread(worker, "?unread=true"); items != 0 || n != 0 {
		t.Fatalf("after read-all: %d unread items, unread_count %v", items, n)
	}
	if items, n := unread(worker, ""); items != 3 || n != 0 {
		t.Fatalf("after read-all the notifications stay, read: %d items, unread_count %v", items, n)
	}
	if again := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/read-all", Token: worker}).Map(t); again["marked"].(float64) != 0 {
		t.Fatalf("read-all again marked %v", again["marked"])
	}
	if _, n := unread(supervisor, ""); n != 3 {
		t.Fatalf("another person's notifications were touched: unread_count %v", n)
	}
}
