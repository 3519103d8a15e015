// Package keyshare splits a key file into shares held by different people,
// any threshold of which rebuild it byte for byte, so that the master key
// survives the loss of its administrator without any one person holding it.
//
// The file is sealed (AES-256-GCM) under a key derived (HKDF-SHA256) from a
// random scalar of the ristretto255 group, and the scalar is split by
// Shamir's scheme with Feldman's commitments (github.com/cloudflare/circl's
// secretsharing). Every share carries what is needed to tell it: its set,
// the threshold and count, the commitments and the sealed file. Combining
// therefore names the share that is tampered with, from another set or a
// duplicate, and refuses fewer shares than the threshold; the seal checks
// the rebuilt file as a whole.
package keyshare

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/secretsharing"
)

// Format names the share format (version 1).
const Format = "jardam-key-share/1"

// MaxShares bounds the number of shares.
const MaxShares = 255

var suite = group.Ristretto255

// share is one share as written: JSON, one object.
type share struct {
	Format    string   `json:"format"`
	Set       string   `json:"set"`
	Threshold int      `json:"threshold"`
	Shares    int      `json:"shares"`
	Index     int      `json:"index"`
	ID        string   `json:"id"`
	Value     string   `json:"value"`
	Commit    []string `json:"commitment"`
	Nonce     string   `json:"nonce"`
	Sealed    string   `json:"sealed"`
}

// common is what every share of a set carries alike.
func (s share) common() string {
	return strings.Join(append([]string{s.Format, s.Set, fmt.Sprint(s.Threshold), fmt.Sprint(s.Shares), s.Nonce, s.Sealed}, s.Commit...), "|")
}

func (s share) aad() []byte {
	return []byte(fmt.Sprintf("%s|%s|%d|%d", s.Format, s.Set, s.Threshold, s.Shares))
}

// Split seals secret and splits it into n shares, any threshold of which
// rebuild it (2 <= threshold <= n <= MaxShares). The shares are returned as
// the bytes of their files, in order.
func Split(secret []byte, n, threshold int) ([][]byte, error) {
	if threshold < 2 || n < threshold || n > MaxShares {
		return nil, fmt.Errorf("keyshare: need 2 <= threshold (%d) <= shares (%d) <= %d", threshold, n, MaxShares)
	}
	var set [16]byte
	if _, err := io.ReadFull(rand.Reader, set[:]); err != nil {
		return nil, err
	}
	head := share{Format: Format, Set: hex.EncodeToString(set[:]), Threshold: threshold, Shares: n}
	scalar := suite.RandomScalar(rand.Reader)
	gcm, err := sealer(scalar, head.Set)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	head.Nonce = b64(nonce)
	head.Sealed = b64(gcm.Seal(nil, nonce, secret, head.aad())) //nolint:gosec // G407: the nonce is read from crypto/rand just above
	ss := secretsharing.New(rand.Reader, uint(threshold-1), scalar)
	for _, e := range ss.CommitSecret() {
		raw, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, err
		}
		head.Commit = append(head.Commit, b64(raw))
	}
	out := make([][]byte, 0, n)
	for i, sh := range ss.Share(uint(n)) {
		s := head
		s.Index = i + 1
		if s.ID, err = marshalScalar(sh.ID); err != nil {
			return nil, err
		}
		if s.Value, err = marshalScalar(sh.Value); err != nil {
			return nil, err
		}
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return nil, err
		}
		out = append(out, append(b, '\n'))
	}
	return out, nil
}

// File is a share file to combine: its name (for messages) and content.
type File struct {
	Name    string
	Content []byte
}

