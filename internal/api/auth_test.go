package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/platform/authn"
)

func me(env *apitest.Env, token string) int {
	return env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: token, Invalid: true}).Status
}

// signingKey returns the private key of the test key set and its id.
func signingKey(t *testing.T, env *apitest.Env) (string, ed25519.PrivateKey) {
	id, enc, _ := strings.Cut(strings.TrimSpace(env.KeysText), " ")
	seed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	return id, ed25519.NewKeyFromSeed(seed)
}

func TestForgedAndInvalidTokensAreRefused(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	good := env.Token("caseworker@sezim.kg")
	if me(env, good) != http.StatusOK {
		t.Fatal("a valid token was refused")
	}
	parser := jwt.NewParser()
	var claims authn.Claims
	if _, _, err := parser.ParseUnverified(good, &claims); err != nil {
		t.Fatal(err)
	}
	kid, key := signingKey(t, env)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	f := forger{t: t, claims: claims}
	sign, with := f.sign, f.with
	tamperedPayload := f.tamperedPayload(good, kid, otherKey)
	noneTok := f.unsigned(kid)
	hmacTok := sign(jwt.SigningMethodHS256, claims, kid, []byte(key.Public().(ed25519.PublicKey)))

	// Log out a session to check its token is refused afterwards.
	pair := env.Login("caseworker@sezim.kg")
	if r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/logout", Body: map[string]string{"refresh_token": pair.RefreshToken}}); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.Status)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"AlgNoneIsRefused", noneTok},
		{"AnotherAlgorithmIsRefused", hmacTok},
		{"BadSignatureIsRefused", sign(jwt.SigningMethodEdDSA, claims, kid, otherKey)},
		{"TamperedClaimsAreRefused", tamperedPayload},
		{"UnknownKeyIDIsRefused", sign(jwt.SigningMethodEdDSA, claims, "not-a-key", key)},
		{"ExpiredIsRefused", sign(jwt.SigningMethodEdDSA, with(func(c *authn.Claims) {
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
			c.NotBefore = c.IssuedAt
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-30 * time.Minute))
		}), kid, key)},
		{"OtherAudienceIsRefused", sign(jwt.SigningMethodEdDSA, with(func(c *authn.Claims) { c.Audience = jwt.ClaimStrings{"other-api"} }), kid, key)},
		{"OtherIssuerIsRefused", sign(jwt.SigningMethodEdDSA, with(func(c *authn.Claims) { c.Issuer = "someone-else" }), kid, key)},
		{"UnknownSessionIsRefused", sign(jwt.SigningMethodEdDSA, with(func(c *authn.Claims) { c.SessionID = uuid.NewString() }), kid, key)},
		{"LoggedOutSessionIsRefused", pair.AccessToken},
		{"GarbageIsRefused", "not.a.token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := me(env, tc.token); got != http.StatusUnauthorized {
				t.Fatalf("got %d, want 401", got)
			}
		})
	}
	// A properly signed token with the right claims still works (the
	// forging helpers are not broken).
	if got := me(env, sign(jwt.SigningMethodEdDSA, claims, kid, key)); got != http.StatusOK {
		t.Fatalf("re-signed valid token: %d", got)
	}
}

// forger makes tokens from the claims of a valid one: signed with other
// keys or algorithms, unsigned, or with its payload swapped.
type forger struct {
	t      *testing.T
	claims authn.Claims
}

// sign signs c with k by method under the key id kid.
func (f forger) sign(method jwt.SigningMethod, c authn.Claims, kid string, k any) string {
	f.t.Helper()
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// with returns a copy of the claims changed by change.
func (f forger) with(change func(*authn.Claims)) authn.Claims {
	c := f.claims
	c.Audience = append(jwt.ClaimStrings(nil), f.claims.Audience...)
	change(&c)
	return c
}

// tamperedPayload returns good with its payload replaced by one naming
// another subject (signed by otherKey) and good's own signature.
func (f forger) tamperedPayload(good, kid string, otherKey ed25519.PrivateKey) string {
	parts := strings.Split(good, ".")
	c := f.with(func(c *authn.Claims) { c.Subject = uuid.NewString() })
	forged := f.sign(jwt.SigningMethodEdDSA, c, kid, otherKey)
	return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
}

// unsigned returns the claims with alg none.
func (f forger) unsigned(kid string) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, f.claims)
	tok.Header["kid"] = kid
	s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

