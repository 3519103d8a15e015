package crypto

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// keyCheckFormatV1 opens a stored key check: format byte, length of the key
// version (2 bytes, big endian), key version, wrapped constant.
const keyCheckFormatV1 byte = 0x01

// keyCheckAAD binds the wrapped constant to its purpose.
const keyCheckAAD = "jardam-key-check"

// keyCheckPlain is the known constant the key check wraps.
var keyCheckPlain = []byte("jardam master key check, v1.....")

// KeyCheck returns a value to store in the database when the first master
// key is installed (or after a rotation): a known constant wrapped by w
// under the additional data "jardam-key-check", with w's key version. It
// returns w's errors.
func KeyCheck(ctx context.Context, w KeyWrapper) ([]byte, error) {
	if w == nil {
		return nil, ErrBadKey
	}
	version := w.KeyVersion()
	if len(version) > 0xffff {
		return nil, fmt.Errorf("crypto: key version longer than %d bytes", 0xffff)
	}
	wrapped, err := w.Wrap(ctx, keyCheckPlain, []byte(keyCheckAAD))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 3+len(version)+len(wrapped))
	out = append(out, keyCheckFormatV1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(version)))
	out = append(out, version...)
	return append(out, wrapped...), nil
}

// VerifyKeyCheck checks that w opens stored, a value made by KeyCheck. It
// returns ErrWrongMasterKey when stored is empty or malformed, when w does
// not hold its key version, or when it does not open; the service must
// refuse to start then. Other errors of w (ctx's, a key service's) are
// returned as they are.
func VerifyKeyCheck(ctx context.Context, w KeyWrapper, stored []byte) error {
	if w == nil {
		return ErrBadKey
	}
	if len(stored) < 3 || stored[0] != keyCheckFormatV1 {
		return fmt.Errorf("%w: malformed key check", ErrWrongMasterKey)
	}
	n := int(binary.BigEndian.Uint16(stored[1:3]))
	if len(stored) < 3+n {
		return fmt.Errorf("%w: malformed key check", ErrWrongMasterKey)
	}
	version, wrapped := string(stored[3:3+n]), stored[3+n:]
	plain, err := w.Unwrap(ctx, version, wrapped, []byte(keyCheckAAD))
	switch {
	case errors.Is(err, ErrUnknownKeyVersion):
		return fmt.Errorf("%w: key check made by master key %q, which is not loaded", ErrWrongMasterKey, version)
	case errors.Is(err, ErrDecrypt):
		return fmt.Errorf("%w: key check of version %q does not open", ErrWrongMasterKey, version)
	case err != nil:
		return err
	}
	if subtle.ConstantTimeCompare(plain, keyCheckPlain) != 1 {
		return ErrWrongMasterKey
	}
	return nil
}
