package audit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// rotatedTrail is a trail of 5 entries: seq 1 to 3 signed by old, a
// handover to next at seq 3, seq 4 and 5 signed by next; ring knows both
// keys, old's from its verify-only file.
type rotatedTrail struct {
	d         *dbtest.DB
	old, next *audit.Signer
	ring      *audit.Verifier
	oldFile   string
}

func rotateTrail(t *testing.T) *rotatedTrail {
	t.Helper()
	ctx := context.Background()
	r := &rotatedTrail{d: dbtest.New(t), old: newSigner(t), next: newSigner(t)}
	oldLinker := audit.NewLinker(r.d.App, r.old, quiet)
	recordN(t, r.d.App, 3)
	if n := linkAll(t, oldLinker); n != 3 {
		t.Fatalf("old key linked %d, want 3", n)
	}
	info, err := audit.HandOver(ctx, r.d.App, r.old, r.next)
	if err != nil || info.Seq != 3 || info.OldKeyID != r.old.KeyID() || info.NewKeyID != r.next.KeyID() {
		t.Fatalf("handover = %+v, %v; want at seq 3 from the old key to the new", info, err)
	}
	recordN(t, r.d.App, 2)
	// A replica not restarted yet, still holding the old key, signs nothing.
	if n, err := oldLinker.LinkOnce(ctx); !errors.Is(err, audit.ErrKeyNotCurrent) || n != 0 {
		t.Fatalf("old key after the handover linked %d, %v; want 0, ErrKeyNotCurrent", n, err)
	}
	if n := linkAll(t, audit.NewLinker(r.d.App, r.next, quiet)); n != 2 {
		t.Fatalf("new key linked %d, want the 2 waiting entries", n)
	}
	r.oldFile = filepath.Join(t.TempDir(), "audit-old.pub")
	if err := r.old.WriteVerifyKeyFile(r.oldFile); err != nil {
		t.Fatal(err)
	}
	if r.ring, err = audit.KeyRing(r.next, []string{r.oldFile}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rotatedTrail) verify(t *testing.T, v *audit.Verifier) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), r.d.App, v, audit.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantBreak(t *testing.T, rep audit.Report, seq int64, reason string) {
	t.Helper()
	if rep.OK || rep.FirstBroken == nil || rep.FirstBroken.Seq != seq || rep.FirstBroken.Reason != reason {
		t.Fatalf("report ok=%v first_broken=%+v; want a %s break at seq %d", rep.OK, rep.FirstBroken, reason, seq)
	}
}

func TestAuditKeyRotationVerifiesEachSegmentWithTheKeyRing(t *testing.T) {
	t.Parallel()
	r := rotateTrail(t)
	rep := r.verify(t, r.ring)
	want := []audit.SegmentInfo{{KeyID: r.old.KeyID(), FromSeq: 1, ToSeq: 3}, {KeyID: r.next.KeyID(), FromSeq: 4}}
	if !rep.OK || rep.Entries != 5 || rep.Checkpoint == nil || rep.Checkpoint.KeyID != r.next.KeyID() ||
		fmt.Sprint(rep.Segments) != fmt.Sprint(want) {
		t.Fatalf("report %+v segments %v; want ok, 5 entries, the new key's checkpoint, segments %v", rep, rep.Segments, want)
	}
	// Without the retired key the old segment cannot be verified.
	wantBreak(t, r.verify(t, r.next.Verifier()), 3, audit.ReasonUnknownKey)
	// The old key cannot start another handover, nor hand over twice.
	if _, err := audit.HandOver(context.Background(), r.d.App, r.old, newSigner(t)); !errors.Is(err, audit.ErrKeyNotCurrent) {
		t.Fatalf("second handover from the old key: %v, want ErrKeyNotCurrent", err)
	}
	// The verify-only file holds no private key, and a private key file is
	// not taken for one.
	raw, err := os.ReadFile(r.oldFile)
	if err != nil || len(strings.Fields(string(raw))) != 2 {
		t.Fatalf("verify-only file %q, %v", raw, err)
	}
	seedFile := filepath.Join(t.TempDir(), "audit.key")
	if _, err := audit.GenerateKeyFile(seedFile); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.KeyRing(r.next, []string{seedFile}); !errors.Is(err, audit.ErrBadVerifyKeyFile) {
		t.Fatalf("a private key file as verify-only key: %v, want ErrBadVerifyKeyFile", err)
	}
}

