// Package passwd hashes and checks passwords with argon2id, under a cap on
// concurrent hashing so that a burst of sign-ins cannot exhaust memory.
package passwd

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Parameters of new hashes (OWASP's minimum for argon2id: m=19 MiB, t=2, p=1).
const (
	Memory  = 19456
	Time    = 2
	Threads = 1
	keyLen  = 32
	saltLen = 16
)

// MinLength is the shortest password accepted.
const MinLength = 12

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("password mismatch")

// Hasher hashes and verifies passwords, at most n at a time.
type Hasher struct {
	sem   chan struct{}
	dummy string
}

// NewHasher returns a Hasher that runs at most n argon2 computations at once.
func NewHasher(n int) *Hasher {
	if n < 1 {
		n = 1
	}
	h := &Hasher{sem: make(chan struct{}, n)}
	h.dummy = encode(make([]byte, saltLen), argon2.IDKey([]byte("jardam-dummy"), make([]byte, saltLen), Time, Memory, Threads, keyLen), Memory, Time, Threads)
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns the PHC-encoded argon2id hash of pw.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return encode(salt, argon2.IDKey([]byte(pw), salt, Time, Memory, Threads, keyLen), Memory, Time, Threads), nil
}

// Verify checks pw against encoded. With encoded empty it checks against a
// dummy hash, so an unknown account costs the same time as a known one, and
// returns ErrMismatch.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) error {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	salt, want, m, t, p, err := decode(encoded)
	if err != nil {
		return err
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	h.release()
	if subtle.ConstantTimeCompare(got, want) != 1 || !known {
		return ErrMismatch
	}
	return nil
}

// Acceptable reports why pw cannot be used as a new password, or "" when it
// can. The reason never contains the password.
func Acceptable(pw string, forbidden ...string) string {
	if utf8.RuneCountInString(pw) < MinLength {
		return fmt.Sprintf("must be at least %d characters", MinLength)
	}
	if len(pw) > 256 {
		return "must be at most 256 bytes"
	}
	for _, f := range forbidden {
		if strings.EqualFold(pw, f) {
			return "is not allowed"
		}
	}
	return ""
}

func encode(salt, key []byte, m, t uint32, p uint8) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(s string) (salt, key []byte, m, t uint32, p uint8, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, nil, 0, 0, 0, errors.New("unsupported password hash")
	}
	var v int
	if _, err = fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, nil, 0, 0, 0, errors.New("unsupported argon2 version")
	}
	if _, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return nil, nil, 0, 0, 0, errors.New("bad argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return nil, nil, 0, 0, 0, err
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return nil, nil, 0, 0, 0, err
	}
	return salt, key, m, t, p, nil
}