func refresh(env *apitest.Env, tok string) *apitest.Response {
	return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Body: map[string]string{"refresh_token": tok}})
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	first := env.Login("supervisor@sezim.kg")
	r := refresh(env, first.RefreshToken)
	if r.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	var second auth.TokenPair
	r.JSON(t, &second)
	if second.RefreshToken == first.RefreshToken || second.RefreshToken == "" {
		t.Fatal("refresh token not rotated")
	}
	if me(env, second.AccessToken) != http.StatusOK {
		t.Fatal("new access token refused")
	}
	// The spent token presented again: refused, and the family revoked.
	if r := refresh(env, first.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Fatalf("reuse: %d", r.Status)
	}
	if r := refresh(env, second.RefreshToken); r.Status != http.StatusUnauthorized {
		t.Fatalf("after reuse, the newest token: %d", r.Status)
	}
	if me(env, second.AccessToken) != http.StatusUnauthorized {
		t.Fatal("after reuse, the session's access token still works")
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = 'auth.refresh_reuse'`); n != 1 {
		t.Fatalf("reuse audited %d times", n)
	}
	// Another session of the same user is untouched.
	other := env.Login("supervisor@sezim.kg")
	if me(env, other.AccessToken) != http.StatusOK {
		t.Fatal("another session was revoked")
	}
	if r := refresh(env, "made-up"); r.Status != http.StatusUnauthorized {
		t.Fatalf("unknown refresh token: %d", r.Status)
	}
}

func TestCookieModeKeepsTheRefreshTokenOutOfTheBody(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Header: map[string]string{"X-Refresh-Cookie": "1"},
		Body: map[string]string{"email": "caseworker@sezim.kg", "password": auth.DemoPassword}})
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d", r.Status)
	}
	if _, ok := r.Map(t)["refresh_token"]; ok {
		t.Fatal("refresh token in the body in cookie mode")
	}
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{auth.RefreshCookie + "=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("cookie %q lacks %s", cookie, want)
		}
	}
	value := strings.SplitN(strings.SplitN(cookie, ";", 2)[0], "=", 2)[1]
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Body: map[string]string{},
		Header: map[string]string{"X-Refresh-Cookie": "1", "Cookie": auth.RefreshCookie + "=" + value}})
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Set-Cookie"), auth.RefreshCookie) {
		t.Fatalf("cookie refresh: %d", r.Status)
	}
	if _, ok := r.Map(t)["refresh_token"]; ok {
		t.Fatal("refresh token in the body in cookie mode")
	}
	// Without the cookie, cookie mode refuses.
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Body: map[string]string{},
		Header: map[string]string{"X-Refresh-Cookie": "1"}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("cookie refresh without cookie: %d", r.Status)
	}
}

func login(env *apitest.Env, email, pw string) *apitest.Response {
	return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": pw}})
}

func stripRequestID(t *testing.T, r *apitest.Response) map[string]any {
	m := r.Map(t)
	delete(m, "request_id")
	return m
}

func TestUnknownEmailAndWrongPasswordLookTheSame(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	wrong := login(env, "caseworker@sezim.kg", "not-the-password")
	unknown := login(env, "nobody@sezim.kg", "not-the-password")
	if wrong.Status != http.StatusUnauthorized || unknown.Status != http.StatusUnauthorized {
		t.Fatalf("statuses %d %d", wrong.Status, unknown.Status)
	}
	a, b := stripRequestID(t, wrong), stripRequestID(t, unknown)
	if len(a) != len(b) || a["detail"] != b["detail"] || a["type"] != b["type"] {
		t.Fatalf("bodies differ: %v vs %v", a, b)
	}
	env.ExpectCount(t, 2, "failed sign-ins audited", `SELECT count(*) FROM audit_entries WHERE action = 'auth.login_failed'`)
}

func TestFailedSignInsAreThrottledPerEmailAndPerAddress(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.LoginFailuresPerEmail = 3; c.LoginFailuresPerIP = 8 }})
	for _, email := range []string{"caseworker@sezim.kg", "ghost@nowhere.kg"} {
		for i := 0; i < 3; i++ {
			if r := login(env, email, "wrong-password!"); r.Status != http.StatusUnauthorized {
				t.Fatalf("%s attempt %d: %d", email, i, r.Status)
			}
		}
		r := login(env, email, "wrong-password!")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s after the limit: %d, Retry-After %q", email, r.Status, r.Header.Get("Retry-After"))
		}
	}
	// An existing and an unknown account are throttled alike; the right
	// password does not get through a throttled e-mail.
	if r := login(env, "caseworker@sezim.kg", auth.DemoPassword); r.Status != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", r.Status)
	}
	// Another account from the same address still signs in, until the
	// address itself reaches its limit.
	if r := login(env, "supervisor@sezim.kg", auth.DemoPassword); r.Status != http.StatusOK {
		t.Fatalf("other account: %d", r.Status)
	}
	for i := 0; i < 2; i++ {
		login(env, "someone"+string(rune('a'+i))+"@x.kg", "wrong-password!")
	}
	if r := login(env, "supervisor@sezim.kg", auth.DemoPassword); r.Status != http.StatusTooManyRequests {
		t.Fatalf("address over its limit: %d", r.Status)
	}
	// Throttling is held in PostgreSQL, keyed by hashes only.
	env.ExpectCount(t, 1, "ip throttle rows", `SELECT count(*) FROM login_throttle WHERE scope = 'ip'`)
}

func TestOneTimePasswordMustBeChangedFirst(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := env.Token("orgadmin@sezim.kg")
	orgID := orgIDOf(t, env, admin)
	r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: admin, Body: map[string]any{
		"email": "New.Worker@Sezim.kg", "name": "New Worker", "role": "caseworker", "organization_id": orgID}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	if m["email"] != "new.worker@sezim.kg" || m["must_change_password"] != true {
		t.Fatalf("created %v", m)
	}
	// A caseworker's one-time password comes from the second person who
	// approves the account.
	oneTime := approved(t, env, env.Token("supervisor@sezim.kg"), m["id"].(string))
	tok := env.Token("new.worker@sezim.kg", oneTime)
	if got := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/organizations", Token: tok}).Status; got != http.StatusForbidden {
		t.Fatalf("before the change: %d", got)
	}
	if me(env, tok) != http.StatusOK {
		t.Fatal("me refused during password change")
	}
	tests := []struct {
		name, current, next, field string
	}{
		{"WrongCurrentIsRefused", "nope-nope-nope", "a brand new passphrase", "current_password"},
		{"ShortIsRefused", oneTime, "short", "new_password"},
		{"DemoPasswordIsRefused", oneTime, auth.DemoPassword, "new_password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/me/password", Token: tok,
				Body: map[string]string{"current_password": tc.current, "new_password": tc.next}})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), tc.field) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), tc.next) {
				t.Fatal("the problem echoes the password")
			}
		})
	}
	r = env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/me/password", Token: tok,
		Body: map[string]string{"current_password": oneTime, "new_password": "a brand new passphrase"}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if got := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/organizations", Token: tok}).Status; got != http.StatusOK {
		t.Fatalf("after the change: %d", got)
	}
	if r := login(env, "new.worker@sezim.kg", oneTime); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", r.Status)
	}
}

func orgIDOf(t *testing.T, env *apitest.Env, token string) string {
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: token})
	var m struct{ Organization struct{ ID string } }
	r.JSON(t, &m)
	return m.Organization.ID
}