func TestAuditKeyRotationStillDetectsTamperingInTheOldSegment(t *testing.T) {
	t.Parallel()
	r := rotateTrail(t)
	entry := func(seq int) int64 {
		return r.d.Count(t, "SELECT entry_id FROM audit_links WHERE seq = $1", seq)
	}
	tamper := func(sql string) { r.d.Exec(t, "SET session_replication_role = replica; "+sql) }

	// An entry of the old segment changed.
	tamper(fmt.Sprintf("UPDATE audit_entries SET object_id = 'forged' WHERE id = %d", entry(2)))
	wantBreak(t, r.verify(t, r.ring), 2, audit.ReasonEntryHashMismatch)

	// Someone holding the leaked old key recomputes the old segment's links
	// and signs its checkpoints again: the handover, signed by the new key
	// too, no longer matches the chain.
	resignOldSegment(t, r)
	wantBreak(t, r.verify(t, r.ring), 3, audit.ReasonCheckpointMismatch)
}

// resignOldSegment recomputes links 2 and 3 from the (changed) entries and
// replaces the old key's checkpoints by one it signs at seq 3.
func resignOldSegment(t *testing.T, r *rotatedTrail) {
	t.Helper()
	ctx := context.Background()
	entries, _, err := audit.List(ctx, r.d.App, audit.Filter{Limit: 10})
	if err != nil || len(entries) != 5 {
		t.Fatalf("list: %d entries, %v", len(entries), err)
	}
	byID := map[int64]audit.Entry{}
	for _, e := range entries {
		byID[e.ID] = e
	}
	var prev []byte
	if err := r.d.App.Raw("SELECT hash FROM audit_links WHERE seq = 1").Row().Scan(&prev); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for seq := 2; seq <= 3; seq++ {
		id := r.d.Count(t, "SELECT entry_id FROM audit_links WHERE seq = $1", seq)
		h := audit.LinkHash(prev, byID[id])
		fmt.Fprintf(&sb, `UPDATE audit_links SET prev_hash = '\x%x', hash = '\x%x' WHERE seq = %d; `, prev, h, seq)
		prev = h
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	fmt.Fprintf(&sb, `DELETE FROM audit_checkpoints WHERE key_id = '%s'; `, r.old.KeyID())
	fmt.Fprintf(&sb, `INSERT INTO audit_checkpoints (seq, hash, key_id, signature, at) VALUES (3, '\x%x', '%s', '\x%x', '%s');`,
		prev, r.old.KeyID(), r.old.Sign(3, prev, at), at.Format(time.RFC3339Nano))
	r.d.Exec(t, "SET session_replication_role = replica; "+sb.String())
}

func TestAuditKeyRotationRefusesTheRetiredKeyAfterItsSegment(t *testing.T) {
	t.Parallel()
	r := rotateTrail(t)
	// The old key, leaked, signs the chain's true head after its handover.
	var head []byte
	if err := r.d.App.Raw("SELECT hash FROM audit_links WHERE seq = 5").Row().Scan(&head); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	r.d.Exec(t, `INSERT INTO audit_checkpoints (seq, hash, key_id, signature, at) VALUES (5, $1, $2, $3, $4)`,
		head, r.old.KeyID(), r.old.Sign(5, head, at), at)
	wantBreak(t, r.verify(t, r.ring), 5, audit.ReasonWrongSegment)

	// A key swapped in without a handover signs nothing either.
	recordN(t, r.d.App, 1)
	if n, err := audit.NewLinker(r.d.App, newSigner(t), quiet).LinkOnce(context.Background()); !errors.Is(err, audit.ErrKeyNotCurrent) || n != 0 {
		t.Fatalf("a key without a handover linked %d, %v; want ErrKeyNotCurrent", n, err)
	}
}
