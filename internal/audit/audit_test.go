package audit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// newSigner returns a signer for a random key.
func newSigner(t testing.TB) *audit.Signer {
	t.Helper()
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	s, err := audit.NewSigner(seed)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// callerCtx returns a context carrying a signed-in caller and request meta.
func callerCtx(p reqctx.Principal) context.Context {
	ctx := reqctx.WithPrincipal(context.Background(), p)
	return reqctx.WithMeta(ctx, reqctx.Meta{RequestID: "req-" + uuid.NewString()[:8], ClientIP: "192.0.2.10", UserAgent: "test-agent/1.0"})
}

func testPrincipal(role string) reqctx.Principal {
	return reqctx.Principal{UserID: uuid.New(), OrganizationID: uuid.New(), SessionID: uuid.New(), Role: role}
}

// recordN commits n entries, each in its own transaction, and returns the
// object ids recorded.
func recordN(t testing.TB, db *gorm.DB, n int) []string {
	t.Helper()
	ctx := callerCtx(testPrincipal("caseworker"))
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		id := uuid.NewString()
		err := database.InTx(ctx, db, func(tx *gorm.DB) error {
			return audit.Record(ctx, tx, audit.ActionCaseRead, "case", id, audit.Success)
		})
		if err != nil {
			t.Fatalf("record: %v", err)
		}
		ids = append(ids, id)
	}
	return ids
}

