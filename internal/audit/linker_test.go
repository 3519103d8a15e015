package audit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/schedule"
)

// newLinked returns a fresh database, a signer of a random key and a
// linker of the database's entries with it.
func newLinked(t *testing.T) (*dbtest.DB, *audit.Signer, *audit.Linker) {
	t.Helper()
	d := dbtest.New(t)
	signer := newSigner(t)
	return d, signer, audit.NewLinker(d.App, signer, quiet)
}

func TestLinkRecordVerify(t *testing.T) {
	t.Parallel()
	d, signer, l := newLinked(t)
	ctx := context.Background()

	recordN(t, d.App, 10)
	if lag, err := l.Lag(ctx); err != nil || lag != 10 {
		t.Fatalf("lag before linking: %d, %v", lag, err)
	}
	if n := linkAll(t, l); n != 10 {
		t.Fatalf("linked %d, want 10", n)
	}
	if lag, err := l.Lag(ctx); err != nil || lag != 0 {
		t.Fatalf("lag after linking: %d, %v", lag, err)
	}
	rep, err := audit.Verify(ctx, d.App, signer.Verifier(), audit.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Entries != 10 || rep.FirstBroken != nil || rep.Truncated || rep.Unlinked != 0 ||
		rep.Checkpoint == nil || rep.Checkpoint.Seq != 10 || rep.Checkpoint.KeyID != signer.KeyID() || rep.FromSeq != 1 {
		t.Fatalf("report: %+v", rep)
	}
	var cps int64
	d.App.Raw("SELECT count(*) FROM audit_checkpoints").Scan(&cps)
	if cps != 1 {
		t.Fatalf("%d checkpoints after one linking pass, want 1", cps)
	}
}

func TestLinkerPassesAreBatched(t *testing.T) {
	t.Parallel()
	d, _, l := newLinked(t)
	audit.SetLinkBatch(l, 4)
	recordN(t, d.App, 10)
	var got []int
	for {
		n, err := l.LinkOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
		if n == 0 {
			break
		}
	}
	if len(got) != 4 || got[0] != 4 || got[1] != 4 || got[2] != 2 || got[3] != 0 {
		t.Fatalf("passes linked %v, want [4 4 2 0]", got)
	}
	var cps []int64
	d.App.Raw("SELECT seq FROM audit_checkpoints ORDER BY id").Scan(&cps)
	if len(cps) != 3 || cps[0] != 4 || cps[1] != 8 || cps[2] != 10 {
		t.Fatalf("checkpoints at %v, want [4 8 10]", cps)
	}
}

// An entry whose transaction began before a pass and commits after it is
// linked by a later pass, although the linker then only looks at recent
// transactions.
func TestLateCommittedEntryIsLinkedByALaterPass(t *testing.T) {
	t.Parallel()
	d, signer, l := newLinked(t)
	ctx := context.Background()

	late := d.App.WithContext(ctx).Begin()
	if late.Error != nil {
		t.Fatal(late.Error)
	}
	defer late.Rollback()
	lateCtx := callerCtx(testPrincipal("caseworker"))
	if err := audit.Record(lateCtx, late, audit.ActionCaseUpdate, "case", uuid.NewString(), audit.Success); err != nil {
		t.Fatal(err)
	}
	recordN(t, d.App, 2)
	if n := linkAll(t, l); n != 2 {
		t.Fatalf("linked %d before the late commit, want 2", n)
	}
	recordN(t, d.App, 1)
	if n := linkAll(t, l); n != 1 {
		t.Fatalf("linked %d, want 1", n)
	}
	if err := late.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if lag, err := l.Lag(ctx); err != nil || lag != 1 {
		t.Fatalf("lag after the late commit: %d, %v", lag, err)
	}
	if n := linkAll(t, l); n != 1 {
		t.Fatalf("linked %d after the late commit, want 1", n)
	}
	rep, err := audit.Verify(ctx, d.App, signer.Verifier(), audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != 4 || rep.Unlinked != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	// The late entry (lowest id) is chained last: chain order is commit order.
	var lastAction string
	d.App.Raw("SELECT e.action FROM audit_links l JOIN audit_entries e ON e.id = l.entry_id ORDER BY l.seq DESC LIMIT 1").Scan(&lastAction)
	if lastAction != audit.ActionCaseUpdate {
		t.Fatalf("last linked action %q, want the late entry", lastAction)
	}
}

func TestConcurrentLinkersProduceOneChain(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	signer := newSigner(t)
	// A second pool stands for a second replica.
	linkers := []*audit.Linker{audit.NewLinker(d.App, signer, quiet), audit.NewLinker(openSecondPool(t, d), signer, quiet)}
	for _, l := range linkers {
		audit.SetLinkBatch(l, 7)
	}

	const writers, perWriter = 4, 150
	var done atomic.Bool
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() { recordInSmallTransactions(t, d, w, perWriter) })
	}
	linked := make([]atomic.Int64, len(linkers))
	var linking sync.WaitGroup
	for i, l := range linkers {
		linking.Go(func() { linkUntilDone(t, l, &done, &linked[i]) })
	}
	writing.Wait()
	done.Store(true)
	linking.Wait()
	if t.Failed() {
		return
	}

	const total = writers * perWriter
	if got := linked[0].Load() + linked[1].Load(); got != total {
		t.Fatalf("linkers linked %d entries, want %d", got, total)
	}
	links, entries, maxSeq := chainShape(t, d)
	if links != total || entries != total || maxSeq != total {
		t.Fatalf("chain has %d links of %d entries up to seq %d, want %d of each", links, entries, maxSeq, total)
	}
	rep, err := audit.Verify(ctx, d.App, signer.Verifier(), audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != total || rep.Unlinked != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	t.Logf("linker passes linked %d and %d entries", linked[0].Load(), linked[1].Load())
}

// recordInSmallTransactions records n entries as writer w, one to three
// per transaction.
func recordInSmallTransactions(t *testing.T, d *dbtest.DB, w, n int) {
	wctx := callerCtx(testPrincipal("caseworker"))
	for i := 0; i < n; {
		k := min(1+(i+w)%3, n-i)
		if err := recordInOneTx(wctx, d, k); err != nil {
			t.Error(err)
			return
		}
		i += k
	}
}

// linkUntilDone runs passes of l, adding what each linked to linked, until
// done is set and a pass finds nothing left to link.
func linkUntilDone(t *testing.T, l *audit.Linker, done *atomic.Bool, linked *atomic.Int64) {
	ctx := context.Background()
	for {
		finished := done.Load()
		n, err := l.LinkOnce(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		linked.Add(int64(n))
		if finished && n == 0 {
			lag, err := l.Lag(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if lag == 0 {
				return
			}
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// Scheduled as the server schedules it, the linker chains what is
// recorded, and stops when asked.
func TestScheduledLinkerLinksUntilStopped(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	l := audit.NewLinker(d.App, newSigner(t), quiet)
	stop := schedule.New(quiet, schedule.Job{Name: "audit_link", Every: 10 * time.Millisecond,
		Backlog: audit.MaxLinkBatch, Step: l.LinkOnce}).Start(context.Background())

	recordN(t, d.App, 5)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, entries, _ := chainShape(t, d)
		if entries == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled linker linked %d of 5 entries in time", entries)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
}

func TestLinkerWithoutKeyIsRefused(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	if _, err := audit.NewLinker(d.App, nil, quiet).LinkOnce(context.Background()); err == nil {
		t.Fatal("linker without a key linked")
	}
}
