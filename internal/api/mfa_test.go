package api_test

import (
	"encoding/base32"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/auth"
)

// totpAt is the RFC 6238 code of secret at t (SHA-1, 6 digits, 30 s).
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextCode is the code of the next time step: accepted (one step of drift)
// and never spent before it.
func nextCode(t *testing.T, secret string) string {
	return totpAt(t, secret, time.Now().Add(30*time.Second))
}

func startEnrollment(t *testing.T, env *apitest.Env, token string, body map[string]string) *apitest.Response {
	t.Helper()
	return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/me/mfa/totp", Token: token, Body: body})
}

func confirmEnrollment(env *apitest.Env, token, code string) *apitest.Response {
	return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/me/mfa/totp/confirm", Token: token, Body: map[string]string{"code": code}})
}

// enroll turns a factor on for token's account and returns the secret, the
// code that confirmed it and the recovery codes.
func enroll(t *testing.T, env *apitest.Env, token string) (secret, confirmCode string, recovery []string) {
	t.Helper()
	r := startEnrollment(t, env, token, map[string]string{})
	if r.Status != http.StatusOK {
		t.Fatalf("enroll: %d %s", r.Status, r.Body)
	}
	var e auth.TOTPEnrollment
	r.JSON(t, &e)
	confirmCode = totpAt(t, e.Secret, time.Now())
	r = confirmEnrollment(env, token, confirmCode)
	if r.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	var rc auth.RecoveryCodes
	r.JSON(t, &rc)
	return e.Secret, confirmCode, rc.RecoveryCodes
}

// passwordStep signs in with the demo password and returns the mfa_token.
func passwordStep(t *testing.T, env *apitest.Env, email string) string {
	t.Helper()
	r := login(env, email, auth.DemoPassword)
	var ch auth.MFAChallenge
	r.JSON(t, &ch)
	if r.Status != http.StatusOK || !ch.MFARequired || ch.MFAToken == "" || strings.Contains(string(r.Body), "access_token") {
		t.Fatalf("password step: %d %s", r.Status, r.Body)
	}
	return ch.MFAToken
}

func codeStep(env *apitest.Env, mfaToken, code string, header ...map[string]string) *apitest.Response {
	req := apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/mfa", Body: map[string]string{"mfa_token": mfaToken, "code": code}}
	if len(header) > 0 {
		req.Header = header[0]
	}
	return env.Do(req)
}

