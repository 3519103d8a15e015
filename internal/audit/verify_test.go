package audit_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// chain is a linked trail of 10 entries with checkpoints at seq 4, 7 and 10.
type chain struct {
	d      *dbtest.DB
	signer *audit.Signer
	entry  map[int64]int64 // seq -> entry id
}

func buildChain(t *testing.T) *chain {
	t.Helper()
	d := dbtest.New(t)
	c := &chain{d: d, signer: newSigner(t), entry: map[int64]int64{}}
	l := audit.NewLinker(d.App, c.signer, quiet)
	for _, n := range []int{4, 3, 3} {
		recordN(t, d.App, n)
		if got := linkAll(t, l); got != n {
			t.Fatalf("linked %d, want %d", got, n)
		}
	}
	var rows []struct{ Seq, EntryID int64 }
	if err := d.App.Raw("SELECT seq, entry_id FROM audit_links ORDER BY seq").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		c.entry[r.Seq] = r.EntryID
	}
	return c
}

// tamper runs sql as the superuser with the append-only triggers (and
// foreign keys) bypassed.
func (c *chain) tamper(t *testing.T, sql string) {
	t.Helper()
	c.d.Exec(t, "SET session_replication_role = replica; "+sql)
}

// rewriteFrom recomputes the links from seq onward after the entries were
// changed, as someone with the database but not the checkpoint key would.
func (c *chain) rewriteFrom(t *testing.T, seq int64) {
	t.Helper()
	var prev []byte
	if err := c.d.App.Raw("SELECT hash FROM audit_links WHERE seq = ?", seq-1).Row().Scan(&prev); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for s := seq; s <= int64(len(c.entry)); s++ {
		got, _, err := audit.List(context.Background(), c.d.App, audit.Filter{Cursor: cursorAfter(c.entry[s]), Limit: 1})
		if err != nil || len(got) != 1 || got[0].ID != c.entry[s] {
			t.Fatalf("read entry %d: %v", c.entry[s], err)
		}
		h := audit.LinkHash(prev, got[0])
		fmt.Fprintf(&sb, `UPDATE audit_links SET prev_hash = '\x%x', hash = '\x%x' WHERE seq = %d; `, prev, h, s)
		prev = h
	}
	c.tamper(t, sb.String())
}

// cursorAfter returns a List cursor whose first entry is id.
func cursorAfter(id int64) string {
	return audit.ListCursor(id + 1)
}

// verifyWant is what Verify must report on a tampered chain.
type verifyWant struct {
	ok            bool
	entries       int64
	fromSeq       int64
	brokenSeq     int64 // 0: nothing broken
	brokenEntry   bool  // first_broken names the entry linked at brokenSeq
	reason        string
	truncated     bool
	unlinked      int64
	stale         int64
	unsigned      int64
	checkpointSeq int64 // 0: no valid checkpoint
}

// verifyCase tampers with a fresh chain and says what Verify (from the
// last checkpoint when from is set) must report.
type verifyCase struct {
	name   string
	from   bool
	tamper func(t *testing.T, c *chain)
	want   verifyWant
}

// tamperSQL tampers with the chain by sql.
func tamperSQL(sql string) func(t *testing.T, c *chain) {
	return func(t *testing.T, c *chain) { c.tamper(t, sql) }
}

// editEntry sets set on the entry linked at seq.
func editEntry(set string, seq int64) func(t *testing.T, c *chain) {
	return func(t *testing.T, c *chain) {
		c.tamper(t, fmt.Sprintf("UPDATE audit_entries SET %s WHERE id = %d", set, c.entry[seq]))
	}
}

// forgeCheckpoints spoils the signature of the checkpoints where holds.
func forgeCheckpoints(where string) string {
	return `UPDATE audit_checkpoints SET signature = '\x00' || substr(signature, 2) WHERE ` + where
}

