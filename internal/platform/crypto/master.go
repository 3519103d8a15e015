package crypto

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

// KeySize is the size in bytes of master keys, data keys and the index key.
const KeySize = 32

// wrapFormatV1 opens every key wrapped by a LocalMaster: AES-256-GCM with a
// random 96-bit nonce (format byte, nonce, ciphertext, tag).
const wrapFormatV1 byte = 0x01

// keyVersionTag prefixes a master key when its version is computed.
const keyVersionTag = "jardam-master-key-id"

// KeyWrapper wraps data keys under a master key. A cloud KMS can implement
// it; LocalMaster and MultiMaster are the implementations in this package.
// Implementations are safe for concurrent use.
//
// KeyVersion names the master key that Wrap uses now; it is stored beside
// each wrapped key so that Unwrap can tell which master key to use. Wrap
// binds the wrapped value to aad: Unwrap succeeds only with the same aad.
// Unwrap returns ErrUnknownKeyVersion for a version it does not hold and
// ErrDecrypt when wrapped does not open (another key or aad, tampering).
// Both may return ctx's error or an error of the key service.
type KeyWrapper interface {
	KeyVersion() string
	Wrap(ctx context.Context, dataKey []byte, aad []byte) ([]byte, error)
	Unwrap(ctx context.Context, keyVersion string, wrapped []byte, aad []byte) ([]byte, error)
}

// LocalMaster is a KeyWrapper holding a 32-byte master key in memory, read
// from a file or the environment. Wrapping is AES-256-GCM with a random
// 96-bit nonce, behind a format byte. A LocalMaster is safe for concurrent
// use; printing or logging it shows no key material.
type LocalMaster struct {
	aead     cipher.AEAD
	version  string
	indexKey *[KeySize]byte
}

// NewLocalMaster returns a LocalMaster for a 32-byte key. It returns
// ErrBadKey for a key of another length.
func NewLocalMaster(key []byte) (*LocalMaster, error) {
	if len(key) != KeySize {
		return nil, ErrBadKey
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	ik, err := DeriveIndexKey(key)
	if err != nil {
		return nil, err
	}
	m := &LocalMaster{aead: aead, version: masterKeyVersion(key), indexKey: new([KeySize]byte)}
	copy(m.indexKey[:], ik)
	clear(ik)
	return m, nil
}

// masterKeyVersion is the first 16 hex characters of
// SHA-256("jardam-master-key-id" || key).
func masterKeyVersion(key []byte) string {
	h := sha256.New()
	h.Write([]byte(keyVersionTag))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// newAEAD returns AES-256-GCM with random nonces for a 32-byte key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrBadKey
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// MasterFromEnv returns the LocalMaster for the standard base64 encoding of
// a 32-byte key, as held in an environment variable (surrounding white
// space is ignored). It returns ErrBadKey for anything else; the error never
// echoes the value.
func MasterFromEnv(value string) (*LocalMaster, error) {
	key, err := decodeKey(value)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return NewLocalMaster(key)
}

// decodeKey decodes one line holding the standard base64 encoding of a
// 32-byte key, or returns ErrBadKey.
func decodeKey(text string) ([]byte, error) {
	line := strings.TrimSpace(text)
	if strings.ContainsAny(line, "\r\n") {
		return nil, ErrBadKey
	}
	key, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(key) != KeySize {
		clear(key)
		return nil, ErrBadKey
	}
	return key, nil
}

// LoadMasterKeyFile reads the master key at path: one line, the standard
// base64 encoding of 32 bytes. It returns the file system's error wrapped
// (such as fs.ErrNotExist) when the file cannot be read, and ErrBadKey when
// its content is not such a key.
//
// When group or others have any permission on the file, it returns the
// loaded master together with an error wrapping ErrInsecureKeyFile, so that
// the caller may log a warning and go on (development) or refuse
// (production). A caller that only checks err != nil refuses.
func LoadMasterKeyFile(path string) (*LocalMaster, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("crypto: master key file: %w", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("crypto: read master key file: %w", err)
	}
	defer clear(raw)
	key, err := decodeKey(string(raw))
	if err != nil {
		return nil, err
	}
	defer clear(key)
	m, err := NewLocalMaster(key)
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return m, fmt.Errorf("%w: %s has mode %#o", ErrInsecureKeyFile, path, perm)
	}
	return m, nil
}

// GenerateMasterKeyFile creates a new random master key at path (mode 0600,
// the standard base64 encoding of 32 bytes and a newline) and returns its
// LocalMaster. It never overwrites: an existing file gives an error
// satisfying errors.Is(err, fs.ErrExist). Other file system errors are
// returned wrapped, and a partly written file is removed.
func GenerateMasterKeyFile(path string) (*LocalMaster, error) {
	key, err := NewDataKey()
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if err := keyfile.Create(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n")); err != nil {
		return nil, fmt.Errorf("crypto: create master key file: %w", err)
	}
	return NewLocalMaster(key)
}

// KeyVersion returns the master key's version: the first 16 hex characters
// of SHA-256("jardam-master-key-id" || key). It names the key without
// revealing it.
func (m *LocalMaster) KeyVersion() string { return m.version }

// Wrap encrypts dataKey under the master key, bound to aad. It returns
// ctx's error when ctx is done, or the random source's error.
func (m *LocalMaster) Wrap(ctx context.Context, dataKey []byte, aad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]byte, 1, 1+len(dataKey)+m.aead.Overhead())
	out[0] = wrapFormatV1
	return m.aead.Seal(out, nil, dataKey, wrapAAD(aad)), nil //nolint:gosec // G407: the AEAD draws a random nonce itself (cipher.NewGCMWithRandomNonce)
}

