package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DefaultStaleAfter is how long an entry may stay unlinked before Verify
// counts it as stale.
const DefaultStaleAfter = 5 * time.Minute

// verifyBatch is how many links or checkpoints Verify reads per query.
const verifyBatch = 1000

// Reasons a Break names.
const (
	// ReasonMissingLink: no link holds this seq while later ones exist (a
	// link was removed).
	ReasonMissingLink = "missing_link"
	// ReasonMissingEntry: the link's entry no longer exists.
	ReasonMissingEntry = "missing_entry"
	// ReasonPrevHashMismatch: the link's prev_hash is not the previous
	// link's hash.
	ReasonPrevHashMismatch = "prev_hash_mismatch"
	// ReasonEntryHashMismatch: the hash recomputed from the entry row is not
	// the link's hash (the entry or the link was changed).
	ReasonEntryHashMismatch = "entry_hash_mismatch"
	// ReasonBadSignature: a checkpoint's signature does not verify.
	ReasonBadSignature = "bad_signature"
	// ReasonUnknownKey: a checkpoint is signed by a key the verifier does
	// not know.
	ReasonUnknownKey = "unknown_key"
	// ReasonCheckpointMismatch: a validly signed checkpoint's hash differs
	// from the chain's hash at its seq (the chain was rewritten).
	ReasonCheckpointMismatch = "checkpoint_mismatch"
	// ReasonAnchorMismatch: the head the anchor holds differs from the
	// chain's hash at its seq (the chain was rewritten).
	ReasonAnchorMismatch = "anchor_mismatch"
	// ReasonWrongSegment: a checkpoint is validly signed by a key outside
	// that key's segment of the trail (a key used after its handover, or
	// before the handover to it).
	ReasonWrongSegment = "wrong_segment"
	// ReasonHandoverMismatch: a key handover hands over from a key other
	// than the one the previous handover handed to.
	ReasonHandoverMismatch = "handover_mismatch"
)

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// FromLastCheckpoint starts from the newest checkpoint whose signature
	// verifies, trusting its hash, instead of from seq 1. Without such a
	// checkpoint the whole chain is verified.
	FromLastCheckpoint bool
	// StaleAfter is the age from which an unlinked entry counts as stale
	// (DefaultStaleAfter when zero).
	StaleAfter time.Duration
	// Anchor, when set, is the newest head of the anchor kept outside the
	// database (see ReadAnchorHead): a chain that ends before it is
	// truncated, one whose hash differs at its seq is broken.
	Anchor *AnchorHead

	batch int // rows per query; verifyBatch when zero
}

// Break is the first place the trail fails verification.
type Break struct {
	// Seq is the link's seq (for a removed link, the missing seq; for a
	// checkpoint, the seq it names).
	Seq int64 `json:"seq"`
	// EntryID is the entry linked at Seq, or nil when there is none.
	EntryID *int64 `json:"entry_id"`
	// Reason is one of the Reason constants.
	Reason string `json:"reason"`
	// Detail says what differs, in words; it never holds entry content.
	Detail string `json:"detail"`
}

// CheckpointInfo describes a checkpoint in a Report.
type CheckpointInfo struct {
	Seq   int64     `json:"seq"`
	At    time.Time `json:"at"`
	KeyID string    `json:"key_id"`
}