// linkAll runs passes until one links nothing and returns the total.
func linkAll(t testing.TB, l *audit.Linker) int {
	t.Helper()
	total := 0
	for {
		n, err := l.LinkOnce(context.Background())
		if err != nil {
			t.Fatalf("link: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

func TestRecordFillsCallerAndRequest(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	p := testPrincipal("supervisor")
	ctx := reqctx.WithPrincipal(context.Background(), p)
	ctx = reqctx.WithMeta(ctx, reqctx.Meta{RequestID: "req-1", ClientIP: "198.51.100.7", UserAgent: strings.Repeat("ж", 300)})
	caseID := uuid.NewString()
	if err := database.InTx(ctx, d.App, func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, audit.ActionCaseRead, "case", caseID, audit.Success)
	}); err != nil {
		t.Fatal(err)
	}
	got, _, err := audit.List(context.Background(), d.App, audit.Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %d entries, %v", len(got), err)
	}
	e := got[0]
	if e.ActorID == nil || *e.ActorID != p.UserID || e.OrganizationID == nil || *e.OrganizationID != p.OrganizationID {
		t.Errorf("actor/organization not taken from the principal: %+v", e)
	}
	if e.Role != "supervisor" || e.Action != "case.read" || e.ObjectType != "case" || e.ObjectID != caseID || e.Outcome != audit.Success {
		t.Errorf("entry fields: %+v", e)
	}
	if e.RequestID != "req-1" || e.ClientIP != "198.51.100.7" {
		t.Errorf("request meta: %+v", e)
	}
	if n := len([]rune(e.UserAgent)); n != audit.MaxUserAgent {
		t.Errorf("user agent has %d characters, want %d", n, audit.MaxUserAgent)
	}
	if e.ID <= 0 || e.At.IsZero() || e.At.Location() != time.UTC || e.TxID == 0 {
		t.Errorf("database-assigned fields: id %d at %v txid %d", e.ID, e.At, e.TxID)
	}
}

func TestRecordEntry(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := reqctx.WithMeta(context.Background(), reqctx.Meta{RequestID: "req-2", ClientIP: "203.0.113.5", UserAgent: "ua"})

	t.Run("FailedSignInWithoutActorIsRecorded", func(t *testing.T) {
		err := database.InTx(ctx, d.App, func(tx *gorm.DB) error {
			return audit.RecordEntry(ctx, tx, audit.Entry{Action: audit.ActionLoginFailed, Outcome: audit.Failure})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := audit.List(ctx, d.App, audit.Filter{Action: audit.ActionLoginFailed})
		if err != nil || len(got) != 1 {
			t.Fatalf("list: %d, %v", len(got), err)
		}
		if got[0].ActorID != nil || got[0].OrganizationID != nil || got[0].RequestID != "req-2" || got[0].ClientIP != "203.0.113.5" {
			t.Fatalf("entry: %+v", got[0])
		}
	})
	t.Run("AnonymousRecordHasNoActor", func(t *testing.T) {
		if err := audit.Record(ctx, d.App, audit.ActionDenied, "route", "GET /api/v1/cases", audit.Denied); err != nil {
			t.Fatal(err)
		}
		got, _, err := audit.List(ctx, d.App, audit.Filter{Action: audit.ActionDenied})
		if err != nil || len(got) != 1 || got[0].ActorID != nil {
			t.Fatalf("list: %+v, %v", got, err)
		}
	})
	t.Run("RolledBackTransactionLeavesNoEntry", func(t *testing.T) {
		boom := errors.New("boom")
		err := database.InTx(ctx, d.App, func(tx *gorm.DB) error {
			if err := audit.Record(ctx, tx, audit.ActionUserCreate, "user", uuid.NewString(), audit.Success); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		got, _, err := audit.List(ctx, d.App, audit.Filter{Action: audit.ActionUserCreate})
		if err != nil || len(got) != 0 {
			t.Fatalf("list: %d, %v", len(got), err)
		}
	})
	t.Run("NulAndInvalidUTF8AreCleaned", func(t *testing.T) {
		e := audit.Entry{Action: "case.read", Outcome: audit.NotFound, ObjectType: "case", ObjectID: "x", UserAgent: "a\x00b\xffc"}
		if err := audit.RecordEntry(ctx, d.App, e); err != nil {
			t.Fatal(err)
		}
		got, _, err := audit.List(ctx, d.App, audit.Filter{Action: "case.read"})
		if err != nil || len(got) != 1 || got[0].UserAgent != "ab\uFFFDc" {
			t.Fatalf("list: %+v, %v", got, err)
		}
	})

	invalid := []struct {
		name  string
		entry audit.Entry
	}{
		{"ActionWithoutResourceIsInvalid", audit.Entry{Action: "login", Outcome: audit.Success}},
		{"UpperCaseActionIsInvalid", audit.Entry{Action: "Case.Read", Outcome: audit.Success}},
		{"UnknownOutcomeIsInvalid", audit.Entry{Action: "case.read", Outcome: "ok"}},
		{"OverlongObjectIDIsInvalid", audit.Entry{Action: "case.read", Outcome: audit.Success, ObjectID: strings.Repeat("x", 200)}},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			if err := audit.RecordEntry(ctx, d.App, tc.entry); !errors.Is(err, audit.ErrInvalidEntry) {
				t.Fatalf("got %v, want ErrInvalidEntry", err)
			}
		})
	}
}

func TestApplicationRoleCannotChangeTheTrail(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	recordN(t, d.App, 2)
	linkAll(t, audit.NewLinker(d.App, newSigner(t), quiet))
	tests := []struct {
		name string
		sql  string
	}{
		{"UpdateEntryIsRefused", "UPDATE audit_entries SET object_id = 'x'"},
		{"DeleteEntryIsRefused", "DELETE FROM audit_entries"},
		{"TruncateEntriesIsRefused", "TRUNCATE audit_entries CASCADE"},
		{"UpdateLinkIsRefused", "UPDATE audit_links SET hash = prev_hash"},
		{"DeleteLinkIsRefused", "DELETE FROM audit_links"},
		{"TruncateLinksIsRefused", "TRUNCATE audit_links"},
		{"UpdateCheckpointIsRefused", "UPDATE audit_checkpoints SET seq = 1"},
		{"DeleteCheckpointIsRefused", "DELETE FROM audit_checkpoints"},
		{"TruncateCheckpointsIsRefused", "TRUNCATE audit_checkpoints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.App.Exec(tc.sql).Error
			if err == nil {
				t.Fatal("statement succeeded")
			}
			if !database.IsCode(err, "42501") {
				t.Fatalf("got %v, want insufficient_privilege", err)
			}
		})
	}
}

// quiet discards the linker's log in tests.
var quiet = slog.New(slog.DiscardHandler)

// TestRecordManyWritesOneEntryPerObjectInOneStatement records a list's
// cases: one entry each, in order, with the caller's fields, chained and
// verified like any other.
func TestRecordManyWritesOneEntryPerObjectInOneStatement(t *testing.T) {
	d := dbtest.New(t)
	p := testPrincipal("caseworker")
	ctx := callerCtx(p)
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	if err := database.InTx(ctx, d.App, func(tx *gorm.DB) error {
		if err := audit.RecordMany(ctx, tx, "case.list", "case", nil, audit.Success); err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, "case.list", "case", ids, audit.Success)
	}); err != nil {
		t.Fatal(err)
	}
	got, _, err := audit.List(context.Background(), d.App, audit.Filter{})
	if err != nil || len(got) != len(ids) {
		t.Fatalf("list: %d entries, %v; want %d", len(got), err, len(ids))
	}
	for i, e := range got {
		// Newest first: the last id was inserted last.
		want := ids[len(ids)-1-i]
		if e.ObjectID != want || e.Action != "case.list" || e.ActorID == nil || *e.ActorID != p.UserID || e.Role != "caseworker" {
			t.Fatalf("entry %d: %+v, want object %s", i, e, want)
		}
		if e.TxID != got[0].TxID {
			t.Fatal("entries written in different transactions")
		}
	}
	if err := database.InTx(ctx, d.App, func(tx *gorm.DB) error {
		return audit.RecordMany(ctx, tx, "Case List", "case", ids, audit.Success)
	}); !errors.Is(err, audit.ErrInvalidEntry) {
		t.Fatalf("malformed action: %v", err)
	}
	s := newSigner(t)
	if _, err := audit.NewLinker(d.App, s, slog.Default()).LinkOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), d.App, s.Verifier(), audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != int64(len(ids)) {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// chainShape returns the number of links, of distinct linked entries and
// the highest seq.
func chainShape(t testing.TB, d *dbtest.DB) (links, entries, maxSeq int64) {
	t.Helper()
	var s struct{ Links, Entries, MaxSeq int64 }
	if err := d.App.Raw(`SELECT count(*) AS links, count(DISTINCT entry_id) AS entries,
		coalesce(max(seq), 0) AS max_seq FROM audit_links`).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s.Links, s.Entries, s.MaxSeq
}

// recordInOneTx records k case reads in one transaction of d's
// application pool.
func recordInOneTx(ctx context.Context, d *dbtest.DB, k int) error {
	return database.InTx(ctx, d.App, func(tx *gorm.DB) error {
		for j := 0; j < k; j++ {
			if err := audit.Record(ctx, tx, audit.ActionCaseRead, "case", uuid.NewString(), audit.Success); err != nil {
				return err
			}
		}
		return nil
	})
}

// openSecondPool opens another pool on d as the application role, as a
// second replica does, closed when t ends.
func openSecondPool(t testing.TB, d *dbtest.DB) *gorm.DB {
	t.Helper()
	db, err := database.Open(context.Background(), d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close(db) })
	return db
}
