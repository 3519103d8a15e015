package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

// Errors of checkpoint keys and signatures.
var (
	// ErrBadKeyFile reports a key file that does not hold one line with the
	// standard base64 encoding of a 32-byte Ed25519 seed.
	ErrBadKeyFile = errors.New("audit: checkpoint key file must hold a base64 32-byte Ed25519 seed")
	// ErrBadPublicKey reports a public key that is not 32 bytes.
	ErrBadPublicKey = errors.New("audit: invalid Ed25519 public key")
	// ErrUnknownKey reports a checkpoint signed by a key the verifier does
	// not know.
	ErrUnknownKey = errors.New("audit: checkpoint signed by an unknown key")
	// ErrBadSignature reports a checkpoint whose signature does not verify.
	ErrBadSignature = errors.New("audit: checkpoint signature does not verify")
)

// checkpointTag opens every signed checkpoint message.
const checkpointTag = "jardam-audit-checkpoint"

// CheckpointMessage returns the canonical message a checkpoint signs:
// "jardam-audit-checkpoint\n<seq>\n<hex hash>\n<at as RFC 3339 UTC with
// nanoseconds>". The database stores at with microsecond precision, so
// signers pass a time already truncated to microseconds.
func CheckpointMessage(seq int64, hash []byte, at time.Time) []byte {
	return []byte(checkpointTag + "\n" + strconv.FormatInt(seq, 10) + "\n" +
		hex.EncodeToString(hash) + "\n" + at.UTC().Format(time.RFC3339Nano))
}

// KeyID names an Ed25519 public key: the first 16 hex characters of the
// SHA-256 of the key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])[:16]
}

// Signer signs checkpoints with an Ed25519 key read from a file on the
// application's host. The database never holds the private key, so whoever
// controls the database cannot forge a checkpoint.
type Signer struct {
	priv  ed25519.PrivateKey
	keyID string
}

// NewSigner returns a Signer for a 32-byte Ed25519 seed. It returns
// ErrBadKeyFile for a seed of another length.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, ErrBadKeyFile
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Signer{priv: priv, keyID: KeyID(priv.Public().(ed25519.PublicKey))}, nil
}

// LoadSigner reads the checkpoint key at path: one line, the standard base64
// encoding of a 32-byte Ed25519 seed. It returns the file system's error
// (such as fs.ErrNotExist) when the file cannot be read, or ErrBadKeyFile
// when its content is not such a seed.
func LoadSigner(path string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: read checkpoint key: %w", err)
	}
	line := strings.TrimSpace(string(raw))
	if strings.ContainsAny(line, "\r\n") {
		return nil, ErrBadKeyFile
	}
	seed, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return nil, ErrBadKeyFile
	}
	return NewSigner(seed)
}

// GenerateKeyFile creates a new checkpoint key at path (mode 0600, the
// standard base64 encoding of a random 32-byte seed and a newline) and
// returns its Signer. It never overwrites: an existing file gives an error
// satisfying errors.Is(err, fs.ErrExist). Other file system errors are
// returned wrapped.
func GenerateKeyFile(path string) (*Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	if err := keyfile.Create(path, []byte(base64.StdEncoding.EncodeToString(seed)+"\n")); err != nil {
		return nil, fmt.Errorf("audit: create checkpoint key: %w", err)
	}
	return NewSigner(seed)
}

// KeyID returns the id of the signer's key (see KeyID).
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() ed25519.PublicKey {
	return s.priv.Public().(ed25519.PublicKey)
}

// Sign signs the checkpoint (seq, hash, at) and returns the signature; at
// must already be truncated to microseconds (see CheckpointMessage).
func (s *Signer) Sign(seq int64, hash []byte, at time.Time) []byte {
	return ed25519.Sign(s.priv, CheckpointMessage(seq, hash, at))
}

// Verifier returns a Verifier that knows this signer's public key only.
func (s *Signer) Verifier() *Verifier {
	v, _ := NewVerifier(s.PublicKey())
	return v
}

// Verifier checks checkpoint signatures against a set of public keys by key
// id, so that checkpoints signed by keys since rotated out still verify
// while their public keys are kept. A Verifier is safe for concurrent use
// once built.
type Verifier struct {
	keys map[string]ed25519.PublicKey
}

// NewVerifier returns a Verifier knowing pubs. It returns ErrBadPublicKey
// for a key that is not 32 bytes.
func NewVerifier(pubs ...ed25519.PublicKey) (*Verifier, error) {
	v := &Verifier{keys: map[string]ed25519.PublicKey{}}
	for _, p := range pubs {
		if _, err := v.Add(p); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ParsePublicKey decodes the standard base64 encoding of a 32-byte Ed25519
// public key. It returns ErrBadPublicKey otherwise.
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, ErrBadPublicKey
	}
	return ed25519.PublicKey(b), nil
}

// Add makes pub known to v and returns its key id. It returns
// ErrBadPublicKey for a key that is not 32 bytes. Add must not run
// concurrently with Verify.
func (v *Verifier) Add(pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", ErrBadPublicKey
	}
	id := KeyID(pub)
	v.keys[id] = bytes.Clone(pub)
	return id, nil
}

// KeyIDs returns the ids of the keys v knows, sorted.
func (v *Verifier) KeyIDs() []string {
	ids := make([]string, 0, len(v.keys))
	for id := range v.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Verify checks that sig is keyID's signature of the checkpoint (seq, hash,
// at). It returns ErrUnknownKey when v does not know keyID and
// ErrBadSignature when the signature does not verify.
func (v *Verifier) Verify(keyID string, seq int64, hash []byte, at time.Time, sig []byte) error {
	if v == nil {
		return ErrUnknownKey
	}
	pub, ok := v.keys[keyID]
	if !ok {
		return ErrUnknownKey
	}
	if !ed25519.Verify(pub, CheckpointMessage(seq, hash, at), sig) {
		return ErrBadSignature
	}
	return nil
}

func uuidText(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}
