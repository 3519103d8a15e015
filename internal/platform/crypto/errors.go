package crypto

import "errors"

// Errors reported by this package. Messages never carry key material or
// plaintext.
var (
	// ErrDecrypt reports a ciphertext or wrapped key that does not open:
	// another key, other additional data (table, column, row, key version or
	// case), a tampered or truncated value, or an unknown format.
	ErrDecrypt = errors.New("crypto: ciphertext does not open with this key and additional data")
	// ErrWrongMasterKey reports a master key that cannot open the key check
	// stored in the database: the service must refuse to start.
	ErrWrongMasterKey = errors.New("crypto: master key does not match the stored key check")
	// ErrBadKey reports a key of the wrong size or encoding (keys are 32
	// bytes, written as standard base64), or a missing key wrapper.
	ErrBadKey = errors.New("crypto: key must be 32 bytes (standard base64 in files and the environment)")
	// ErrUnknownKeyVersion reports a wrapped key whose master key version
	// the key wrapper does not hold.
	ErrUnknownKeyVersion = errors.New("crypto: unknown master key version")
	// ErrInsecureKeyFile reports a master key file that group or others may
	// access. LoadMasterKeyFile returns it together with the loaded key, so
	// the caller decides whether to warn or refuse.
	ErrInsecureKeyFile = errors.New("crypto: master key file is accessible to group or others (want mode 0600)")
	// ErrIncompleteAD reports additional data without a table, column or row
	// id, or a data key without a case id: a ciphertext must always be bound
	// to where it is stored.
	ErrIncompleteAD = errors.New("crypto: additional data needs a table, column and row id (or a case id)")
)