// Report is the outcome of Verify.
type Report struct {
	// OK is true when nothing is broken, the tail is not truncated, every
	// link is covered by a valid checkpoint and no entry has stayed unlinked
	// for longer than StaleAfter.
	OK bool `json:"ok"`
	// Entries is the number of linked entries checked.
	Entries int64 `json:"entries"`
	// FromSeq is the seq verification started at (1, or the last valid
	// checkpoint's seq).
	FromSeq int64 `json:"from_seq"`
	// CheckedFrom and CheckedTo are the first and last seq of the links
	// checked (0 and 0 when the chain is empty): from 1, the whole chain.
	CheckedFrom int64 `json:"checked_from"`
	CheckedTo   int64 `json:"checked_to"`
	// FirstBroken is the first failure in seq order, or nil.
	FirstBroken *Break `json:"first_broken"`
	// Truncated is true when the newest validly signed checkpoint, or the
	// anchor's head, names a seq beyond the chain's end, or the checkpoint's
	// hash differs from the chain's at that seq: links were removed from
	// (or rewritten at) the tail.
	Truncated bool `json:"truncated"`
	// Anchor is the anchor's head the chain was compared with, or nil.
	Anchor *CheckpointInfo `json:"anchor"`
	// Unsigned counts links after the newest validly signed checkpoint. The
	// linker signs a checkpoint in the same transaction as its links, so
	// any is suspect: a removed checkpoint, links written outside the
	// linker, or a verifier that lacks the current key.
	Unsigned int64 `json:"unsigned"`
	// Unlinked counts entries not linked yet (committed, waiting for the
	// linker); not an error by itself.
	Unlinked int64 `json:"unlinked"`
	// StaleUnlinked counts the unlinked entries older than StaleAfter.
	StaleUnlinked int64 `json:"stale_unlinked"`
	// Checkpoint is the newest checkpoint whose signature verifies, or nil.
	Checkpoint *CheckpointInfo `json:"checkpoint"`
	// Segments lists each checkpoint key's part of the trail, oldest
	// first; empty when the trail's key never changed.
	Segments []SegmentInfo `json:"segments,omitempty"`
}

// checkpoint is one audit_checkpoints row.
type checkpoint struct {
	id        int64
	seq       int64
	hash      []byte
	keyID     string
	signature []byte
	at        time.Time
}