// verifyChainCases tamper with entries and links and verify the whole
// chain.
func verifyChainCases() []verifyCase {
	return []verifyCase{
		{name: "UntouchedChainIsOK", want: verifyWant{ok: true, entries: 10, fromSeq: 1, checkpointSeq: 10}},
		{name: "EditedEntryBreaksAtItsSeq", tamper: editEntry("outcome = 'denied'", 5),
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 5, brokenEntry: true, reason: audit.ReasonEntryHashMismatch, checkpointSeq: 10}},
		{name: "EditedEntryTimeBreaksAtItsSeq", tamper: editEntry("at = at - interval '1 microsecond'", 3),
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 3, brokenEntry: true, reason: audit.ReasonEntryHashMismatch, checkpointSeq: 10}},
		{name: "DeletedLinkInTheMiddleBreaksAtItsSeq", tamper: tamperSQL("DELETE FROM audit_links WHERE seq = 5"),
			want: verifyWant{entries: 9, fromSeq: 1, brokenSeq: 5, reason: audit.ReasonMissingLink, unlinked: 1, checkpointSeq: 10}},
		{name: "DeletedEntryBreaksAtItsSeq",
			tamper: func(t *testing.T, c *chain) {
				c.tamper(t, fmt.Sprintf("DELETE FROM audit_entries WHERE id = %d", c.entry[6]))
			},
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 6, brokenEntry: true, reason: audit.ReasonMissingEntry, checkpointSeq: 10}},
		{name: "ChangedPrevHashBreaksAtItsSeq", tamper: tamperSQL("UPDATE audit_links SET prev_hash = hash WHERE seq = 8"),
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 8, brokenEntry: true, reason: audit.ReasonPrevHashMismatch, checkpointSeq: 10}},
		{name: "RewrittenChainBreaksAtTheNextCheckpointAndIsTruncated",
			tamper: func(t *testing.T, c *chain) {
				editEntry("object_id = 'other'", 5)(t, c)
				c.rewriteFrom(t, 5)
			},
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 7, brokenEntry: true, reason: audit.ReasonCheckpointMismatch, truncated: true, checkpointSeq: 10}},
		{name: "TruncatedTailWithKeptCheckpointIsTruncated", tamper: tamperSQL("DELETE FROM audit_links WHERE seq > 8"),
			want: verifyWant{entries: 8, fromSeq: 1, truncated: true, unlinked: 2, checkpointSeq: 10}},
		{name: "RecentUnlinkedEntriesAreCountedAndOK", tamper: func(t *testing.T, c *chain) { recordN(t, c.d.App, 3) },
			want: verifyWant{ok: true, entries: 10, fromSeq: 1, unlinked: 3, checkpointSeq: 10}},
		{name: "StaleUnlinkedEntryIsNotOK",
			tamper: func(t *testing.T, c *chain) {
				recordN(t, c.d.App, 1)
				c.d.Exec(t, `INSERT INTO audit_entries (at, action, outcome) VALUES (now() - interval '10 minutes', 'case.read', 'success')`)
			},
			want: verifyWant{entries: 10, fromSeq: 1, unlinked: 2, stale: 1, checkpointSeq: 10}},
	}
}

