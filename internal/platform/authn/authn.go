// Package authn issues and checks Jardam's access tokens: short-lived JWTs
// signed with Ed25519 (EdDSA, the one algorithm accepted), carrying issuer,
// audience, expiry, a key id checked against a server-side key set (so keys
// can rotate) and the session id every request checks.
package authn

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

// ErrInvalidToken is returned for any token that is not accepted; the cause
// is never told to the client.
var ErrInvalidToken = errors.New("invalid token")

// KeySet holds the signing keys by key id; the first key of the file signs,
// all verify.
type KeySet struct {
	activeID string
	keys     map[string]ed25519.PrivateKey
}

// LoadKeySet reads a key file: one key a line, `KEYID BASE64SEED`, the first
// line the active signing key.
func LoadKeySet(path string) (*KeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token keys: %w", err)
	}
	return ParseKeySet(string(b))
}

// ParseKeySet parses the key file format of LoadKeySet.
func ParseKeySet(text string) (*KeySet, error) {
	ks := &KeySet{keys: map[string]ed25519.PrivateKey{}}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, enc, ok := strings.Cut(line, " ")
		seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if !ok || err != nil || len(seed) != ed25519.SeedSize || id == "" {
			return nil, fmt.Errorf("token keys: line %d is not `KEYID BASE64SEED`", i+1)
		}
		if ks.activeID == "" {
			ks.activeID = id
		}
		ks.keys[id] = ed25519.NewKeyFromSeed(seed)
	}
	if ks.activeID == "" {
		return nil, errors.New("token keys: no key")
	}
	return ks, nil
}

// NewKeyLine returns a fresh key line for the key file.
func NewKeyLine() string {
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return hex.EncodeToString(id) + " " + base64.StdEncoding.EncodeToString(seed) + "\n"
}

// GenerateKeyFile writes a new key file at path (mode 0600, see
// keyfile.Create) unless one exists, creating its directory.
func GenerateKeyFile(path string) (created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	if err := keyfile.Create(path, []byte(NewKeyLine())); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	// OrganizationID and Role are the session's organization and role at
	// sign-in, so that a route checking the session inside its own
	// transaction (web.SessionInTx) can decide its permission before the
	// session is read; that check then requires the session to still have
	// them.
	OrganizationID string `json:"org,omitempty"`
	Role           string `json:"rol,omitempty"`
}

// Tokens issues and parses access tokens.
type Tokens struct {
	keys     *KeySet
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	// verified remembers the tokens already accepted, by their SHA-256
	// (never the token itself), with what they say and when they expire.
	// A client sends one token with every request of its lifetime, and
	// checking its Ed25519 signature was the largest part of the server's
	// CPU on a case read. The key set does not change while the server
	// runs, so a token accepted once stays acceptable until it expires;
	// the session it names is still checked by every request.
	verified *lru.Cache[[sha256.Size]byte, accepted]
}

// accepted is a token found valid: what it says and its expiry.
type accepted struct {
	parsed  Parsed
	expires time.Time
}

// verifiedTokens bounds the tokens remembered as accepted: more than the
// sessions a server serves within one token lifetime.
const verifiedTokens = 8192

// leeway is the clock skew tolerated on a token's times.
const leeway = 5 * time.Second

// NewTokens returns a token issuer/parser.
func NewTokens(keys *KeySet, issuer, audience string, ttl time.Duration) *Tokens {
	verified, err := lru.New[[sha256.Size]byte, accepted](verifiedTokens)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &Tokens{keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: time.Now, verified: verified}
}

// TTL is the lifetime of an access token.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for user in session, of organization orgID
// with role.
func (t *Tokens) Issue(userID, sessionID, orgID uuid.UUID, role string) (string, error) {
	now := t.now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   userID.String(),
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.NewString(),
		},
		SessionID:      sessionID.String(),
		OrganizationID: orgID.String(),
		Role:           role,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = t.keys.activeID
	return tok.SignedString(t.keys.keys[t.keys.activeID])
}

// Parse verifies a token's algorithm, key id, signature, issuer, audience
// and expiry and returns the user and session it names. Every failure is
// ErrInvalidToken.
func (t *Tokens) Parse(raw string) (userID, sessionID uuid.UUID, err error) {
	c, err := t.ParseClaims(raw)
	return c.UserID, c.SessionID, err
}

// Parsed is what an accepted token says: its user and session, and the
// session's organization and role at sign-in (uuid.Nil and "" in a token
// that does not carry them).
type Parsed struct {
	UserID, SessionID, OrganizationID uuid.UUID
	Role                              string
}

// ParseClaims is Parse, with the organization and role the token carries.
// A token accepted before answers from memory until it expires.
func (t *Tokens) ParseClaims(raw string) (Parsed, error) {
	sum := sha256.Sum256([]byte(raw))
	if a, ok := t.verified.Get(sum); ok {
		if t.now().Before(a.expires.Add(leeway)) {
			return a.parsed, nil
		}
		t.verified.Remove(sum)
	}
	out, expires, err := t.verify(raw)
	if err != nil {
		return Parsed{}, err
	}
	t.verified.Add(sum, accepted{parsed: out, expires: expires})
	return out, nil
}

// verify checks a token's signature and claims, and returns what it says
// and when it expires.
func (t *Tokens) verify(raw string) (Parsed, time.Time, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(t.now),
	)
	var claims Claims
	_, err := p.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		key, ok := t.keys.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return key.Public(), nil
	})
	if err != nil {
		return Parsed{}, time.Time{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	uid, err1 := uuid.Parse(claims.Subject)
	sid, err2 := uuid.Parse(claims.SessionID)
	if err1 != nil || err2 != nil {
		return Parsed{}, time.Time{}, fmt.Errorf("%w: bad subject or session", ErrInvalidToken)
	}
	out := Parsed{UserID: uid, SessionID: sid, Role: claims.Role}
	if org, err := uuid.Parse(claims.OrganizationID); err == nil {
		out.OrganizationID = org
	}
	return out, claims.ExpiresAt.Time, nil
}
