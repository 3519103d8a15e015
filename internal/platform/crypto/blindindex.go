package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
)

// TokenSize is the size in bytes of a blind index token.
const TokenSize = 16

// indexKeyInfo is the HKDF info the index key is derived with.
const indexKeyInfo = "jardam-blind-index-v1"

// Labels that separate the kinds of blind index tokens, so that a token of
// one kind never equals a token of another.
const (
	labelNameBirth = "jardam-bi-name-birth-v1"
	labelNameOnly  = "jardam-bi-name-v1"
	labelDocument  = "jardam-bi-document-v1"
)

// DeriveIndexKey derives the 32-byte blind index key from a 32-byte master
// key with HKDF-SHA256 (no salt, info "jardam-blind-index-v1"), so there is
// no other key to manage. It returns ErrBadKey for a master key of another
// length.
func DeriveIndexKey(master []byte) ([]byte, error) {
	if len(master) != KeySize {
		return nil, ErrBadKey
	}
	return hkdf.Key(sha256.New, master, nil, indexKeyInfo, KeySize)
}

// BlindIndexer computes blind index tokens: HMAC-SHA256 under the index key
// of normalized identity values, truncated to TokenSize bytes. Equal
// identities (after NormalizeName, NormalizeDocument) give equal tokens;
// without the index key a token reveals nothing. A BlindIndexer is safe for
// concurrent use; printing it shows no key material.
//
// Tokens are stored next to a case and looked up by equality: two records
// are a possible match when their token sets intersect.
type BlindIndexer struct {
	key *[KeySize]byte
}

// NewBlindIndexer returns a BlindIndexer for a 32-byte index key (see
// DeriveIndexKey and LocalMaster.IndexKey). It keeps its own copy of the
// key. It returns ErrBadKey for a key of another length.
func NewBlindIndexer(indexKey []byte) (*BlindIndexer, error) {
	if len(indexKey) != KeySize {
		return nil, ErrBadKey
	}
	b := &BlindIndexer{key: new([KeySize]byte)}
	copy(b.key[:], indexKey)
	return b, nil
}

// Format prints the type's name only, whatever the verb, so that printing
// or logging a BlindIndexer never shows the index key.
func (b BlindIndexer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "crypto.BlindIndexer") }

// NameKeys returns the tokens of a person's names with their birth date
// (YYYY-MM-DD, or DD.MM.YYYY). Names are normalized with NormalizeName.
// Each token hashes an unordered pair of names with the birth date, so that
// given and family name swapped give the same token: one for the given name
// with the family name and, when there is a patronymic, one for the given
// name with the patronymic (which still matches a person whose family name
// changed, or whose "uulu"/"kyzy" name was typed as a family name). The
// family name with the patronymic is not a token: twins share both.
//
// It returns nil when the birth date is empty or not a date, when the
// given name is empty, or when neither a family name nor a patronymic is
// given: a name alone is too common to index with a birth date.
func (b *BlindIndexer) NameKeys(given, family, patronymic string, birthDate string) [][]byte {
	date, ok := normalizeBirthDate(birthDate)
	if !ok {
		return nil
	}
	g := NormalizeName(given)
	if g == "" {
		return nil
	}
	var out [][]byte
	for _, other := range []string{NormalizeName(family), NormalizeName(patronymic)} {
		if other == "" {
			continue
		}
		x, y := sortedPair(g, other)
		out = appendUnique(out, b.token(labelNameBirth, x, y, date))
	}
	return out
}

// NameOnlyKeys returns the tokens of a given and family name without a
// birth date, for searching by name. The pair is unordered (swapped names
// give the same token), and these tokens never equal those of NameKeys. It
// returns nil when either name normalizes to nothing.
func (b *BlindIndexer) NameOnlyKeys(given, family string) [][]byte {
	g, f := NormalizeName(given), NormalizeName(family)
	if g == "" || f == "" {
		return nil
	}
	x, y := sortedPair(g, f)
	return [][]byte{b.token(labelNameOnly, x, y)}
}

// DocumentKey returns the token of an identity document number normalized
// with NormalizeDocument. It returns nil when nothing of the number is
// left.
func (b *BlindIndexer) DocumentKey(documentNumber string) []byte {
	d := NormalizeDocument(documentNumber)
	if d == "" {
		return nil
	}
	return b.token(labelDocument, d)
}

// token is HMAC-SHA256(index key, label and parts, each length-prefixed),
// truncated to TokenSize bytes.
func (b *BlindIndexer) token(label string, parts ...string) []byte {
	msg := appendField(nil, label)
	for _, p := range parts {
		msg = appendField(msg, p)
	}
	mac := hmac.New(sha256.New, b.key[:])
	mac.Write(msg)
	return mac.Sum(nil)[:TokenSize:TokenSize]
}

// sortedPair returns a and b in byte order.
func sortedPair(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// appendUnique appends t to ts unless it is there already.
func appendUnique(ts [][]byte, t []byte) [][]byte {
	if slices.ContainsFunc(ts, func(u []byte) bool { return bytes.Equal(u, t) }) {
		return ts
	}
	return append(ts, t)
}
