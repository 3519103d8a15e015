package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// HashSize is the length in bytes of a link hash (SHA-256).
const HashSize = sha256.Size

// GenesisHash returns the prev_hash of the first link (seq 1): 32 zero
// bytes, in a new slice.
func GenesisHash() []byte { return make([]byte, HashSize) }

// entryEncodingTag separates the entry encoding from any other use of the
// hash and names its version.
const entryEncodingTag = "jardam-audit-entry-v1"

// LinkHash returns the hash of the link that chains e after a link whose
// hash is prevHash: SHA-256(prevHash || encoding), where the encoding is a
// sequence of fields, each a 4-byte big-endian length followed by its bytes:
// the tag "jardam-audit-entry-v1", the id (decimal), at (UTC microseconds
// since the Unix epoch, decimal), actor_id and organization_id (lower-case
// UUID text, empty when null), role, action, object_type, object_id,
// outcome, request_id, client_ip, user_agent, and txid (decimal). Any change
// to a stored entry column changes the hash.
func LinkHash(prevHash []byte, e Entry) []byte {
	h := sha256.New()
	h.Write(prevHash)
	var buf []byte
	field := func(s string) {
		buf = binary.BigEndian.AppendUint32(buf[:0], uint32(len(s)))
		buf = append(buf, s...)
		h.Write(buf)
	}
	field(entryEncodingTag)
	field(strconv.FormatInt(e.ID, 10))
	field(strconv.FormatInt(e.At.UnixMicro(), 10))
	field(uuidText(e.ActorID))
	field(uuidText(e.OrganizationID))
	field(e.Role)
	field(e.Action)
	field(e.ObjectType)
	field(e.ObjectID)
	field(e.Outcome)
	field(e.RequestID)
	field(e.ClientIP)
	field(e.UserAgent)
	field(strconv.FormatUint(e.TxID, 10))
	return h.Sum(nil)
}