func meMap(t *testing.T, env *apitest.Env, token string) map[string]any {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/me", Token: token})
	if r.Status != http.StatusOK {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	return r.Map(t)
}

func TestTOTPEnrollmentAndSignInWithACode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	const email = "caseworker@sezim.kg"
	tok := env.Token(email)
	if m := meMap(t, env, tok); m["mfa_enabled"] != false || m["mfa_required"] != false {
		t.Fatalf("before enrollment: %v", m)
	}
	r := startEnrollment(t, env, tok, map[string]string{})
	var e auth.TOTPEnrollment
	r.JSON(t, &e)
	assertEnrollmentOffer(t, e)
	// Until confirmed, nothing changes: the password alone signs in.
	if r := login(env, email, auth.DemoPassword); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "access_token") {
		t.Fatalf("sign-in before confirmation: %d %s", r.Status, r.Body)
	}
	if r := confirmEnrollment(env, tok, "000000"); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"code"`) {
		t.Fatalf("wrong confirming code: %d %s", r.Status, r.Body)
	}
	confirm := totpAt(t, e.Secret, time.Now())
	r = confirmEnrollment(env, tok, confirm)
	if r.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	var rc auth.RecoveryCodes
	r.JSON(t, &rc)
	checkRecoveryCodes(t, rc.RecoveryCodes)
	if m := meMap(t, env, tok); m["mfa_enabled"] != true {
		t.Fatalf("after confirmation: %v", m)
	}

	t.Run("TheConfirmingCodeIsSpent", func(t *testing.T) {
		if r := codeStep(env, passwordStep(t, env, email), confirm); r.Status != http.StatusUnauthorized {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("ACurrentCodeSignsInOnceInCookieMode", func(t *testing.T) {
		mt := passwordStep(t, env, email)
		code := nextCode(t, e.Secret)
		r := codeStep(env, mt, code, map[string]string{auth.HeaderRefreshCookie: "1"})
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "refresh_token") || !strings.Contains(r.Header.Get("Set-Cookie"), auth.RefreshCookie) {
			t.Fatalf("code step: %d %s %q", r.Status, r.Body, r.Header.Get("Set-Cookie"))
		}
		var p auth.TokenPair
		r.JSON(t, &p)
		if me(env, p.AccessToken) != http.StatusOK {
			t.Fatal("the new access token does not work")
		}
		if r := codeStep(env, mt, nextCode(t, e.Secret)); r.Status != http.StatusUnauthorized {
			t.Fatalf("the mfa_token worked twice: %d", r.Status)
		}
		if r := codeStep(env, passwordStep(t, env, email), code); r.Status != http.StatusUnauthorized {
			t.Fatalf("a replayed code: %d %s", r.Status, r.Body)
		}
	})
	t.Run("ARecoveryCodeWorksOnce", func(t *testing.T) {
		typed := strings.ToLower(strings.ReplaceAll(rc.RecoveryCodes[3], "-", ""))
		if r := codeStep(env, passwordStep(t, env, email), typed); r.Status != http.StatusOK {
			t.Fatalf("recovery code: %d %s", r.Status, r.Body)
		}
		if r := codeStep(env, passwordStep(t, env, email), rc.RecoveryCodes[3]); r.Status != http.StatusUnauthorized {
			t.Fatalf("recovery code reused: %d %s", r.Status, r.Body)
		}
		env.ExpectCount(t, 9, "unused recovery codes", `SELECT count(*) FROM mfa_recovery_codes WHERE used_at IS NULL`)
	})
	t.Run("AForgedTokenIsRefused", func(t *testing.T) {
		if r := codeStep(env, "not-a-token", nextCode(t, e.Secret)); r.Status != http.StatusUnauthorized {
			t.Fatalf("got %d", r.Status)
		}
	})
	assertMFAAudited(t, env)
}

// assertEnrollmentOffer checks the otpauth URL an enrollment offers: SHA-1,
// six digits, 30 s, Jardam's name, and a secret of at least 160 bits.
func assertEnrollmentOffer(t *testing.T, e auth.TOTPEnrollment) {
	t.Helper()
	u, err := url.Parse(e.OTPAuthURL)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("otpauth url %q", e.OTPAuthURL)
	}
	q := u.Query()
	if q.Get("secret") != e.Secret || q.Get("issuer") != "Jardam" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Fatalf("otpauth parameters %v", q)
	}
	if raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret); err != nil || len(raw) < 20 {
		t.Fatalf("secret of %d bytes (%v)", len(raw), err)
	}
}

// assertMFAAudited: the enrollment, its confirmation and failed and
// successful sign-ins with a code are on the audit trail.
func assertMFAAudited(t *testing.T, env *apitest.Env) {
	t.Helper()
	for action, want := range map[string]string{auth.ActionMFAEnroll: "success", auth.ActionMFAConfirm: "success", auth.ActionLoginMFA: "failure"} {
		if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = ?`, action, want); n == 0 {
			t.Errorf("no %s %s in the audit trail", want, action)
		}
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'success'`, auth.ActionLoginMFA); n != 2 {
		t.Errorf("successful sign-ins with a code audited: %d", n)
	}
}

var recoveryCodeShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

// checkRecoveryCodes: ten distinct codes of 12 symbols of a 32-symbol
// alphabet (60 bits each).
func checkRecoveryCodes(t *testing.T, codes []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryCodeShape.MatchString(c) || seen[c] {
			t.Fatalf("recovery code %q (duplicate %v)", c, seen[c])
		}
		seen[c] = true
	}
	if len(seen) != 10 {
		t.Fatalf("%d recovery codes", len(seen))
	}
}

func TestTOTPSecretAndRecoveryCodesAreNotStoredInClear(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	secret, _, recovery := enroll(t, env, env.Token("supervisor@sezim.kg"))
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct{ Row string }
	if err := env.DB.App.Raw(`SELECT t::text AS row FROM totp_factors t UNION ALL SELECT r::text FROM mfa_recovery_codes r`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 11 {
		t.Fatalf("%d rows", len(rows))
	}
	hexRaw := hex.EncodeToString(raw)
	for _, r := range rows {
		lower := strings.ToLower(r.Row)
		if strings.Contains(lower, strings.ToLower(secret)) || strings.Contains(lower, hexRaw) {
			t.Fatalf("the TOTP secret is stored in clear: %s", r.Row)
		}
		for _, c := range recovery {
			if strings.Contains(strings.ToUpper(r.Row), strings.ReplaceAll(c, "-", "")) || strings.Contains(r.Row, c) {
				t.Fatalf("a recovery code is stored in clear")
			}
		}
	}
	env.ExpectCount(t, 10, "argon2id hashes", `SELECT count(*) FROM mfa_recovery_codes WHERE code_hash LIKE '$argon2id$%'`)
	// The sealed secret is bound to its row: moved to another factor it
	// does not open, and sign-in with a code fails closed.
	other, _, _ := enroll(t, env, env.Token("caseworker@sezim.kg"))
	if err := env.DB.App.Exec(`UPDATE totp_factors SET secret_sealed = (SELECT secret_sealed FROM totp_factors f
		JOIN users u ON u.id = f.user_id WHERE u.email = 'supervisor@sezim.kg')
		WHERE user_id = (SELECT id FROM users WHERE email = 'caseworker@sezim.kg')`).Error; err != nil {
		t.Fatal(err)
	}
	if r := codeStep(env, passwordStep(t, env, "caseworker@sezim.kg"), nextCode(t, other)); r.Status == http.StatusOK {
		t.Fatal("a secret moved to another row opened")
	}
}

func TestWrongCodesAreThrottledLikePasswords(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.LoginFailuresPerEmail = 3 }})
	const email = "caseworker@sezim.kg"
	secret, _, _ := enroll(t, env, env.Token(email))
	mt := passwordStep(t, env, email)
	for i := range 3 {
		if r := codeStep(env, mt, "123456"); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := codeStep(env, mt, nextCode(t, secret))
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("a right code after the limit: %d %s", r.Status, r.Body)
	}
	// The budget is the password's: the e-mail is throttled at sign-in too.
	if r := login(env, email, auth.DemoPassword); r.Status != http.StatusTooManyRequests {
		t.Fatalf("password after wrong codes: %d", r.Status)
	}
	env.ExpectCount(t, 3, "failed codes audited", `SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'failure'`, auth.ActionLoginMFA)
}

func TestEnrollmentIsRequiredFirstWhenConfigured(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.Options{Configure: func(c *configT) { c.MFARequired = true }})
	for _, email := range []string{"coordinator@mlsp.gov.kg", "auditor@jardam.local", "caseworker@sezim.kg"} {
		t.Run(email, func(t *testing.T) {
			tok := env.Token(email)
			r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/organizations", Token: tok})
			if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "POST /api/v1/me/mfa/totp") {
				t.Fatalf("before enrollment: %d %s", r.Status, r.Body)
			}
			if m := meMap(t, env, tok); m["mfa_required"] != true || m["mfa_enabled"] != false {
				t.Fatalf("me: %v", m)
			}
			enroll(t, env, tok)
			if r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/organizations", Token: tok}); r.Status != http.StatusOK {
				t.Fatalf("after enrollment: %d %s", r.Status, r.Body)
			}
		})
	}
}

func TestEnrollingAgainNeedsACurrentCode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	tok := env.Token("supervisor@sezim.kg")
	secret, _, oldRecovery := enroll(t, env, tok)
	if r := startEnrollment(t, env, tok, map[string]string{}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"code"`) {
		t.Fatalf("without a code: %d %s", r.Status, r.Body)
	}
	if r := startEnrollment(t, env, tok, map[string]string{"code": "999999"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"code"`) {
		t.Fatalf("with a wrong code: %d %s", r.Status, r.Body)
	}
	r := startEnrollment(t, env, tok, map[string]string{"code": nextCode(t, secret)})
	if r.Status != http.StatusOK {
		t.Fatalf("with a current code: %d %s", r.Status, r.Body)
	}
	var e auth.TOTPEnrollment
	r.JSON(t, &e)
	if e.Secret == secret {
		t.Fatal("the same secret again")
	}
	r = confirmEnrollment(env, tok, totpAt(t, e.Secret, time.Now()))
	if r.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	// The old factor and its recovery codes are gone.
	if r := codeStep(env, passwordStep(t, env, "supervisor@sezim.kg"), oldRecovery[0]); r.Status != http.StatusUnauthorized {
		t.Fatalf("an old recovery code: %d", r.Status)
	}
	env.ExpectCount(t, 1, "factors", `SELECT count(*) FROM totp_factors`)
}

func TestFactorResetTakesTwoPeople(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.AddUser("orgadmin@akzhurok.kg", "AKZHUROK", "org_admin")
	target := env.Token("caseworker@sezim.kg")
	enroll(t, env, target)
	id := meMap(t, env, target)["id"].(string)
	orgAdmin, admin := env.Token("orgadmin@sezim.kg"), env.Token("admin@jardam.local")
	del := func(tok string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodDelete, Path: "/api/v1/users/" + id + "/mfa", Token: tok})
	}
	approve := func(tok string) *apitest.Response {
		return env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/users/" + id + "/mfa-reset/approve", Token: tok})
	}
	if r := approve(admin); r.Status != http.StatusConflict {
		t.Fatalf("approve with nothing pending: %d", r.Status)
	}
	if r := del(env.Token("supervisor@sezim.kg")); r.Status != http.StatusForbidden {
		t.Fatalf("a supervisor asks: %d", r.Status)
	}
	if r := del(env.Token("orgadmin@akzhurok.kg")); r.Status != http.StatusNotFound {
		t.Fatalf("another organization's org admin asks: %d", r.Status)
	}
	if r := del(orgAdmin); r.Status != http.StatusAccepted || r.Map(t)["status"] != "pending" {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	if r := del(admin); r.Status != http.StatusConflict {
		t.Fatalf("a second request: %d", r.Status)
	}
	if r := approve(orgAdmin); r.Status != http.StatusForbidden {
		t.Fatalf("the requester approves: %d %s", r.Status, r.Body)
	}
	if r := approve(target); r.Status != http.StatusForbidden {
		t.Fatalf("the caseworker approves: %d", r.Status)
	}
	// Still pending: the factor is on.
	passwordStep(t, env, "caseworker@sezim.kg")
	if r := approve(admin); r.Status != http.StatusNoContent {
		t.Fatalf("a second person approves: %d %s", r.Status, r.Body)
	}
	if me(env, target) != http.StatusUnauthorized {
		t.Fatal("the account's sessions survived the reset")
	}
	if r := login(env, "caseworker@sezim.kg", auth.DemoPassword); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "access_token") {
		t.Fatalf("sign-in after the reset: %d %s", r.Status, r.Body)
	}
	for action, outcome := range map[string]string{auth.ActionMFAResetRequest: "success", auth.ActionMFAResetApprove: "denied"} {
		if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = ?`, action, outcome); n == 0 {
			t.Errorf("no %s %s", outcome, action)
		}
	}
	if n := env.Count(`SELECT count(*) FROM audit_entries WHERE action = ? AND outcome = 'success' AND object_id = ?`, auth.ActionMFAResetApprove, id); n != 1 {
		t.Errorf("approvals audited: %d", n)
	}
	// The organization's supervisors and org admins were told, without
	// naming anyone.
	for _, email := range []string{"supervisor@sezim.kg", "orgadmin@sezim.kg"} {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications", Token: env.Token(email)})
		var l struct {
			Items []struct{ Kind, RefCode, Link string }
		}
		r.JSON(t, &l)
		kinds := map[string]bool{}
		for _, n := range l.Items {
			if strings.HasPrefix(n.Kind, "mfa.") {
				kinds[n.Kind] = true
				if n.RefCode != "" || strings.Contains(n.Link, id) || strings.Contains(string(r.Body), "caseworker@") {
					t.Fatalf("a notification names the account: %+v", n)
				}
			}
		}
		if !kinds[auth.NotifyMFAResetRequested] || !kinds[auth.NotifyMFAResetApproved] {
			t.Fatalf("%s was told %v", email, kinds)
		}
	}
}

func TestPasswordResetByOrgAdminKeepsTheFactor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	enroll(t, env, env.Token("caseworker@sezim.kg"))
	admin := env.Token("orgadmin@sezim.kg")
	u := userByEmail(t, env, admin, "caseworker@sezim.kg")
	r := env.Do(apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + u["id"].(string), Token: admin,
		Body: map[string]any{"password": "a fresh one-time password", "version": u["version"]}})
	if r.Status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	r = login(env, "caseworker@sezim.kg", "a fresh one-time password")
	if r.Status != http.StatusOK || r.Map(t)["mfa_required"] != true {
		t.Fatalf("sign-in after a password reset: %d %s", r.Status, r.Body)
	}
}
