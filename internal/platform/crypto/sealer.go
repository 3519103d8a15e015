package crypto

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
)

// fieldFormatV1 opens every sealed field: AES-256-GCM with a random 96-bit
// nonce (format byte, nonce, ciphertext, tag) over the padded plaintext.
const fieldFormatV1 byte = 0x01

// fieldADTag opens the serialized additional data of a sealed field.
const fieldADTag = "jardam-field-v1"

// padBlock is the granularity plaintexts are padded to before sealing, so
// that a ciphertext's length tells little about, say, a name's length.
const padBlock = 32

// AD is the additional data a field is sealed with: where the ciphertext is
// stored and under which data key version. A ciphertext opens only with the
// AD it was sealed with, so one copied to another row, column or table, or
// kept across a data key change, fails with ErrDecrypt. Table, Column and
// RowID must not be empty.
type AD struct {
	Table      string
	Column     string
	RowID      string
	KeyVersion int
}

// marshal serializes ad canonically: the format byte, then the tag, table,
// column and row id each as a 4-byte big-endian length and its bytes, then
// the key version as 8 bytes big endian. It returns ErrIncompleteAD when a
// name is empty.
func (ad AD) marshal(format byte) ([]byte, error) {
	if ad.Table == "" || ad.Column == "" || ad.RowID == "" {
		return nil, ErrIncompleteAD
	}
	b := make([]byte, 0, 1+4*4+len(fieldADTag)+len(ad.Table)+len(ad.Column)+len(ad.RowID)+8)
	b = append(b, format)
	b = appendField(b, fieldADTag)
	b = appendField(b, ad.Table)
	b = appendField(b, ad.Column)
	b = appendField(b, ad.RowID)
	return binary.BigEndian.AppendUint64(b, uint64(int64(ad.KeyVersion))), nil
}

// appendField appends s to b as a 4-byte big-endian length and its bytes.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Sealer seals and opens the fields of one case with its data key
// (AES-256-GCM, random 96-bit nonce, versioned output). An absent field is
// nil: a zero-length plaintext seals to nil and a nil ciphertext opens to
// nil, so no encrypted empty strings are stored. A Sealer is safe for
// concurrent use; printing it shows no key material.
//
// A data key must seal fewer than 2^32 values; one case's fields are far
// below that.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte data key (see NewDataKey). It
// keeps no copy of dataKey, which the caller may clear. It returns
// ErrBadKey for a key of another length.
func NewSealer(dataKey []byte) (*Sealer, error) {
	if len(dataKey) != KeySize {
		return nil, ErrBadKey
	}
	aead, err := newAEAD(dataKey)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Format prints the type's name only, whatever the verb, so that printing
// or logging a Sealer never shows key material.
func (s Sealer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "crypto.Sealer") }

// Seal encrypts plaintext bound to ad. A zero-length plaintext (an absent
// field) gives a nil ciphertext. It returns ErrIncompleteAD when ad lacks a
// table, column or row id.
func (s *Sealer) Seal(plaintext []byte, ad AD) ([]byte, error) {
	aad, err := ad.marshal(fieldFormatV1)
	if err != nil {
		return nil, err
	}
	if len(plaintext) == 0 {
		return nil, nil
	}
	padded := pad(plaintext)
	defer clear(padded)
	out := make([]byte, 1, 1+len(padded)+s.aead.Overhead())
	out[0] = fieldFormatV1
	return s.aead.Seal(out, nil, padded, aad), nil //nolint:gosec // G407: the AEAD draws a random nonce itself (cipher.NewGCMWithRandomNonce)
}

// Open decrypts a ciphertext made by Seal with the same ad. A nil or empty
// ciphertext (an absent field) gives a nil plaintext. It returns ErrDecrypt
// when the ciphertext does not open (another data key or AD, tampering,
// truncation, unknown format) and ErrIncompleteAD when ad lacks a table,
// column or row id.
func (s *Sealer) Open(ciphertext []byte, ad AD) ([]byte, error) {
	aad, err := ad.marshal(fieldFormatV1)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) == 0 {
		return nil, nil
	}
	if len(ciphertext) < 1+s.aead.Overhead() || ciphertext[0] != fieldFormatV1 {
		return nil, ErrDecrypt
	}
	padded, err := s.aead.Open(nil, nil, ciphertext[1:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return unpad(padded)
}

// SealString seals a string field; the empty string (absent) gives nil. It
// returns the errors of Seal.
func (s *Sealer) SealString(plaintext string, ad AD) ([]byte, error) {
	return s.Seal([]byte(plaintext), ad)
}

// OpenString opens a string field sealed by SealString; a nil ciphertext
// gives the empty string. It returns the errors of Open.
func (s *Sealer) OpenString(ciphertext []byte, ad AD) (string, error) {
	p, err := s.Open(ciphertext, ad)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// SealStringPtr seals an optional string field: nil or a pointer to the
// empty string (absent) gives nil. It returns the errors of Seal.
func (s *Sealer) SealStringPtr(plaintext *string, ad AD) ([]byte, error) {
	if plaintext == nil {
		return s.Seal(nil, ad)
	}
	return s.Seal([]byte(*plaintext), ad)
}

// OpenStringPtr opens an optional string field sealed by SealStringPtr: a
// nil ciphertext gives nil. It returns the errors of Open.
func (s *Sealer) OpenStringPtr(ciphertext []byte, ad AD) (*string, error) {
	p, err := s.Open(ciphertext, ad)
	if err != nil || p == nil {
		return nil, err
	}
	v := string(p)
	return &v, nil
}

// pad appends 0x80 and zero bytes to p up to a multiple of padBlock
// (ISO/IEC 7816-4 padding), in a new slice.
func pad(p []byte) []byte {
	n := (len(p)/padBlock + 1) * padBlock
	out := make([]byte, n)
	copy(out, p)
	out[len(p)] = 0x80
	return out
}

// unpad removes the padding added by pad, or returns ErrDecrypt.
func unpad(p []byte) ([]byte, error) {
	i := len(p) - 1
	for i >= 0 && p[i] == 0 {
		i--
	}
	if i < 0 || p[i] != 0x80 {
		return nil, ErrDecrypt
	}
	return p[:i:i], nil
}
