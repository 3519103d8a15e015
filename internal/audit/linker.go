package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// MaxLinkBatch is the most entries one linker pass chains.
const MaxLinkBatch = 1000

// linkerLockKey is the transaction-level advisory lock that makes one
// linker pass at a time run across every replica sharing the database.
const linkerLockKey = 7_312_101

// fullScanEvery bounds how long the linker relies on its transaction-id
// horizon before one pass looks for unlinked entries across the whole
// table again.
const fullScanEvery = 10 * time.Minute

// Linker chains committed audit entries into audit_links, in commit order
// (each pass takes the entries committed since the previous one, by id), and
// signs a checkpoint of the chain's head after every pass that linked
// something. Any number of Linkers (one per replica) may run against one
// database: a transaction-level advisory lock lets one pass run at a time,
// so the chain never forks and seq never repeats. A Linker is safe for
// concurrent use.
type Linker struct {
	db     *gorm.DB
	signer *Signer
	log    *slog.Logger
	batch  int

	anchor *Anchor // receives each checkpoint head; nil for none

	passMu sync.Mutex // serializes this Linker's passes

	mu sync.Mutex // guards the fields below
	// horizon, when horizonKnown, is a transaction id such that every
	// entry written by a transaction with a smaller id is already linked.
	horizon      uint64
	horizonKnown bool
	lastFullScan time.Time
}

// NewLinker returns a Linker chaining entries in db (the application's
// pool) and signing checkpoints with signer. A nil logger means
// slog.Default().
func NewLinker(db *gorm.DB, signer *Signer, logger *slog.Logger) *Linker {
	if logger == nil {
		logger = slog.Default()
	}
	return &Linker{db: db, signer: signer, log: logger, batch: MaxLinkBatch}
}

// WithAnchor makes the linker append each checkpoint head it signs to a,
// after the pass that signed it committed, and returns l. Call it before
// the linker runs.
func (l *Linker) WithAnchor(a *Anchor) *Linker {
	l.anchor = a
	return l
}

// LinkOnce runs one pass: inside one transaction it takes the linkers'
// advisory lock (returning 0 and no error at once when another linker holds
// it), chains at most MaxLinkBatch committed, not yet linked entries in id
// order after the current head, and inserts a checkpoint signed over the new
// head. It returns how many entries it linked, or the database's error (the
// pass then links nothing).
func (l *Linker) LinkOnce(ctx context.Context) (linked int, err error) {
	if l.signer == nil {
		return 0, errors.New("audit: linker without a checkpoint key")
	}
	l.passMu.Lock()
	defer l.passMu.Unlock()
	l.mu.Lock()
	useHorizon := l.horizonKnown && time.Since(l.lastFullScan) < fullScanEvery
	horizon := l.horizon
	l.mu.Unlock()

	var xmin uint64
	var head chainHead
	err = l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var got bool
		if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?)", linkerLockKey).Scan(&got).Error; err != nil {
			return fmt.Errorf("take linker lock: %w", err)
		}
		if !got {
			return nil
		}
		if err := tx.Exec("SET LOCAL statement_timeout = '60s'").Error; err != nil {
			return err
		}
		// Every transaction older than this snapshot's xmin has ended; once
		// this pass has linked everything visible, all their entries are
		// linked.
		var xminText string
		if err := tx.Raw("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").Scan(&xminText).Error; err != nil {
			return fmt.Errorf("read snapshot: %w", err)
		}
		x, perr := strconv.ParseUint(xminText, 10, 64)
		if perr != nil {
			return fmt.Errorf("read snapshot: %w", perr)
		}
		xmin = x
		n, h, err := l.pass(tx, useHorizon, horizon)
		linked, head = n, h
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit: link pass: %w", err)
	}
	if linked > 0 {
		// The checkpoint also goes to the log and to the anchor, witnesses
		// kept outside the database. A failed append is logged; the next
		// pass appends a newer head.
		l.log.InfoContext(ctx, "audit checkpoint", "seq", head.seq, "hash", hex.EncodeToString(head.hash),
			"key_id", l.signer.KeyID(), "linked", linked)
		if l.anchor != nil {
			if err := l.anchor.Append(AnchorHead{Seq: head.seq, Hash: head.hash, KeyID: l.signer.KeyID(), At: head.at,
				Signature: head.sig}); err != nil {
				l.log.ErrorContext(ctx, "audit anchor append failed", "error", err, "seq", head.seq)
			}
		}
	}
	if linked < l.batch && xmin != 0 {
		// The pass drained every visible unlinked entry.
		l.mu.Lock()
		l.horizon, l.horizonKnown = xmin, true
		if !useHorizon {
			l.lastFullScan = time.Now()
		}
		l.mu.Unlock()
	}
	return linked, nil
}

