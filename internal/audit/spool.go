package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/keyfile"
)

// Spool is a local append-only file (JARDAM_AUDIT_SPOOL_FILE) that keeps
// the audit entries of reads answered while the primary database is away
// (docs/adr/0014-reads-from-a-standby.md). Append writes one entry and
// fsyncs it before the read is answered; Drain writes the entries to the
// primary's audit trail in the order they were spooled, each once (a
// receipt per entry commits with it), and then removes them from the file.
// The linker chains them like any other entry. A Spool is safe for
// concurrent use within one process; each process needs its own file.
type Spool struct {
	path string
	mu   sync.Mutex
}

// spooled is one line of the spool: the entry and the key of its receipt.
type spooled struct {
	Key   uuid.UUID `json:"key"`
	Entry Entry     `json:"entry"`
}

// OpenSpool returns the spool at path, creating the file (mode 0600) when
// it is missing. It fails when the file cannot be appended to.
func OpenSpool(path string) (*Spool, error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit spool: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("audit spool: %w", err)
	}
	return &Spool{path: path}, nil
}

// Append writes e, its request metadata filled from ctx as RecordEntry
// fills it, with the current time, and fsyncs the file before it returns.
func (s *Spool) Append(ctx context.Context, e Entry) error {
	e, err := prepare(ctx, e)
	if err != nil {
		return err
	}
	e.At = time.Now().UTC()
	line, err := json.Marshal(spooled{Key: uuid.New(), Entry: e})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	return nil
}

// Drain writes the spooled entries to db's audit trail in one transaction,
// in the order they were spooled and with the time of the read, skipping
// any whose receipt is already there (a drain that committed and stopped
// before it emptied the file), then removes them from the file. It returns
// how many it wrote.
func (s *Spool) Drain(ctx context.Context, db *gorm.DB) (int, error) {
	s.mu.Lock()
	data, err := os.ReadFile(s.path)
	s.mu.Unlock()
	if err != nil || len(data) == 0 {
		return 0, err
	}
	// Only whole lines: an append cut short by a crash is never drained
	// half.
	n := bytes.LastIndexByte(data, '\n') + 1
	var entries []spooled
	sc := bufio.NewScanner(bytes.NewReader(data[:n]))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var e spooled
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return 0, fmt.Errorf("audit spool: a line that is not an entry: %w", err)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("audit spool: %w", err)
	}
	written := 0
	err = database.InTx(ctx, db, func(tx *gorm.DB) error {
		for _, e := range entries {
			res := tx.Exec(`WITH r AS (INSERT INTO audit_spool_receipts (entry_key) VALUES (?) ON CONFLICT DO NOTHING RETURNING 1)
				INSERT INTO audit_entries (at, actor_id, organization_id, role, action, object_type, object_id, outcome, request_id, client_ip, user_agent)
				SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM r`,
				e.Key, e.Entry.At, uuidArg(e.Entry.ActorID), uuidArg(e.Entry.OrganizationID), e.Entry.Role, e.Entry.Action,
				e.Entry.ObjectType, e.Entry.ObjectID, e.Entry.Outcome, e.Entry.RequestID, e.Entry.ClientIP, e.Entry.UserAgent)
			if res.Error != nil {
				return fmt.Errorf("audit spool: write %s: %w", e.Entry.Action, res.Error)
			}
			written += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return written, s.dropFirst(n)
}

// dropFirst removes the first n bytes of the file, keeping what was
// appended since it was read: the rest goes to a new file, fsynced, that
// replaces it.
func (s *Spool) dropFirst(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	if len(data) < n {
		return errors.New("audit spool: the file shrank while it was drained")
	}
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	_, err = f.Write(data[n:])
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err == nil {
		err = keyfile.SyncDir(filepath.Dir(s.path))
	}
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	return nil
}

// RecordDurably records a read served without the primary's transaction
// (from a standby): in a transaction of its own on db, or, when db cannot
// be reached and there is a spool, in the spool, fsynced. Without either it
// returns the database's error (answered 503): no read goes unaudited.
func RecordDurably(ctx context.Context, db *gorm.DB, spool *Spool, action, objectType, objectID, outcome string) error {
	err := database.InTx(ctx, db, func(tx *gorm.DB) error {
		return Record(ctx, tx, action, objectType, objectID, outcome)
	})
	if err == nil || spool == nil || !database.IsUnavailable(err) {
		return err
	}
	if serr := spool.Append(ctx, entryFor(ctx, action, objectType, objectID, outcome)); serr != nil {
		return fmt.Errorf("%w (and %w)", err, serr)
	}
	return nil
}