// Verify checks the audit trail in db within one read-only, repeatable-read
// transaction, reading links and checkpoints in batches by seq: seq runs
// from 1 (or the starting checkpoint) without gaps, every link's prev_hash
// is the previous link's hash (32 zero bytes before seq 1), every link's hash
// is recomputed from its entry row (so a changed entry is caught), every
// checkpoint is signed by a key v knows and matches the chain at its seq,
// the newest valid checkpoint is not beyond the chain's end and no link
// comes after it. It also counts unlinked and stale unlinked entries. With
// opts.FromLastCheckpoint it starts at the newest validly signed
// checkpoint's link instead of seq 1, trusting that link's prev_hash, and
// checks only the checkpoints from there on. Failures of the trail are
// reported in the Report, not as errors; the error is the database's, or
// one for a nil v.
func Verify(ctx context.Context, db *gorm.DB, v *Verifier, opts VerifyOptions) (Report, error) {
	if v == nil {
		return Report{}, errors.New("audit: verify without a verifier")
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.batch <= 0 {
		opts.batch = verifyBatch
	}
	var rep Report
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w := &walker{tx: tx, v: v, rep: &rep, batch: opts.batch}
		return w.run(opts)
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	rep.OK = rep.FirstBroken == nil && !rep.Truncated && rep.Unsigned == 0 && rep.StaleUnlinked == 0
	return rep, nil
}

// walker holds the state of one verification.
type walker struct {
	tx    *gorm.DB
	v     *Verifier
	rep   *Report
	batch int
	segs  segments // the key handovers

	cps     []checkpoint // buffered checkpoints, ordered by (seq, id)
	cpAfter struct {     // keyset position of the checkpoint stream
		seq, id int64
	}
	cpDone bool

	lastValid        *checkpoint // newest validly signed checkpoint seen
	lastValidMatches bool        // whether it matched the chain
}

func (w *walker) run(opts VerifyOptions) error {
	hs, err := readHandovers(w.tx)
	if err != nil {
		return err
	}
	w.segs = segments{hs: hs}
	w.rep.Segments = w.segs.info()
	w.checkHandovers()
	start := int64(1)
	prev := GenesisHash()
	if opts.FromLastCheckpoint {
		cp, err := w.lastValidCheckpoint()
		if err != nil {
			return err
		}
		if cp != nil {
			// Start at the checkpoint's own link: its prev_hash is trusted,
			// its hash must equal the checkpoint's.
			start, prev = cp.seq, nil
		}
	}
	w.rep.FromSeq = start
	w.cpAfter.seq, w.cpAfter.id = start-1, 1<<62
	if start <= 1 {
		// A full verification also checks checkpoints naming seq 0 or less.
		w.cpAfter.seq = -1 << 62
	}
	if err := w.walk(start, prev); err != nil {
		return err
	}
	signedUpTo := int64(0)
	if w.lastValid != nil {
		w.rep.Checkpoint = &CheckpointInfo{Seq: w.lastValid.seq, At: w.lastValid.at, KeyID: w.lastValid.keyID}
		w.rep.Truncated = !w.lastValidMatches
		signedUpTo = w.lastValid.seq
	}
	if w.handoversBeyond(w.rep.CheckedTo) {
		w.rep.Truncated = true
	}
	if opts.Anchor != nil {
		if err := w.checkAnchor(opts.Anchor); err != nil {
			return err
		}
	}
	if err := w.tx.Raw("SELECT count(*) FROM audit_links WHERE seq > ?", signedUpTo).Scan(&w.rep.Unsigned).Error; err != nil {
		return fmt.Errorf("count unsigned links: %w", err)
	}
	return w.countUnlinked(opts.StaleAfter)
}

// link is one audit_links row with its entry.
type link struct {
	seq, entryID   int64
	prevHash, hash []byte
	found          bool // whether the entry exists
	entry          entryRow
}

// walk streams the links from seq start, checking each and the checkpoints
// that name it. prev is the hash the first link must follow, or nil to trust
// the first link's prev_hash.
func (w *walker) walk(start int64, prev []byte) error {
	expected := start
	after := start - 1
	for {
		// A batch is read completely before checkpoints are read: one
		// transaction runs one query at a time.
		batch, err := w.readLinks(after)
		if err != nil {
			return err
		}
		for i := range batch {
			if err := w.checkLink(&expected, &prev, &batch[i]); err != nil {
				return err
			}
			after = batch[i].seq
		}
		if len(batch) < w.batch {
			break
		}
	}
	// Checkpoints beyond the chain's end.
	for {
		cp, err := w.nextCheckpoint()
		if err != nil {
			return err
		}
		if cp == nil {
			return nil
		}
		w.checkCheckpoint(cp, nil, nil)
	}
}

// readLinks reads the batch of links after seq after, with their entries.
func (w *walker) readLinks(after int64) ([]link, error) {
	rows, err := w.tx.Raw(`SELECT l.seq, l.entry_id, l.prev_hash, l.hash, e.id IS NOT NULL,
			e.id, e.at, e.actor_id, e.organization_id, coalesce(e.role, ''), coalesce(e.action, ''),
			coalesce(e.object_type, ''), coalesce(e.object_id, ''), coalesce(e.outcome, ''),
			coalesce(e.request_id, ''), coalesce(e.client_ip, ''), coalesce(e.user_agent, ''),
			coalesce(e.txid::text, '0')
		FROM audit_links l LEFT JOIN audit_entries e ON e.id = l.entry_id
		WHERE l.seq > ? ORDER BY l.seq LIMIT ?`, after, w.batch).Rows()
	if err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	out := make([]link, 0, w.batch)
	for rows.Next() {
		var (
			k   link
			eid sql.NullInt64
		)
		d := k.entry.dest()
		d[0] = &eid
		if err := rows.Scan(append([]any{&k.seq, &k.entryID, &k.prevHash, &k.hash, &k.found}, d...)...); err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
		k.entry.id = k.entryID
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	return out, nil
}

// checkLink checks one link and the checkpoints up to its seq, and advances
// expected and prev.
func (w *walker) checkLink(expected *int64, prev *[]byte, k *link) error {
	seq, prevHash, hash := k.seq, k.prevHash, k.hash
	if seq != *expected {
		w.broken(*expected, nil, ReasonMissingLink,
			fmt.Sprintf("no link with seq %d; the chain goes on at seq %d", *expected, seq))
	}
	id := k.entryID
	switch {
	case !k.found:
		w.broken(seq, &id, ReasonMissingEntry, "the linked entry does not exist")
	case *prev != nil && !bytes.Equal(prevHash, *prev):
		w.broken(seq, &id, ReasonPrevHashMismatch, "prev_hash is not the hash of the previous link")
	default:
		e, err := k.entry.toEntry()
		if err != nil {
			return err
		}
		if !bytes.Equal(LinkHash(prevHash, e), hash) {
			w.broken(seq, &id, ReasonEntryHashMismatch, "the entry does not match the link's hash")
		}
	}
	// Checkpoints up to this seq: earlier ones name a missing link.
	for {
		cp, err := w.peekCheckpoint()
		if err != nil {
			return err
		}
		if cp == nil || cp.seq > seq {
			break
		}
		w.cps = w.cps[1:]
		if cp.seq == seq {
			w.checkCheckpoint(cp, hash, &id)
		} else {
			w.checkCheckpoint(cp, nil, nil)
		}
	}
	w.matchHandovers(seq, hash, &id)
	w.rep.Entries++
	if w.rep.CheckedFrom == 0 {
		w.rep.CheckedFrom = seq
	}
	w.rep.CheckedTo = seq
	*expected = seq + 1
	*prev = hash
	return nil
}

// checkCheckpoint checks cp's signature and, when it verifies, compares it
// with chainHash, the chain's hash at cp.seq (nil when the chain has no link
// there).
func (w *walker) checkCheckpoint(cp *checkpoint, chainHash []byte, entryID *int64) {
	if err := w.v.Verify(cp.keyID, cp.seq, cp.hash, cp.at, cp.signature); err != nil {
		reason := ReasonBadSignature
		if errors.Is(err, ErrUnknownKey) {
			reason = ReasonUnknownKey
		}
		w.broken(cp.seq, entryID, reason, fmt.Sprintf("checkpoint %d: %v", cp.id, err))
		return
	}
	if !w.inSegment(cp) {
		w.broken(cp.seq, entryID, ReasonWrongSegment,
			fmt.Sprintf("checkpoint %d is signed by %s outside that key's segment of the trail", cp.id, cp.keyID))
		return
	}
	matches := chainHash != nil && bytes.Equal(chainHash, cp.hash)
	if chainHash != nil && !matches {
		w.broken(cp.seq, entryID, ReasonCheckpointMismatch,
			fmt.Sprintf("checkpoint %d differs from the chain at its seq", cp.id))
	}
	c := *cp
	w.lastValid, w.lastValidMatches = &c, matches
}

// inSegment reports whether cp's key may sign at cp's seq.
func (w *walker) inSegment(cp *checkpoint) bool {
	k := w.segs.keyFor(cp.seq)
	return k == "" || k == cp.keyID
}

// checkAnchor compares the chain with the anchor's head a: a chain ending
// before a.Seq is truncated; a link at a.Seq with another hash is broken.
func (w *walker) checkAnchor(a *AnchorHead) error {
	w.rep.Anchor = &CheckpointInfo{Seq: a.Seq, At: a.At.UTC(), KeyID: a.KeyID}
	var end struct {
		Last int64
		Hash []byte
	}
	if err := w.tx.Raw(`SELECT coalesce((SELECT max(seq) FROM audit_links), 0) AS last,
			(SELECT hash FROM audit_links WHERE seq = ?) AS hash`, a.Seq).Scan(&end).Error; err != nil {
		return fmt.Errorf("read the chain at the anchor: %w", err)
	}
	switch {
	case end.Last < a.Seq:
		w.rep.Truncated = true
	case end.Hash != nil && !bytes.Equal(end.Hash, a.Hash):
		w.broken(a.Seq, nil, ReasonAnchorMismatch, "the chain's hash at the anchored head differs from the anchor's")
	}
	return nil
}

func (w *walker) broken(seq int64, entryID *int64, reason, detail string) {
	if w.rep.FirstBroken != nil {
		return
	}
	w.rep.FirstBroken = &Break{Seq: seq, EntryID: entryID, Reason: reason, Detail: detail}
}

// peekCheckpoint returns the next checkpoint of the stream without taking
// it, or nil at the end.
func (w *walker) peekCheckpoint() (*checkpoint, error) {
	if len(w.cps) == 0 && !w.cpDone {
		if err := w.fillCheckpoints(); err != nil {
			return nil, err
		}
	}
	if len(w.cps) == 0 {
		return nil, nil
	}
	return &w.cps[0], nil
}

// nextCheckpoint takes the next checkpoint of the stream, or nil at the end.
func (w *walker) nextCheckpoint() (*checkpoint, error) {
	cp, err := w.peekCheckpoint()
	if cp != nil {
		c := *cp
		w.cps = w.cps[1:]
		return &c, nil
	}
	return nil, err
}

func (w *walker) fillCheckpoints() error {
	cps, err := w.readCheckpoints(`WHERE (seq, id) > (?, ?) ORDER BY seq, id`, w.cpAfter.seq, w.cpAfter.id)
	if err != nil {
		return err
	}
	if len(cps) < w.batch {
		w.cpDone = true
	}
	if len(cps) > 0 {
		last := cps[len(cps)-1]
		w.cpAfter.seq, w.cpAfter.id = last.seq, last.id
	}
	w.cps = cps
	return nil
}

// lastValidCheckpoint returns the newest checkpoint whose signature
// verifies, or nil when there is none.
func (w *walker) lastValidCheckpoint() (*checkpoint, error) {
	beforeSeq, beforeID := int64(1<<62), int64(1<<62)
	for {
		cps, err := w.readCheckpoints(`WHERE (seq, id) < (?, ?) ORDER BY seq DESC, id DESC`, beforeSeq, beforeID)
		if err != nil {
			return nil, err
		}
		for i := range cps {
			cp := cps[i]
			if w.v.Verify(cp.keyID, cp.seq, cp.hash, cp.at, cp.signature) == nil && w.inSegment(&cp) {
				return &cp, nil
			}
		}
		if len(cps) < w.batch {
			return nil, nil
		}
		last := cps[len(cps)-1]
		beforeSeq, beforeID = last.seq, last.id
	}
}

// readCheckpoints reads one batch of checkpoints; where holds the keyset
// condition and order with two placeholders.
func (w *walker) readCheckpoints(where string, seq, id int64) ([]checkpoint, error) {
	rows, err := w.tx.Raw(`SELECT id, seq, hash, key_id, signature, at FROM audit_checkpoints `+where+` LIMIT ?`,
		seq, id, w.batch).Rows()
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []checkpoint
	for rows.Next() {
		var c checkpoint
		if err := rows.Scan(&c.id, &c.seq, &c.hash, &c.keyID, &c.signature, &c.at); err != nil {
			return nil, fmt.Errorf("read checkpoints: %w", err)
		}
		c.at = c.at.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	return out, nil
}

// countUnlinked fills Unlinked and StaleUnlinked.
func (w *walker) countUnlinked(staleAfter time.Duration) error {
	var c struct {
		Unlinked int64
		Stale    int64
	}
	err := w.tx.Raw(`SELECT count(*) AS unlinked,
			count(*) FILTER (WHERE e.at < now() - make_interval(secs => ?)) AS stale
		FROM audit_entries e
		WHERE NOT EXISTS (SELECT 1 FROM audit_links l WHERE l.entry_id = e.id)`,
		staleAfter.Seconds()).Scan(&c).Error
	if err != nil {
		return fmt.Errorf("count unlinked entries: %w", err)
	}
	w.rep.Unlinked, w.rep.StaleUnlinked = c.Unlinked, c.Stale
	return nil
}
