package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

// Errors of the audit key's rotation.
var (
	// ErrKeyNotCurrent reports a signer whose key is not the one signing
	// the trail now: it was handed over to another key, or another key
	// signs the trail without a handover to this one.
	ErrKeyNotCurrent = errors.New("audit: this checkpoint key is not the trail's current key (see docs/keys.md, rotating the audit key)")
	// ErrSameKey reports a handover from a key to itself.
	ErrSameKey = errors.New("audit: the new checkpoint key is the current one")
	// ErrBadVerifyKeyFile reports a verify-only key file that does not hold
	// one line "KEYID BASE64PUBLICKEY" whose id names its key.
	ErrBadVerifyKeyFile = errors.New("audit: a verify-only key file must hold one line: the key id and the base64 Ed25519 public key")
)

// handoverTag opens every signed handover message.
const handoverTag = "jardam-audit-handover"

// HandoverMessage returns the canonical message both keys of a handover
// sign: "jardam-audit-handover\n<seq>\n<hex hash>\n<old key id>\n<new key
// id>\n<at as RFC 3339 UTC with nanoseconds>"; at is truncated to
// microseconds by the signer, as for a checkpoint.
func HandoverMessage(seq int64, hash []byte, oldKeyID, newKeyID string, at time.Time) []byte {
	return []byte(handoverTag + "\n" + strconv.FormatInt(seq, 10) + "\n" + hex.EncodeToString(hash) + "\n" +
		oldKeyID + "\n" + newKeyID + "\n" + at.UTC().Format(time.RFC3339Nano))
}

// HandoverInfo describes a handover of the checkpoint key.
type HandoverInfo struct {
	// Seq is the chain's head when the key changed: the last seq the old
	// key may sign (0 for an empty chain).
	Seq      int64     `json:"seq"`
	OldKeyID string    `json:"old_key_id"`
	NewKeyID string    `json:"new_key_id"`
	At       time.Time `json:"at"`
}

// handover is one audit_key_handovers row.
type handover struct {
	id                 int64
	seq                int64
	hash               []byte
	oldKeyID, newKeyID string
	oldSig, newSig     []byte
	at                 time.Time
}

