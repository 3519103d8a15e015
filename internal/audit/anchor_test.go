package audit_test

import (
	"bytes"
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

// anchoredChain links 4, 3 and 3 entries in three passes with a linker that
// appends each head to an anchor file, and returns the database, signer and
// anchor path.
func anchoredChain(t *testing.T) (*dbtest.DB, *audit.Signer, string) {
	t.Helper()
	d := dbtest.New(t)
	s := newSigner(t)
	path := filepath.Join(t.TempDir(), "anchor.jsonl")
	l := audit.NewLinker(d.App, s, quiet).WithAnchor(audit.NewAnchor(path))
	for _, n := range []int{4, 3, 3} {
		recordN(t, d.App, n)
		linkAll(t, l)
	}
	return d, s, path
}

// cutAfter deletes, as the superuser, the entries linked after seq with
// their links and checkpoints.
func cutAfter(t *testing.T, d *dbtest.DB, seq int) {
	t.Helper()
	d.Exec(t, fmt.Sprintf(`SET session_replication_role = replica;
		DELETE FROM audit_entries WHERE id IN (SELECT entry_id FROM audit_links WHERE seq > %[1]d);
		DELETE FROM audit_links WHERE seq > %[1]d;
		DELETE FROM audit_checkpoints WHERE seq > %[1]d`, seq))
}

func verifyWithAnchor(t *testing.T, d *dbtest.DB, s *audit.Signer, path string, opts audit.VerifyOptions) audit.Report {
	t.Helper()
	head, skipped, err := audit.ReadAnchorFile(path, s.Verifier())
	if err != nil || skipped != 0 {
		t.Fatalf("read anchor: %v (%d skipped)", err, skipped)
	}
	opts.Anchor = &head
	rep, err := audit.Verify(context.Background(), d.App, s.Verifier(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAnchorHoldsEverySignedHead(t *testing.T) {
	d, s, path := anchoredChain(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 3 {
		t.Fatalf("%d anchor lines, want one per pass (3)", lines)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor mode %v", fi.Mode().Perm())
	}
	head, _, err := audit.ReadAnchorFile(path, s.Verifier())
	if err != nil || head.Seq != 10 {
		t.Fatalf("head %+v, %v; want seq 10", head, err)
	}
	rep := verifyWithAnchor(t, d, s, path, audit.VerifyOptions{})
	if !rep.OK || rep.Truncated || rep.Anchor == nil || rep.Anchor.Seq != 10 || rep.CheckedFrom != 1 || rep.CheckedTo != 10 {
		t.Fatalf("intact chain: %+v", rep)
	}
}

// TestDeletedTailIsTruncatedAgainstTheAnchor deletes the newest entries
// with their links and checkpoints as the superuser: the database alone
// still verifies, the anchor says truncated.
func TestDeletedTailIsTruncatedAgainstTheAnchor(t *testing.T) {
	d, s, path := anchoredChain(t)
	cutAfter(t, d, 7)
	alone, err := audit.Verify(context.Background(), d.App, s.Verifier(), audit.VerifyOptions{})
	if err != nil || !alone.OK {
		t.Fatalf("without the anchor the cut chain verifies (the gap this closes): %+v, %v", alone, err)
	}
	for _, opts := range []audit.VerifyOptions{{}, {FromLastCheckpoint: true}} {
		rep := verifyWithAnchor(t, d, s, path, opts)
		if rep.OK || !rep.Truncated || rep.FirstBroken != nil || rep.Anchor.Seq != 10 || rep.CheckedTo != 7 {
			t.Fatalf("with the anchor (%+v): %+v, want truncated at 7 of 10", opts, rep)
		}
	}
}

// TestRewrittenTailDiffersFromTheAnchor deletes the tail and links new
// entries in its place (with the key, without the anchor): the chain
// reaches the anchored seq with another hash.
func TestRewrittenTailDiffersFromTheAnchor(t *testing.T) {
	d, s, path := anchoredChain(t)
	cutAfter(t, d, 7)
	recordN(t, d.App, 5)
	linkAll(t, audit.NewLinker(d.App, s, quiet))
	rep := verifyWithAnchor(t, d, s, path, audit.VerifyOptions{})
	if rep.OK || rep.Truncated || rep.FirstBroken == nil || rep.FirstBroken.Reason != audit.ReasonAnchorMismatch || rep.FirstBroken.Seq != 10 {
		t.Fatalf("rewritten tail: %+v (first broken %+v)", rep, rep.FirstBroken)
	}
}

func TestReadAnchorSkipsForgedAndTornLines(t *testing.T) {
	s, other := newSigner(t), newSigner(t)
	good := func(sg *audit.Signer, seq int64) string {
		var b bytes.Buffer
		path := filepath.Join(t.TempDir(), "a")
		at := time.Now().UTC().Truncate(time.Microsecond)
		hash := bytes.Repeat([]byte{byte(seq)}, 32)
		if err := audit.NewAnchor(path).Append(audit.AnchorHead{Seq: seq, Hash: hash, KeyID: sg.KeyID(), At: at,
			Signature: sg.Sign(seq, hash, at)}); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		b.Write(raw)
		return b.String()
	}
	forged := good(other, 99)                                           // signed by another key
	tampered := strings.Replace(good(s, 50), `"seq":50`, `"seq":51`, 1) // seq changed after signing
	torn := good(s, 60)[:40]                                            // cut by a crash
	in := good(s, 5) + good(s, 12) + forged + tampered + "\n" + torn
	head, skipped, err := audit.ReadAnchorHead(strings.NewReader(in), s.Verifier())
	if err != nil || head.Seq != 12 || skipped != 3 {
		t.Fatalf("head %d, skipped %d, %v; want 12 and 3 skipped", head.Seq, skipped, err)
	}
	if _, _, err := audit.ReadAnchorHead(strings.NewReader(forged), s.Verifier()); !errors.Is(err, audit.ErrNoAnchorHead) {
		t.Fatalf("only forged lines: %v", err)
	}
}
