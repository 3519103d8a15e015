package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Audit actions of the second factor.
const (
	ActionMFAEnroll       = "mfa.enroll"
	ActionMFAConfirm      = "mfa.confirm"
	ActionLoginMFA        = "login.mfa"
	ActionMFAResetRequest = "mfa.reset_request"
	ActionMFAResetApprove = "mfa.reset_approve"
)

const (
	// totpPeriod is the TOTP time step in seconds (RFC 6238's default).
	totpPeriod = 30
	// totpIssuer names the service in authenticator apps.
	totpIssuer = "Jardam"
	// mfaChallengeTTL is how long the second step of a sign-in may wait.
	mfaChallengeTTL = 5 * time.Minute
	// mfaChallengeMaxFailures wrong codes end a challenge: the password must
	// be given again.
	mfaChallengeMaxFailures = 5
	// recoveryCodeCount codes are issued at each confirmation.
	recoveryCodeCount = 10
	// recoveryCodeLen characters of a 32-symbol alphabet: 60 bits each.
	recoveryCodeLen = 12
	// recoveryAlphabet is Crockford's base 32 (no I, L, O, U).
	recoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var (
	errBadMFAToken = apperr.Unauthorized("the sign-in step is invalid or expired; sign in again")
	errBadCode     = apperr.Unauthorized("the code is not correct")
)

// MFAChallenge is the answer to a right password when the account has a
// second factor: no access, only a short-lived single-use token for
// CompleteMFA.
type MFAChallenge struct {
	MFARequired bool   `json:"mfa_required"`
	MFAToken    string `json:"mfa_token"`
}

// TOTPEnrollment is a started enrollment: the secret, in base 32 and as an
// otpauth URL for a QR code.
type TOTPEnrollment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

// RecoveryCodes are shown once, when a factor is confirmed.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// factorRow is a stored TOTP factor; its secret is sealed under its own
// data key, wrapped by the master key.
type factorRow struct {
	ID            uuid.UUID
	MasterVersion string
	KeyWrapped    []byte
	SecretSealed  []byte
	LastStep      int64
}

// factorKeyAAD binds a factor's wrapped data key to the factor (master key
// rotation re-wraps it under the same binding).
func factorKeyAAD(id uuid.UUID) string { return "totp:" + id.String() }

func factorSecretAD(id uuid.UUID) jcrypto.AD {
	return jcrypto.AD{Table: "totp_factors", Column: "secret_sealed", RowID: id.String(), KeyVersion: 1}
}

func (s *Service) sealSecret(ctx context.Context, id uuid.UUID, secret string) (factorRow, error) {
	sealer, wrapped, version, err := jcrypto.NewCaseSealer(ctx, s.set.SecretKeys, factorKeyAAD(id))
	if err != nil {
		return factorRow{}, err
	}
	sealed, err := sealer.SealString(secret, factorSecretAD(id))
	if err != nil {
		return factorRow{}, err
	}
	return factorRow{ID: id, MasterVersion: version, KeyWrapped: wrapped, SecretSealed: sealed}, nil
}

func (s *Service) openSecret(ctx context.Context, f factorRow) (string, error) {
	sealer, err := jcrypto.OpenCaseSealer(ctx, s.set.SecretKeys, f.MasterVersion, f.KeyWrapped, factorKeyAAD(f.ID))
	if err != nil {
		return "", err
	}
	return sealer.OpenString(f.SecretSealed, factorSecretAD(f.ID))
}

// lockFactor reads and locks the user's confirmed factor (confirmed) or
// enrollment in progress; a zero ID means none.
func lockFactor(tx *gorm.DB, userID uuid.UUID, confirmed bool) (factorRow, error) {
	var f factorRow
	cond := "confirmed_at IS NULL"
	if confirmed {
		cond = "confirmed_at IS NOT NULL"
	}
	err := tx.Raw(`SELECT id, master_version, key_wrapped, secret_sealed, last_step FROM totp_factors
		WHERE user_id = ? AND `+cond+` FOR UPDATE`, userID).Scan(&f).Error
	return f, err
}

// matchTOTP returns the time step, later than after, whose code is code:
// the current step or one step of clock drift either way.
func matchTOTP(secret, code string, now time.Time, after int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, st := range []int64{step - 1, step, step + 1} {
		if st <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// verifyCode checks a TOTP code of f, accepting each time step once (the
// step is recorded under f's row lock, so replicas agree), or, when
// recovery is allowed, one of f's unused recovery codes, which it spends.
func (s *Service) verifyCode(ctx context.Context, tx *gorm.DB, f factorRow, code string, recovery bool) (bool, error) {
	code = strings.TrimSpace(code)
	if isTOTPCode(code) {
		secret, err := s.openSecret(ctx, f)
		if err != nil {
			return false, err
		}
		step, ok := matchTOTP(secret, code, time.Now(), f.LastStep)
		if !ok {
			return false, nil
		}
		return true, tx.Exec(`UPDATE totp_factors SET last_step = ? WHERE id = ?`, step, f.ID).Error
	}
	if !recovery {
		return false, nil
	}
	return s.spendRecoveryCode(ctx, tx, f.ID, code)
}

// normalizeRecoveryCode upper-cases a recovery code and drops separators.
func normalizeRecoveryCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

func (s *Service) spendRecoveryCode(ctx context.Context, tx *gorm.DB, factorID uuid.UUID, code string) (bool, error) {
	norm := normalizeRecoveryCode(code)
	if len(norm) != recoveryCodeLen || strings.Trim(norm, recoveryAlphabet) != "" {
		return false, nil
	}
	var rows []struct {
		ID       uuid.UUID
		CodeHash string
	}
	if err := tx.Raw(`SELECT id, code_hash FROM mfa_recovery_codes WHERE factor_id = ? AND used_at IS NULL`, factorID).Scan(&rows).Error; err != nil {
		return false, err
	}
	for _, r := range rows {
		if s.hasher.Verify(ctx, norm, r.CodeHash) == nil {
			return true, tx.Exec(`UPDATE mfa_recovery_codes SET used_at = now() WHERE id = ?`, r.ID).Error
		}
	}
	return false, nil
}

// newRecoveryCodes returns recoveryCodeCount fresh codes, formatted
// XXXX-XXXX-XXXX, and their argon2id hashes.
func (s *Service) newRecoveryCodes(ctx context.Context) (codes, hashes []string, err error) {
	for range recoveryCodeCount {
		b := make([]byte, recoveryCodeLen)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		raw := make([]byte, recoveryCodeLen)
		for i, v := range b {
			raw[i] = recoveryAlphabet[v&31]
		}
		h, err := s.hasher.Hash(ctx, string(raw))
		if err != nil {
			return nil, nil, err
		}
		codes = append(codes, string(raw[:4])+"-"+string(raw[4:8])+"-"+string(raw[8:]))
		hashes = append(hashes, h)
	}
	return codes, hashes, nil
}

// challenge records the second step of a sign-in and returns its token.
func (s *Service) challenge(ctx context.Context, u userRow) (MFAChallenge, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return MFAChallenge{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM mfa_challenges WHERE expires_at < now()`).Error; err != nil {
			return err
		}
		// The user id goes first: gorm would expand a byte slice placed
		// right after a parenthesis.
		return tx.Exec(`INSERT INTO mfa_challenges (user_id, token_hash, expires_at) VALUES (?, ?, now() + make_interval(secs => ?))`,
			u.ID, hashRefresh(tok), mfaChallengeTTL.Seconds()).Error
	})
	return MFAChallenge{MFARequired: true, MFAToken: tok}, err
}

// CompleteMFA finishes a sign-in begun by Login with the challenge's token
// and a TOTP or recovery code, and opens the session. An unknown, spent or
// expired token, or one that has seen too many wrong codes, answers
// unauthorized, as does a wrong or replayed code; failures count against
// the account's e-mail and the client address like wrong passwords, and
// too many answer ErrTooManyRequests.
func (s *Service) CompleteMFA(ctx context.Context, token, code string) (TokenPair, error) {
	var u userRow
	err := s.db.WithContext(ctx).Raw(`SELECT u.id, u.organization_id, u.email, u.role FROM mfa_challenges c JOIN users u ON u.id = c.user_id
		WHERE c.token_hash = ? AND c.used_at IS NULL AND c.expires_at > now() AND c.failures < ? AND u.disabled_at IS NULL`,
		hashRefresh(token), mfaChallengeMaxFailures).Scan(&u).Error
	if err != nil {
		return TokenPair{}, apperr.Internal(err)
	}
	if u.ID == uuid.Nil {
		return TokenPair{}, errBadMFAToken
	}
	keys := throttleKeysFor(ctx, u.Email)
	if err := s.checkThrottle(ctx, keys, ActionLoginThrottled); err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = s.withCode(ctx, keys, &u, ActionLoginMFA, errBadCode, func(tx *gorm.DB) (bool, error) {
		var live bool
		if err := tx.Raw(`SELECT true FROM mfa_challenges WHERE token_hash = ? AND used_at IS NULL AND expires_at > now()
			AND failures < ? FOR UPDATE`, hashRefresh(token), mfaChallengeMaxFailures).Scan(&live).Error; err != nil {
			return false, err
		}
		f, err := lockFactor(tx, u.ID, true)
		if err != nil {
			return false, err
		}
		if !live || f.ID == uuid.Nil {
			return false, errBadMFAToken
		}
		ok, err := s.verifyCode(ctx, tx, f, code, true)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, tx.Exec(`UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = ?`, hashRefresh(token)).Error
		}
		if err := tx.Exec(`UPDATE mfa_challenges SET used_at = now() WHERE token_hash = ?`, hashRefresh(token)).Error; err != nil {
			return false, err
		}
		pair, err = s.openSession(ctx, tx, u, keys, ActionLoginMFA)
		return true, err
	})
	if err != nil {
		return TokenPair{}, err
	}
	return pair, nil
}

// withCode runs step, a step of the signed-in (or signing-in) user u that
// checks a code, in one transaction. When step reports a wrong code (false,
// nil), the failure is counted and audited as action (recordFailure) in
// that transaction, which commits, and the caller gets wrong; an error of
// step rolls back and answers as apperr.Wrap does.
func (s *Service) withCode(ctx context.Context, k throttleKeys, u *userRow, action string, wrong error,
	step func(tx *gorm.DB) (bool, error)) error {
	failed := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		ok, err := step(tx)
		if err != nil || ok {
			return err
		}
		failed = true
		return s.recordFailure(ctx, tx, k, u, action)
	})
	if err != nil {
		return apperr.Wrap(err)
	}
	if failed {
		return wrong
	}
	return nil
}

// self returns the signed-in caller as a userRow (with the e-mail
// failures are counted under).
func (s *Service) self(ctx context.Context) (userRow, error) {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return userRow{}, errBadToken
	}
	var email string
	if err := s.db.WithContext(ctx).Raw(`SELECT email FROM users WHERE id = ?`, p.UserID).Scan(&email).Error; err != nil {
		return userRow{}, apperr.Internal(err)
	}
	return userRow{ID: p.UserID, OrganizationID: p.OrganizationID, Role: p.Role, Email: email}, nil
}

var errWrongCode = apperr.Invalid("code", "is not correct")

// EnrollTOTP starts an enrollment: a new secret, sealed and kept beside
// any confirmed factor until ConfirmTOTP. While a factor is on, code must
// be a current code of it (or a recovery code): missing, it answers a
// validation error on code; wrong, the same, counted like a wrong password.
func (s *Service) EnrollTOTP(ctx context.Context, code string) (TOTPEnrollment, error) {
	u, err := s.self(ctx)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	keys := throttleKeysFor(ctx, u.Email)
	if code != "" {
		if err := s.checkThrottle(ctx, keys, ActionLoginThrottled); err != nil {
			return TOTPEnrollment{}, err
		}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrollment{}, apperr.Internal(err)
	}
	f, err := s.sealSecret(ctx, uuid.New(), key.Secret())
	if err != nil {
		return TOTPEnrollment{}, apperr.Internal(err)
	}
	err = s.withCode(ctx, keys, &u, ActionMFAEnroll, errWrongCode, func(tx *gorm.DB) (bool, error) {
		on, err := lockFactor(tx, u.ID, true)
		if err != nil {
			return false, err
		}
		if on.ID != uuid.Nil {
			if code == "" {
				return false, apperr.Invalid("code", "is required while a second factor is on")
			}
			if ok, err := s.verifyCode(ctx, tx, on, code, true); err != nil || !ok {
				return false, err
			}
		}
		if err := tx.Exec(`DELETE FROM totp_factors WHERE user_id = ? AND confirmed_at IS NULL`, u.ID).Error; err != nil {
			return false, err
		}
		if err := tx.Exec(`INSERT INTO totp_factors (id, user_id, master_version, key_wrapped, secret_sealed) VALUES (?, ?, ?, ?, ?)`,
			f.ID, u.ID, f.MasterVersion, f.KeyWrapped, f.SecretSealed).Error; err != nil {
			return false, err
		}
		return true, audit.Record(ctx, tx, ActionMFAEnroll, "user", u.ID.String(), audit.Success)
	})
	if err != nil {
		return TOTPEnrollment{}, err
	}
	return TOTPEnrollment{Secret: key.Secret(), OTPAuthURL: key.URL()}, nil
}

// ConfirmTOTP turns on the enrollment in progress with a current code of
// its secret (which is then spent), replacing any previous factor and its
// recovery codes, ends the caller's other sessions and returns new
// recovery codes. No enrollment in progress answers a conflict; a wrong
// code a validation error on code, counted like a wrong password.
func (s *Service) ConfirmTOTP(ctx context.Context, code string) (RecoveryCodes, error) {
	if strings.TrimSpace(code) == "" {
		return RecoveryCodes{}, requiredErr("code")
	}
	u, err := s.self(ctx)
	if err != nil {
		return RecoveryCodes{}, err
	}
	keys := throttleKeysFor(ctx, u.Email)
	if err := s.checkThrottle(ctx, keys, ActionLoginThrottled); err != nil {
		return RecoveryCodes{}, err
	}
	codes, hashes, err := s.newRecoveryCodes(ctx)
	if err != nil {
		return RecoveryCodes{}, apperr.Internal(err)
	}
	err = s.withCode(ctx, keys, &u, ActionMFAConfirm, errWrongCode, func(tx *gorm.DB) (bool, error) {
		f, err := lockFactor(tx, u.ID, false)
		if err != nil {
			return false, err
		}
		if f.ID == uuid.Nil {
			return false, apperr.Conflict("no enrollment is in progress: start one with POST /api/v1/me/mfa/totp")
		}
		if ok, err := s.verifyCode(ctx, tx, f, code, false); err != nil || !ok {
			return false, err
		}
		return true, s.turnOn(ctx, tx, u.ID, f.ID, hashes)
	})
	if err != nil {
		return RecoveryCodes{}, err
	}
	return RecoveryCodes{RecoveryCodes: codes}, nil
}

// turnOn makes factorID the user's factor with the given recovery code
// hashes, ends the user's other sessions and pending sign-in steps.
func (s *Service) turnOn(ctx context.Context, tx *gorm.DB, userID, factorID uuid.UUID, hashes []string) error {
	p, _ := reqctx.PrincipalFrom(ctx)
	if err := execAll(tx,
		stmt{`DELETE FROM totp_factors WHERE user_id = ? AND confirmed_at IS NOT NULL`, []any{userID}},
		stmt{`UPDATE totp_factors SET confirmed_at = now() WHERE id = ?`, []any{factorID}},
		stmt{`INSERT INTO mfa_recovery_codes (factor_id, code_hash) SELECT ?, unnest(?::text[])`, []any{factorID, database.Array[string](hashes)}},
		stmt{`UPDATE sessions SET revoked_at = now(), revoked_reason = 'mfa_enabled'
			WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, []any{userID, p.SessionID}},
		stmt{`DELETE FROM mfa_challenges WHERE user_id = ?`, []any{userID}},
	); err != nil {
		return err
	}
	return audit.Record(ctx, tx, ActionMFAConfirm, "user", userID.String(), audit.Success)
}

// stmt is one statement of execAll.
type stmt struct {
	sql  string
	args []any
}

// execAll runs statements in order in tx, stopping at the first error.
func execAll(tx *gorm.DB, stmts ...stmt) error {
	for _, st := range stmts {
		if err := tx.Exec(st.sql, st.args...).Error; err != nil {
			return err
		}
	}
	return nil
}