// Unwrap decrypts a key wrapped by Wrap under the same aad. It returns
// ErrUnknownKeyVersion when keyVersion is not this master key's version,
// ErrDecrypt when wrapped does not open, and ctx's error when ctx is done.
func (m *LocalMaster) Unwrap(ctx context.Context, keyVersion string, wrapped []byte, aad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if keyVersion != m.version {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKeyVersion, keyVersion)
	}
	if len(wrapped) < 1+m.aead.Overhead() || wrapped[0] != wrapFormatV1 {
		return nil, ErrDecrypt
	}
	key, err := m.aead.Open(nil, nil, wrapped[1:], wrapAAD(aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return key, nil
}

// wrapAAD binds the format byte to the caller's additional data.
func wrapAAD(aad []byte) []byte {
	return append([]byte{wrapFormatV1}, aad...)
}

// IndexKey returns a copy of the blind index key derived from this master
// key (see DeriveIndexKey). Another master key derives another index key:
// rotating the master key therefore means rebuilding the blind index, or
// keeping the index key of the original master.
func (m *LocalMaster) IndexKey() []byte {
	return append([]byte(nil), m.indexKey[:]...)
}

// Format prints the master key's version only, whatever the verb, so that
// printing or logging a LocalMaster (or a pointer to one) never shows key
// material.
func (m LocalMaster) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "crypto.LocalMaster(%s)", m.version) // Format has no way to report a failed write
}

// MultiMaster is a KeyWrapper for master key rotation: it wraps with the
// current master key and unwraps with whichever known master key (current
// or previous) has the requested version. It is safe for concurrent use;
// printing it shows the key versions only.
type MultiMaster struct {
	current KeyWrapper
	all     []KeyWrapper
}

// NewMultiMaster returns a MultiMaster wrapping with current and unwrapping
// with current or any of previous. It returns ErrBadKey when a wrapper is
// nil.
func NewMultiMaster(current KeyWrapper, previous ...KeyWrapper) (*MultiMaster, error) {
	if current == nil {
		return nil, ErrBadKey
	}
	all := make([]KeyWrapper, 0, 1+len(previous))
	all = append(all, current)
	for _, w := range previous {
		if w == nil {
			return nil, ErrBadKey
		}
		all = append(all, w)
	}
	return &MultiMaster{current: current, all: all}, nil
}

// KeyVersion returns the current master key's version.
func (m *MultiMaster) KeyVersion() string { return m.current.KeyVersion() }

// KeyVersions returns the versions of every known master key, the current
// one first.
func (m MultiMaster) KeyVersions() []string {
	out := make([]string, len(m.all))
	for i, w := range m.all {
		out[i] = w.KeyVersion()
	}
	return out
}

// Format prints the known key versions only, the current one first,
// whatever the verb.
func (m MultiMaster) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "crypto.MultiMaster(%s)", strings.Join(m.KeyVersions(), ", ")) // Format has no way to report a failed write
}

// Wrap wraps dataKey with the current master key; see KeyWrapper.
func (m *MultiMaster) Wrap(ctx context.Context, dataKey []byte, aad []byte) ([]byte, error) {
	return m.current.Wrap(ctx, dataKey, aad)
}

// Unwrap unwraps with the known master key of version keyVersion. It
// returns ErrUnknownKeyVersion when no known master key has that version,
// and otherwise that key's errors (ErrDecrypt when wrapped does not open).
func (m *MultiMaster) Unwrap(ctx context.Context, keyVersion string, wrapped []byte, aad []byte) ([]byte, error) {
	for _, w := range m.all {
		if w.KeyVersion() == keyVersion {
			return w.Unwrap(ctx, keyVersion, wrapped, aad)
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKeyVersion, keyVersion)
}

// NewDataKey returns a new random 32-byte data key. It returns the random
// source's error, which does not happen on supported platforms.
func NewDataKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}