// verifyCheckpointCases tamper with the signed checkpoints and verify the
// whole chain.
func verifyCheckpointCases() []verifyCase {
	return []verifyCase{
		{name: "ForgedCheckpointSignatureBreaks", tamper: tamperSQL(forgeCheckpoints("seq = 7")),
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 7, brokenEntry: true, reason: audit.ReasonBadSignature, checkpointSeq: 10}},
		{name: "ForgedCheckpointBeyondTheChainBreaks",
			tamper: tamperSQL(`INSERT INTO audit_checkpoints (seq, hash, key_id, signature)
				SELECT 11, hash, key_id, signature FROM audit_checkpoints WHERE seq = 10`),
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 11, reason: audit.ReasonBadSignature, checkpointSeq: 10}},
		{name: "CheckpointByAnUnknownKeyBreaks",
			tamper: func(t *testing.T, c *chain) {
				other := newSigner(t)
				var hash []byte
				if err := c.d.App.Raw("SELECT hash FROM audit_links WHERE seq = 10").Row().Scan(&hash); err != nil {
					t.Fatal(err)
				}
				at := time.Now().UTC().Truncate(time.Microsecond)
				c.d.Exec(t, `INSERT INTO audit_checkpoints (seq, hash, key_id, signature, at) VALUES (10, $1, $2, $3, $4)`,
					hash, other.KeyID(), other.Sign(10, hash, at), at)
			},
			want: verifyWant{entries: 10, fromSeq: 1, brokenSeq: 10, brokenEntry: true, reason: audit.ReasonUnknownKey, checkpointSeq: 10}},
		{name: "DeletedCheckpointsLeaveUnsignedLinks", tamper: tamperSQL("DELETE FROM audit_checkpoints WHERE seq = 10"),
			want: verifyWant{entries: 10, fromSeq: 1, unsigned: 3, checkpointSeq: 7}},
		{name: "AllCheckpointsDeletedLeavesEveryLinkUnsigned", tamper: tamperSQL("DELETE FROM audit_checkpoints"),
			want: verifyWant{entries: 10, fromSeq: 1, unsigned: 10}},
	}
}

// verifyFromLastCheckpointCases verify from the last valid checkpoint on.
func verifyFromLastCheckpointCases() []verifyCase {
	return []verifyCase{
		{name: "FromLastCheckpointUntouchedIsOK", from: true,
			want: verifyWant{ok: true, entries: 1, fromSeq: 10, checkpointSeq: 10}},
		{name: "FromLastCheckpointDoesNotRecheckOlderEntries", from: true, tamper: editEntry("outcome = 'denied'", 2),
			want: verifyWant{ok: true, entries: 1, fromSeq: 10, checkpointSeq: 10}},
		{name: "FromLastCheckpointChecksTheCheckpointsEntry", from: true, tamper: editEntry("outcome = 'denied'", 10),
			want: verifyWant{entries: 1, fromSeq: 10, brokenSeq: 10, brokenEntry: true, reason: audit.ReasonEntryHashMismatch, checkpointSeq: 10}},
		{name: "FromLastCheckpointSkipsAForgedOneAndReportsIt", from: true, tamper: tamperSQL(forgeCheckpoints("seq = 10")),
			want: verifyWant{entries: 4, fromSeq: 7, brokenSeq: 10, brokenEntry: true, reason: audit.ReasonBadSignature, unsigned: 3, checkpointSeq: 7}},
		{name: "FromLastCheckpointSkipsEveryForgedOne", from: true, tamper: tamperSQL(forgeCheckpoints("seq >= 7")),
			want: verifyWant{entries: 7, fromSeq: 4, brokenSeq: 7, brokenEntry: true, reason: audit.ReasonBadSignature, unsigned: 6, checkpointSeq: 4}},
		{name: "FromLastCheckpointFindsAnEditAfterIt", from: true,
			tamper: func(t *testing.T, c *chain) {
				c.tamper(t, forgeCheckpoints("seq = 10"))
				editEntry("role = 'admin'", 9)(t, c)
			},
			want: verifyWant{entries: 4, fromSeq: 7, brokenSeq: 9, brokenEntry: true, reason: audit.ReasonEntryHashMismatch, unsigned: 3, checkpointSeq: 7}},
		{name: "FromLastCheckpointTruncatedTailIsTruncated", from: true, tamper: tamperSQL("DELETE FROM audit_links WHERE seq > 8"),
			want: verifyWant{entries: 0, fromSeq: 10, truncated: true, unlinked: 2, checkpointSeq: 10}},
		{name: "FromLastCheckpointWithoutCheckpointsVerifiesAll", from: true, tamper: tamperSQL("DELETE FROM audit_checkpoints"),
			want: verifyWant{entries: 10, fromSeq: 1, unsigned: 10}},
	}
}

func TestVerifyReportsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range slices.Concat(verifyChainCases(), verifyCheckpointCases(), verifyFromLastCheckpointCases()) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := buildChain(t)
			if tc.tamper != nil {
				tc.tamper(t, c)
			}
			// Verification is read-only: the same trail is checked reading
			// everything at once and reading two rows per query.
			for _, batch := range []int{0, 2} {
				t.Run(fmt.Sprintf("Batch%d", batch), func(t *testing.T) {
					opts := audit.WithVerifyBatch(audit.VerifyOptions{FromLastCheckpoint: tc.from}, batch)
					rep, err := audit.Verify(context.Background(), c.d.App, c.signer.Verifier(), opts)
					if err != nil {
						t.Fatal(err)
					}
					assertVerifyReport(t, c, rep, tc.want)
				})
			}
		})
	}
}

// assertVerifyReport compares rep with w: its counts, its first break and
// its checkpoint.
func assertVerifyReport(t *testing.T, c *chain, rep audit.Report, w verifyWant) {
	t.Helper()
	js, _ := json.Marshal(rep)
	if rep.OK != w.ok || rep.Entries != w.entries || rep.FromSeq != w.fromSeq || rep.Truncated != w.truncated ||
		rep.Unlinked != w.unlinked || rep.StaleUnlinked != w.stale || rep.Unsigned != w.unsigned {
		t.Errorf("report %s", js)
	}
	switch {
	case w.brokenSeq == 0 && rep.FirstBroken != nil:
		t.Errorf("first_broken %+v, want none", *rep.FirstBroken)
	case w.brokenSeq != 0 && rep.FirstBroken == nil:
		t.Errorf("first_broken none, want seq %d %s", w.brokenSeq, w.reason)
	case w.brokenSeq != 0:
		b := rep.FirstBroken
		if b.Seq != w.brokenSeq || b.Reason != w.reason {
			t.Errorf("first_broken %+v, want seq %d %s", *b, w.brokenSeq, w.reason)
		}
		if w.brokenEntry && (b.EntryID == nil || *b.EntryID != c.entry[w.brokenSeq]) {
			t.Errorf("first_broken names entry %v, want %d", b.EntryID, c.entry[w.brokenSeq])
		}
		if !w.brokenEntry && b.EntryID != nil {
			t.Errorf("first_broken names entry %d, want none", *b.EntryID)
		}
	}
	switch {
	case w.checkpointSeq == 0 && rep.Checkpoint != nil:
		t.Errorf("checkpoint %+v, want none", *rep.Checkpoint)
	case w.checkpointSeq != 0 && (rep.Checkpoint == nil || rep.Checkpoint.Seq != w.checkpointSeq):
		t.Errorf("checkpoint %s, want seq %d", js, w.checkpointSeq)
	}
}

func TestVerifyReportJSON(t *testing.T) {
	t.Parallel()
	rep := audit.Report{Entries: 3, FromSeq: 1, FirstBroken: &audit.Break{Seq: 2, Reason: audit.ReasonMissingLink}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"ok", "entries", "first_broken", "truncated", "unlinked", "stale_unlinked", "unsigned", "checkpoint"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON lacks %q: %s", k, b)
		}
	}
	fb := m["first_broken"].(map[string]any)
	if fb["seq"] != float64(2) || fb["entry_id"] != nil || fb["reason"] != audit.ReasonMissingLink {
		t.Errorf("first_broken JSON: %s", b)
	}
	if m["checkpoint"] != nil {
		t.Errorf("checkpoint JSON: %s", b)
	}
}

func TestVerifyWithoutVerifierIsRefused(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	if _, err := audit.Verify(context.Background(), d.App, nil, audit.VerifyOptions{}); err == nil {
		t.Fatal("verify without a verifier succeeded")
	}
}

