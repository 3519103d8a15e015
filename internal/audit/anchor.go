package audit

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// An anchor is an append-only file outside the database, meant for another
// volume or host, holding every signed checkpoint head the linker wrote, one
// JSON line each:
//
//	{"seq":1042,"hash":"<hex>","key_id":"<id>","at":"2026-…Z","signature":"<base64>"}
//
// Whoever can rewrite the database can delete the newest entries together
// with their links and checkpoints, and the chain left behind verifies; the
// anchor still names the head the chain had reached, so a verification
// against it reports the chain as truncated.

// AnchorHead is one signed checkpoint head as the anchor holds it.
type AnchorHead struct {
	Seq       int64     `json:"seq"`
	Hash      hexBytes  `json:"hash"`
	KeyID     string    `json:"key_id"`
	At        time.Time `json:"at"`
	Signature []byte    `json:"signature"`
}

// hexBytes is written as lower-case hex in JSON.
type hexBytes []byte

// MarshalJSON writes h as a hex string.
func (h hexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

// UnmarshalJSON reads a hex string.
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	out, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	*h = out
	return nil
}

// Anchor appends checkpoint heads to a file. It is safe for concurrent use;
// several processes may append to one file (each line is one write to a
// file opened with O_APPEND).
type Anchor struct {
	path string
	mu   sync.Mutex
}

// NewAnchor returns an Anchor appending to path (created 0600 when
// missing).
func NewAnchor(path string) *Anchor { return &Anchor{path: path} }

// Path returns the anchor file's path.
func (a *Anchor) Path() string { return a.path }

// Append writes h as one line and syncs the file to its disk before it
// returns. It returns the file system's error.
func (a *Anchor) Append(h AnchorHead) error {
	line, err := json.Marshal(h)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: open anchor: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit: append to anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit: sync anchor: %w", err)
	}
	return f.Close()
}

// ErrNoAnchorHead reports an anchor holding no validly signed head.
var ErrNoAnchorHead = errors.New("audit: the anchor holds no validly signed head")

// ReadAnchorHead returns the head with the highest seq among the anchor's
// lines whose signature v verifies. Lines that do not parse or verify are
// counted in skipped, not trusted (a torn last line after a crash, or a
// forged one). It returns ErrNoAnchorHead when no line verifies, or the
// file system's error.
func ReadAnchorHead(r io.Reader, v *Verifier) (head AnchorHead, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	found := false
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var h AnchorHead
		if json.Unmarshal(sc.Bytes(), &h) != nil || v.Verify(h.KeyID, h.Seq, h.Hash, h.At, h.Signature) != nil {
			skipped++
			continue
		}
		if !found || h.Seq > head.Seq {
			head, found = h, true
		}
	}
	if err := sc.Err(); err != nil {
		return AnchorHead{}, skipped, fmt.Errorf("audit: read anchor: %w", err)
	}
	if !found {
		return AnchorHead{}, skipped, ErrNoAnchorHead
	}
	return head, skipped, nil
}

// ReadAnchorFile is ReadAnchorHead on the file at path.
func ReadAnchorFile(path string, v *Verifier) (AnchorHead, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return AnchorHead{}, 0, fmt.Errorf("audit: open anchor: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to flush
	return ReadAnchorHead(f, v)
}