// Combine rebuilds the secret from share files. It names every file that
// is not a share, belongs to another set, disagrees with the others, fails
// its commitment or repeats another, and refuses fewer valid shares than
// the threshold.
func Combine(files []File) ([]byte, error) {
	shares, problems := parse(files)
	agreed := majority(shares)
	var good []secretsharing.Share
	var first share
	seen := map[int]string{}
	for _, f := range files {
		s, ok := shares[f.Name]
		if !ok {
			continue
		}
		switch {
		case s.common() != agreed:
			problems = append(problems, f.Name+": from another set, or tampered with (it disagrees with the other shares)")
			continue
		case seen[s.Index] != "":
			problems = append(problems, fmt.Sprintf("%s: repeats share %d (%s)", f.Name, s.Index, seen[s.Index]))
			continue
		}
		sh, err := verify(s)
		if err != nil {
			problems = append(problems, f.Name+": "+err.Error())
			continue
		}
		seen[s.Index] = f.Name
		good = append(good, sh)
		first = s
	}
	if len(problems) > 0 {
		return nil, errors.New("keyshare: " + strings.Join(problems, "; "))
	}
	if len(good) == 0 {
		return nil, errors.New("keyshare: no shares given")
	}
	if len(good) < first.Threshold {
		return nil, fmt.Errorf("keyshare: %d shares given, %d needed", len(good), first.Threshold)
	}
	scalar, err := secretsharing.Recover(uint(first.Threshold-1), good)
	if err != nil {
		return nil, fmt.Errorf("keyshare: %w", err)
	}
	return open(first, scalar)
}

// parse decodes each file; what is not a share of this format is a problem.
func parse(files []File) (map[string]share, []string) {
	out := map[string]share{}
	var problems []string
	for _, f := range files {
		var s share
		if err := json.Unmarshal(f.Content, &s); err != nil || s.Format != Format {
			problems = append(problems, f.Name+": not a "+Format+" share")
			continue
		}
		if s.Threshold < 2 || s.Shares < s.Threshold || s.Shares > MaxShares || s.Index < 1 || s.Index > s.Shares ||
			len(s.Commit) != s.Threshold {
			problems = append(problems, f.Name+": the share's counts do not hold together (tampered with)")
			continue
		}
		out[f.Name] = s
	}
	return out, problems
}

// majority is the common part most shares carry.
func majority(shares map[string]share) string {
	count := map[string]int{}
	best := ""
	for _, s := range shares {
		c := s.common()
		count[c]++
		if count[c] > count[best] || (count[c] == count[best] && c < best) {
			best = c
		}
	}
	return best
}

// verify decodes s and checks it against its set's commitments.
func verify(s share) (secretsharing.Share, error) {
	id, err1 := unmarshalScalar(s.ID)
	value, err2 := unmarshalScalar(s.Value)
	if err := errors.Join(err1, err2); err != nil {
		return secretsharing.Share{}, errors.New("the share's value does not decode (tampered with)")
	}
	commit := make(secretsharing.SecretCommitment, 0, len(s.Commit))
	for _, c := range s.Commit {
		raw, err := base64.StdEncoding.DecodeString(c)
		e := suite.NewElement()
		if err != nil || e.UnmarshalBinary(raw) != nil {
			return secretsharing.Share{}, errors.New("the commitments do not decode (tampered with)")
		}
		commit = append(commit, e)
	}
	sh := secretsharing.Share{ID: id, Value: value}
	if !secretsharing.Verify(uint(s.Threshold-1), sh, commit) {
		return secretsharing.Share{}, errors.New("the share fails its commitment (tampered with)")
	}
	return sh, nil
}

// open unseals the secret with the recovered scalar.
func open(s share, scalar group.Scalar) ([]byte, error) {
	gcm, err := sealer(scalar, s.Set)
	if err != nil {
		return nil, err
	}
	nonce, err1 := base64.StdEncoding.DecodeString(s.Nonce)
	sealed, err2 := base64.StdEncoding.DecodeString(s.Sealed)
	if errors.Join(err1, err2) != nil || len(nonce) != gcm.NonceSize() {
		return nil, errors.New("keyshare: the sealed key does not decode")
	}
	secret, err := gcm.Open(nil, nonce, sealed, s.aad())
	if err != nil {
		return nil, errors.New("keyshare: the shares do not open the sealed key (tampered with)")
	}
	return secret, nil
}

// sealer is AES-256-GCM under the key derived from scalar for set.
func sealer(scalar group.Scalar, set string) (cipher.AEAD, error) {
	raw, err := scalar.MarshalBinary()
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, raw, []byte(set), "jardam key share seal", 32)
	clear(raw)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func marshalScalar(s group.Scalar) (string, error) {
	raw, err := s.MarshalBinary()
	return b64(raw), err
}

func unmarshalScalar(text string) (group.Scalar, error) {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, err
	}
	s := suite.NewScalar()
	return s, s.UnmarshalBinary(raw)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
