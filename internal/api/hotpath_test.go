package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// A case read and the case list check the caller's session in the first
// statement of their own transaction (web.SessionInTx): every session the
// other routes refuse is refused there at once, with the same answer, and
// leaves no case.read or case.list entry; a confirmed read leaves exactly
// one.
func TestCaseReadChecksTheSessionInItsTransaction(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	const email = "caseworker@sezim.kg"
	token := env.Token(email)
	id := newCase(t, env, token, nil)["id"].(string)
	path := "/api/v1/cases/" + id
	reads := func() int64 {
		return env.Count(`SELECT count(*) FROM audit_entries WHERE action IN ('case.read', 'case.list') AND object_id = ?`, id)
	}
	refused := func(t *testing.T, token string, want int) {
		t.Helper()
		for _, p := range []string{path, "/api/v1/cases"} {
			if r := env.Do(apitest.Request{Method: http.MethodGet, Path: p, Token: token}); r.Status != want {
				t.Fatalf("GET %s: %d, want %d: %s", p, r.Status, want, r.Body)
			}
		}
	}
	if r := env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: token}); r.Status != http.StatusOK {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	if n := reads(); n != 1 {
		t.Fatalf("case.read entries after one read: %d", n)
	}
	user := env.UserID(email)
	change := func(t *testing.T, set, undo string) {
		t.Helper()
		if err := env.DB.App.Exec(`UPDATE users SET `+set+` WHERE id = ?`, user).Error; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.DB.App.Exec(`UPDATE users SET `+undo+` WHERE id = ?`, user).Error })
	}
	t.Run("LoggedOutSessionIs401", func(t *testing.T) {
		pair := env.Login(email)
		if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/logout", Body: map[string]string{"refresh_token": pair.RefreshToken}}); r.Status != http.StatusNoContent {
			t.Fatalf("logout: %d", r.Status)
		}
		refused(t, pair.AccessToken, http.StatusUnauthorized)
	})
	t.Run("MustChangePasswordIs403", func(t *testing.T) {
		change(t, "must_change_password = true", "must_change_password = false")
		refused(t, token, http.StatusForbidden)
	})
	t.Run("DisabledAccountIs401", func(t *testing.T) {
		change(t, "status = 'disabled', disabled_at = now()", "status = 'active', disabled_at = NULL")
		refused(t, token, http.StatusUnauthorized)
	})
	t.Run("ChangedRoleIs401", func(t *testing.T) {
		change(t, "role = 'supervisor'", "role = 'caseworker'")
		refused(t, token, http.StatusUnauthorized)
	})
	if n := reads(); n != 1 {
		t.Fatalf("case.read and case.list entries after refused requests: %d, want 1", n)
	}
	t.Run("UnknownCaseIs404AndAuditedOnce", func(t *testing.T) {
		other := uuid.NewString()
		if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + other, Token: token}); r.Status != http.StatusNotFound {
			t.Fatalf("read of a missing case: %d %s", r.Status, r.Body)
		}
		env.ExpectCount(t, 1, "not_found entries", `SELECT count(*) FROM audit_entries WHERE action = 'case.read' AND object_id = ? AND outcome = 'not_found'`, other)
	})
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Relation string `json:"relation"`
		} `json:"items"`
	}
	env.GetJSON(t, token, "/api/v1/cases", &list)
	found := false
	for _, it := range list.Items {
		found = found || (it.ID == id && it.Relation == "assigned")
	}
	if !found {
		t.Fatalf("the list after the account was restored has not the case as assigned: %+v", list.Items)
	}
	if n := reads(); n != 2 {
		t.Fatalf("case.read and case.list entries after a list: %d, want 2", n)
	}
}