// HandOver hands the signing of the trail from old to next: within one
// transaction holding the linkers' lock (it waits for a running pass), it
// checks that old is the trail's current key and records, at the chain's
// head, a handover signed by both. From then on a linker with old's key
// refuses to sign (ErrKeyNotCurrent) and one with next's signs. It returns
// ErrSameKey, ErrKeyNotCurrent (wrapped), or the database's error.
func HandOver(ctx context.Context, db *gorm.DB, old, next *Signer) (HandoverInfo, error) {
	if old == nil || next == nil {
		return HandoverInfo{}, errors.New("audit: handover needs both keys")
	}
	if old.KeyID() == next.KeyID() {
		return HandoverInfo{}, ErrSameKey
	}
	var info HandoverInfo
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", linkerLockKey).Error; err != nil {
			return fmt.Errorf("take linker lock: %w", err)
		}
		current, err := currentKeyID(tx)
		if err != nil {
			return err
		}
		if current != "" && current != old.KeyID() {
			return fmt.Errorf("%w: the trail is signed by %s, the configured key is %s", ErrKeyNotCurrent, current, old.KeyID())
		}
		head := chainHead{hash: GenesisHash()}
		err = tx.Raw("SELECT seq, hash FROM audit_links ORDER BY seq DESC LIMIT 1").Row().Scan(&head.seq, &head.hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read chain head: %w", err)
		}
		at := time.Now().UTC().Truncate(time.Microsecond)
		msg := HandoverMessage(head.seq, head.hash, old.KeyID(), next.KeyID(), at)
		info = HandoverInfo{Seq: head.seq, OldKeyID: old.KeyID(), NewKeyID: next.KeyID(), At: at}
		return tx.Exec(`INSERT INTO audit_key_handovers (seq, hash, old_key_id, new_key_id, old_signature, new_signature, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, head.seq, head.hash, old.KeyID(), next.KeyID(),
			ed25519.Sign(old.priv, msg), ed25519.Sign(next.priv, msg), at).Error
	})
	if err != nil {
		return HandoverInfo{}, fmt.Errorf("audit: hand over the checkpoint key: %w", err)
	}
	return info, nil
}

// currentKeyID is the key that signs the trail now: the newest handover's
// incoming key, or else the key of the first checkpoint, or "" when
// neither exists (any key may start the trail).
func currentKeyID(tx *gorm.DB) (string, error) {
	var ids []string
	err := tx.Raw(`SELECT coalesce(
			(SELECT new_key_id FROM audit_key_handovers ORDER BY seq DESC, id DESC LIMIT 1),
			(SELECT key_id FROM audit_checkpoints ORDER BY id LIMIT 1), '')`).Scan(&ids).Error
	if err != nil {
		return "", fmt.Errorf("read the current checkpoint key: %w", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// CheckCurrentKey returns ErrKeyNotCurrent (wrapped) when s is not the
// trail's current checkpoint key: a service started with a key handed
// over already, or with a key swapped in without a handover, would sign
// nothing. It returns nil for an empty trail.
func CheckCurrentKey(ctx context.Context, db *gorm.DB, s *Signer) error {
	current, err := currentKeyID(db.WithContext(ctx))
	if err != nil {
		return err
	}
	if current != "" && current != s.KeyID() {
		return fmt.Errorf("%w: the trail is signed by %s, the configured key is %s", ErrKeyNotCurrent, current, s.KeyID())
	}
	return nil
}

// readHandovers reads every handover in seq order (a handful per decade).
func readHandovers(tx *gorm.DB) ([]handover, error) {
	rows, err := tx.Raw(`SELECT id, seq, hash, old_key_id, new_key_id, old_signature, new_signature, at
		FROM audit_key_handovers ORDER BY seq, id`).Rows()
	if err != nil {
		return nil, fmt.Errorf("read key handovers: %w", err)
	}
	defer rows.Close()
	var out []handover
	for rows.Next() {
		var h handover
		if err := rows.Scan(&h.id, &h.seq, &h.hash, &h.oldKeyID, &h.newKeyID, &h.oldSig, &h.newSig, &h.at); err != nil {
			return nil, fmt.Errorf("read key handovers: %w", err)
		}
		h.at = h.at.UTC()
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read key handovers: %w", err)
	}
	return out, nil
}

// verifyHandover checks both signatures of h with v.
func (v *Verifier) verifyHandover(h *handover) error {
	msg := HandoverMessage(h.seq, h.hash, h.oldKeyID, h.newKeyID, h.at)
	for _, k := range []struct {
		id  string
		sig []byte
	}{{h.oldKeyID, h.oldSig}, {h.newKeyID, h.newSig}} {
		pub, ok := v.keys[k.id]
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownKey, k.id)
		}
		if !ed25519.Verify(pub, msg, k.sig) {
			return fmt.Errorf("%w: %s", ErrBadSignature, k.id)
		}
	}
	return nil
}

// VerifyKeyLine returns the line of a verify-only key file for the
// signer's public key: "KEYID BASE64PUBLICKEY".
func (s *Signer) VerifyKeyLine() string {
	return s.keyID + " " + base64.StdEncoding.EncodeToString(s.PublicKey()) + "\n"
}

// WriteVerifyKeyFile writes the signer's public key to a new verify-only
// key file at path (mode 0600, never over an existing file): what a
// retired key is kept as, so that its segment of the trail still
// verifies while nobody can sign with it.
func (s *Signer) WriteVerifyKeyFile(path string) error {
	if err := keyfile.Create(path, []byte(s.VerifyKeyLine())); err != nil {
		return fmt.Errorf("audit: write verify-only key: %w", err)
	}
	return nil
}

// LoadVerifyKeyFile reads a verify-only key file (see WriteVerifyKeyFile)
// and returns its public key. It returns ErrBadVerifyKeyFile for a file
// of another shape, a private key file included, or whose id does not
// name its key.
func LoadVerifyKeyFile(path string) (ed25519.PublicKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: read verify-only key: %w", err)
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		return nil, ErrBadVerifyKeyFile
	}
	pub, err := ParsePublicKey(fields[1])
	if err != nil || KeyID(pub) != fields[0] {
		return nil, ErrBadVerifyKeyFile
	}
	return pub, nil
}

// KeyRing returns a Verifier knowing the signer's own key and the public
// keys of the verify-only files: the key ring `jardam audit verify` and
// the server check the trail's segments with.
func KeyRing(s *Signer, verifyFiles []string) (*Verifier, error) {
	v := s.Verifier()
	for _, f := range verifyFiles {
		pub, err := LoadVerifyKeyFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if _, err := v.Add(pub); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// segments maps a seq to the key that may sign a checkpoint there.
type segments struct {
	hs []handover
}

// keyFor returns the key that may sign a checkpoint at seq, or "" when
// there is no handover (any known key).
func (s segments) keyFor(seq int64) string {
	if len(s.hs) == 0 {
		return ""
	}
	key := s.hs[0].oldKeyID
	for _, h := range s.hs {
		if seq > h.seq {
			key = h.newKeyID
		}
	}
	return key
}

// SegmentInfo is one key's part of the trail in a Report.
type SegmentInfo struct {
	KeyID string `json:"key_id"`
	// FromSeq and ToSeq bound the seqs whose checkpoints this key signs;
	// ToSeq is 0 for the current key's open segment.
	FromSeq int64 `json:"from_seq"`
	ToSeq   int64 `json:"to_seq"`
}

// info lists the segments.
func (s segments) info() []SegmentInfo {
	if len(s.hs) == 0 {
		return nil
	}
	out := []SegmentInfo{{KeyID: s.hs[0].oldKeyID, FromSeq: 1}}
	for _, h := range s.hs {
		out[len(out)-1].ToSeq = h.seq
		out = append(out, SegmentInfo{KeyID: h.newKeyID, FromSeq: h.seq + 1})
	}
	return out
}

// checkHandovers verifies the handovers' signatures and that each hands
// over from the key the previous one handed to; the first failure is the
// report's break.
func (w *walker) checkHandovers() {
	for i := range w.segs.hs {
		h := &w.segs.hs[i]
		if err := w.v.verifyHandover(h); err != nil {
			reason := ReasonBadSignature
			if errors.Is(err, ErrUnknownKey) {
				reason = ReasonUnknownKey
			}
			w.broken(h.seq, nil, reason, fmt.Sprintf("key handover %d: %v", h.id, err))
			continue
		}
		if i > 0 && h.oldKeyID != w.segs.hs[i-1].newKeyID {
			w.broken(h.seq, nil, ReasonHandoverMismatch,
				fmt.Sprintf("key handover %d hands over from %s, not from the key handed to before", h.id, h.oldKeyID))
		}
		if h.seq == 0 && !bytes.Equal(h.hash, GenesisHash()) {
			w.broken(0, nil, ReasonCheckpointMismatch, fmt.Sprintf("key handover %d differs from the empty chain", h.id))
		}
	}
}

// matchHandovers compares the handovers at seq with the chain's hash there.
func (w *walker) matchHandovers(seq int64, hash []byte, entryID *int64) {
	for i := range w.segs.hs {
		h := &w.segs.hs[i]
		if h.seq != seq {
			continue
		}
		if !bytes.Equal(h.hash, hash) {
			w.broken(seq, entryID, ReasonCheckpointMismatch, fmt.Sprintf("key handover %d differs from the chain at its seq", h.id))
		}
	}
}

// handoversBeyond reports whether a handover names a seq after the
// chain's last link (last): links were removed from the tail.
func (w *walker) handoversBeyond(last int64) bool {
	for _, h := range w.segs.hs {
		if h.seq > last {
			return true
		}
	}
	return false
}