// The chain is read in batches: a chain longer than one batch verifies, and
// an edit in the second batch is found.
func TestVerifyReadsLongChainsInBatches(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	signer := newSigner(t)
	l := audit.NewLinker(d.App, signer, quiet)
	audit.SetLinkBatch(l, 300) // several checkpoints
	const n = 2100
	d.Exec(t, fmt.Sprintf(`INSERT INTO audit_entries (action, object_type, object_id, outcome)
		SELECT 'case.read', 'case', g::text, 'success' FROM generate_series(1, %d) g`, n))
	if got := linkAll(t, l); got != n {
		t.Fatalf("linked %d", got)
	}
	rep, err := audit.Verify(context.Background(), d.App, signer.Verifier(), audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != n || rep.Checkpoint == nil || rep.Checkpoint.Seq != n {
		t.Fatalf("report %+v, %v", rep, err)
	}
	d.Exec(t, "SET session_replication_role = replica; UPDATE audit_entries SET object_id = 'x' WHERE id = (SELECT entry_id FROM audit_links WHERE seq = 1500)")
	rep, err = audit.Verify(context.Background(), d.App, signer.Verifier(), audit.VerifyOptions{})
	if err != nil || rep.OK || rep.FirstBroken == nil || rep.FirstBroken.Seq != 1500 || rep.Entries != n {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

func TestLinkHashCoversEveryColumn(t *testing.T) {
	t.Parallel()
	prev := audit.GenesisHash()
	base := audit.Entry{ID: 1, At: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC), Role: "r", Action: "case.read",
		ObjectType: "case", ObjectID: "o", Outcome: audit.Success, RequestID: "q", ClientIP: "i", UserAgent: "u", TxID: 9}
	h0 := hex.EncodeToString(audit.LinkHash(prev, base))
	id := uuid.MustParse("6f1c1d3e-0000-4000-8000-000000000001")
	changes := map[string]func(e *audit.Entry){
		"ID":             func(e *audit.Entry) { e.ID = 2 },
		"At":             func(e *audit.Entry) { e.At = e.At.Add(time.Microsecond) },
		"ActorID":        func(e *audit.Entry) { e.ActorID = &id },
		"OrganizationID": func(e *audit.Entry) { e.OrganizationID = &id },
		"Role":           func(e *audit.Entry) { e.Role = "s" },
		"Action":         func(e *audit.Entry) { e.Action = "case.update" },
		"ObjectType":     func(e *audit.Entry) { e.ObjectType = "user" },
		"ObjectID":       func(e *audit.Entry) { e.ObjectID = "p" },
		"Outcome":        func(e *audit.Entry) { e.Outcome = audit.Denied },
		"RequestID":      func(e *audit.Entry) { e.RequestID = "z" },
		"ClientIP":       func(e *audit.Entry) { e.ClientIP = "j" },
		"UserAgent":      func(e *audit.Entry) { e.UserAgent = "v" },
		"TxID":           func(e *audit.Entry) { e.TxID = 10 },
		// Moving a byte between adjacent fields changes the hash too.
		"FieldBoundary": func(e *audit.Entry) { e.RequestID, e.ClientIP = "qi", "" },
	}
	for name, change := range changes {
		t.Run(name+"ChangesTheHash", func(t *testing.T) {
			e := base
			change(&e)
			if hex.EncodeToString(audit.LinkHash(prev, e)) == h0 {
				t.Fatal("hash unchanged")
			}
		})
	}
	t.Run("TimeZoneDoesNotChangeTheHash", func(t *testing.T) {
		e := base
		e.At = e.At.In(time.FixedZone("Asia/Bishkek", 6*3600))
		if hex.EncodeToString(audit.LinkHash(prev, e)) != h0 {
			t.Fatal("hash depends on the time zone")
		}
	})
	t.Run("PrevHashChangesTheHash", func(t *testing.T) {
		p := audit.GenesisHash()
		p[0] = 1
		if hex.EncodeToString(audit.LinkHash(p, base)) == h0 {
			t.Fatal("hash unchanged")
		}
	})
}
