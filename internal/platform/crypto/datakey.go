package crypto

import "context"

// dataKeyAADTag prefixes the case id in the additional data a data key is
// wrapped with.
const dataKeyAADTag = "jardam-data-key"

// dataKeyAAD binds a wrapped data key to its case: "jardam-data-key", a zero
// byte, the case id.
func dataKeyAAD(caseID string) []byte {
	return append([]byte(dataKeyAADTag+"\x00"), caseID...)
}

// WrapDataKey wraps a case's 32-byte data key with w, bound to caseID, and
// returns the wrapped key with the version of the master key that wrapped
// it; both are stored with the case. It returns ErrBadKey for a key of
// another length or a nil w, ErrIncompleteAD for an empty caseID, and w's
// errors.
func WrapDataKey(ctx context.Context, w KeyWrapper, dataKey []byte, caseID string) (wrapped []byte, keyVersion string, err error) {
	if w == nil || len(dataKey) != KeySize {
		return nil, "", ErrBadKey
	}
	if caseID == "" {
		return nil, "", ErrIncompleteAD
	}
	keyVersion = w.KeyVersion()
	wrapped, err = w.Wrap(ctx, dataKey, dataKeyAAD(caseID))
	if err != nil {
		return nil, "", err
	}
	return wrapped, keyVersion, nil
}

// UnwrapDataKey returns the data key of caseID, wrapped by WrapDataKey under
// the master key of keyVersion. It returns ErrUnknownKeyVersion when w does
// not hold that master key, ErrDecrypt when the wrapped key does not open
// (another master key or case, tampering), ErrBadKey when it does not hold
// a 32-byte key or w is nil, ErrIncompleteAD for an empty caseID, and w's
// other errors.
func UnwrapDataKey(ctx context.Context, w KeyWrapper, keyVersion string, wrapped []byte, caseID string) ([]byte, error) {
	if w == nil {
		return nil, ErrBadKey
	}
	if caseID == "" {
		return nil, ErrIncompleteAD
	}
	key, err := w.Unwrap(ctx, keyVersion, wrapped, dataKeyAAD(caseID))
	if err != nil {
		return nil, err
	}
	if len(key) != KeySize {
		clear(key)
		return nil, ErrBadKey
	}
	return key, nil
}

// NewCaseSealer makes a new data key for caseID and returns its Sealer with
// the key wrapped by w and the master key version, to store with the case.
// The data key itself never leaves this function. It returns the errors of
// WrapDataKey.
func NewCaseSealer(ctx context.Context, w KeyWrapper, caseID string) (s *Sealer, wrapped []byte, keyVersion string, err error) {
	key, err := NewDataKey()
	if err != nil {
		return nil, nil, "", err
	}
	defer clear(key)
	wrapped, keyVersion, err = WrapDataKey(ctx, w, key, caseID)
	if err != nil {
		return nil, nil, "", err
	}
	s, err = NewSealer(key)
	if err != nil {
		return nil, nil, "", err
	}
	return s, wrapped, keyVersion, nil
}

// OpenCaseSealer unwraps the data key of caseID and returns its Sealer; the
// data key itself never leaves this function. It returns the errors of
// UnwrapDataKey.
func OpenCaseSealer(ctx context.Context, w KeyWrapper, keyVersion string, wrapped []byte, caseID string) (*Sealer, error) {
	key, err := UnwrapDataKey(ctx, w, keyVersion, wrapped, caseID)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return NewSealer(key)
}

// Rewrap moves the data key of caseID from one master key to another, for
// `jardam keys rotate`: it unwraps with from (the key of keyVersion) and
// wraps with to, returning the new wrapped key and to's version. The data
// key never leaves this function and is cleared before it returns. It
// returns the errors of UnwrapDataKey and WrapDataKey.
func Rewrap(ctx context.Context, from, to KeyWrapper, keyVersion string, wrapped []byte, caseID string) (newWrapped []byte, newKeyVersion string, err error) {
	if to == nil {
		return nil, "", ErrBadKey
	}
	key, err := UnwrapDataKey(ctx, from, keyVersion, wrapped, caseID)
	if err != nil {
		return nil, "", err
	}
	defer clear(key)
	return WrapDataKey(ctx, to, key, caseID)
}