// chainHead is the seq and hash of the chain's last link, and when a pass
// signed it, the checkpoint's time and signature.
type chainHead struct {
	seq  int64
	hash []byte
	at   time.Time
	sig  []byte
}

// pass chains the unlinked entries within the lock-holding transaction tx
// and returns how many it linked and the new head.
func (l *Linker) pass(tx *gorm.DB, useHorizon bool, horizon uint64) (int, chainHead, error) {
	var head chainHead
	err := tx.Raw("SELECT seq, hash FROM audit_links ORDER BY seq DESC LIMIT 1").Row().Scan(&head.seq, &head.hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		head = chainHead{seq: 0, hash: GenesisHash()}
	case err != nil:
		return 0, head, fmt.Errorf("read chain head: %w", err)
	}

	q := `SELECT ` + entryColumns + ` FROM audit_entries e
		WHERE NOT EXISTS (SELECT 1 FROM audit_links k WHERE k.entry_id = e.id)`
	args := []any{}
	if useHorizon {
		q += ` AND e.txid >= (?)::text::xid8`
		args = append(args, strconv.FormatUint(horizon, 10))
	}
	q += ` ORDER BY e.id LIMIT ?`
	args = append(args, l.batch)
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return 0, head, fmt.Errorf("read unlinked entries: %w", err)
	}
	defer rows.Close()
	var entries []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return 0, head, fmt.Errorf("read unlinked entries: %w", err)
		}
		entries = append(entries, e)
	}
	_ = rows.Close() // now: the statements below run on the same connection
	if err := rows.Err(); err != nil {
		return 0, head, fmt.Errorf("read unlinked entries: %w", err)
	}
	if len(entries) == 0 {
		return 0, head, nil
	}
	// A key handed over to another (or another key's trail without a
	// handover to this one) signs nothing: the entries wait, committed,
	// for a linker with the current key.
	current, err := currentKeyID(tx)
	if err != nil {
		return 0, head, err
	}
	if current != "" && current != l.signer.KeyID() {
		return 0, head, fmt.Errorf("%w: the trail is signed by %s, this service's key is %s", ErrKeyNotCurrent, current, l.signer.KeyID())
	}

	var sb strings.Builder
	sb.WriteString("INSERT INTO audit_links (seq, entry_id, prev_hash, hash) VALUES ")
	vals := make([]any, 0, 4*len(entries))
	seq, prev := head.seq, head.hash
	for i, e := range entries {
		seq++
		h := LinkHash(prev, e)
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?)")
		vals = append(vals, seq, e.ID, prev, h)
		prev = h
	}
	if err := tx.Exec(sb.String(), vals...).Error; err != nil {
		return 0, head, fmt.Errorf("insert links: %w", err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	sig := l.signer.Sign(seq, prev, at)
	if err := tx.Exec(`INSERT INTO audit_checkpoints (seq, hash, key_id, signature, at) VALUES (?, ?, ?, ?, ?)`,
		seq, prev, l.signer.KeyID(), sig, at).Error; err != nil {
		return 0, head, fmt.Errorf("insert checkpoint: %w", err)
	}
	return len(entries), chainHead{seq: seq, hash: prev, at: at, sig: sig}, nil
}

// Lag returns how many committed entries are not linked yet, for a metric.
// Once a pass has established the linker's horizon it counts only recent
// transactions' entries, so it stays cheap; it does not wait for a running
// pass. It returns the database's error.
func (l *Linker) Lag(ctx context.Context) (unlinked int64, err error) {
	l.mu.Lock()
	useHorizon := l.horizonKnown
	horizon := l.horizon
	l.mu.Unlock()
	q := `SELECT count(*) FROM audit_entries e
		WHERE NOT EXISTS (SELECT 1 FROM audit_links k WHERE k.entry_id = e.id)`
	var args []any
	if useHorizon {
		q += ` AND e.txid >= (?)::text::xid8`
		args = append(args, strconv.FormatUint(horizon, 10))
	}
	if err := l.db.WithContext(ctx).Raw(q, args...).Scan(&unlinked).Error; err != nil {
		return 0, fmt.Errorf("audit: lag: %w", err)
	}
	return unlinked, nil
}
