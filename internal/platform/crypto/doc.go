// Package crypto owns the encryption of identity fields and the blind index
// used to find duplicate cases without revealing whose they are.
//
// Each case has its own random data key. Its identity fields are sealed with
// AES-256-GCM under that key, bound (as additional data) to the table,
// column, row and data-key version they belong to, so that a ciphertext
// copied elsewhere does not open. The data key is stored wrapped by a master
// key behind the KeyWrapper interface: a LocalMaster (a key from a file or
// the environment) in development, a KMS in production, and a MultiMaster
// while master keys are rotated. A key check stored in the database lets the
// service refuse to start under the wrong master key.
//
// The blind index turns a normalized name and birth date, or a document
// number, into short keyed HMAC tokens: equal identities give equal tokens,
// and without the index key a token says nothing about the identity.
//
// The package has no domain imports. Importers that also use the standard
// library's crypto packages alias it.
package crypto
