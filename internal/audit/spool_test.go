package audit_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// Spooled entries reach the trail in the order they were spooled, with
// the time of the read, and the spool is emptied; a drain repeated over
// the same lines (one that committed and stopped before emptying the file)
// writes none of them twice, and what was appended meanwhile is kept.
func TestSpoolDrainsInOrderOnce(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	path := filepath.Join(t.TempDir(), "audit.spool")
	sp, err := audit.OpenSpool(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := callerCtx(testPrincipal("coordinator"))
	before := time.Now().Add(-time.Second)
	for _, id := range []string{"a:2026-H1", "b:2026-H1", "c:2026-H1"} {
		if err := sp.Append(ctx, audit.Entry{Action: "stats.read", ObjectType: "stats_table", ObjectID: id, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	lines, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	drained := time.Now()
	if n, err := sp.Drain(ctx, d.App); err != nil || n != 3 {
		t.Fatalf("drain: %d %v, want 3", n, err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("the spool keeps %d bytes after a drain", len(b))
	}
	// The same lines again, and one more read.
	if err := os.WriteFile(path, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sp.Append(ctx, audit.Entry{Action: "stats.read", ObjectType: "stats_table", ObjectID: "d:2026-H1", Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	if n, err := sp.Drain(ctx, d.App); err != nil || n != 1 {
		t.Fatalf("second drain: %d %v, want 1", n, err)
	}
	if got := d.Text(t, `SELECT string_agg(object_id, ' ' ORDER BY id) FROM audit_entries WHERE action = 'stats.read'`); got != "a:2026-H1 b:2026-H1 c:2026-H1 d:2026-H1" {
		t.Errorf("entries in the trail: %q", got)
	}
	if n := d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'stats.read' AND object_id <> 'd:2026-H1' AND at > $1 AND at < $2`,
		before, drained); n != 3 {
		t.Errorf("%d of 3 drained entries carry the time of the read (not of the drain)", n)
	}
	if n := d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'stats.read' AND client_ip = '192.0.2.10' AND user_agent = 'test-agent/1.0'`); n != 4 {
		t.Errorf("%d of 4 entries name the request", n)
	}
}
