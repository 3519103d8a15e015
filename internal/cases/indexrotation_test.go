package cases_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/cases"
)

var rotatedIndexKey = bytes.Repeat([]byte{9}, 32)

// indexKeyring is a keyring with the old master key, the index key current
// and the previous index keys prev.
func indexKeyring(t *testing.T, f *keyAdmin, current []byte, prev ...[]byte) *cases.Keyring {
	t.Helper()
	k, err := cases.NewKeyring(f.old, current)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prev {
		if err := k.AddPreviousIndexKey(p); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// findsKnownName runs a duplicate check and a name search for the first
// case's person through a service holding k, and says whether both found it.
func findsKnownName(t *testing.T, f *keyAdmin, k *cases.Keyring) bool {
	t.Helper()
	svc := cases.NewService(f.d.App, k, cases.Settings{DuplicateChecksPerDay: 100}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c := f.cases[0]
	// Family and given name swapped, as a caseworker might type them.
	in := cases.SearchInput{Identity: cases.Identity{GivenName: keyAdminPtr("Асанова"), FamilyName: keyAdminPtr(c.given),
		BirthDate: keyAdminPtr("1998-03-14")}}
	dup, err := svc.Duplicates(c.as, in)
	if err != nil {
		t.Fatalf("duplicate check: %v", err)
	}
	found, err := svc.Search(c.as, in)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	return len(dup.Matches) == 1 && dup.Matches[0].ID == c.id && len(found) == 1 && found[0].ID == c.id
}

// The blind index key rotates with the service running: a service holding
// the new key as current and the old as previous is accepted and finds
// cases under either key; an interrupted rotation resumes; afterwards the
// duplicate check still finds a known name with the new key alone, and the
// old key is refused by the start's check and by `jardam backup check`.
func TestRotateIndexKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyAdmin(t, 3)
	during := indexKeyring(t, f, rotatedIndexKey, keyAdminIndexKey)
	if err := during.EnsureKeyCheck(ctx, f.d.App); err != nil {
		t.Fatalf("a service with the new index key and the old one as previous: %v", err)
	}
	if !findsKnownName(t, f, during) {
		t.Fatal("before the rotation, a service holding both keys does not find a known name")
	}
	if err := indexKeyring(t, f, bytes.Repeat([]byte{7}, 32), keyAdminIndexKey).EnsureKeyCheck(ctx, f.d.App); !errors.Is(err, casekeys.ErrIndexRotationElsewhere) {
		t.Fatalf("a third index key during the rotation: %v, want ErrIndexRotationElsewhere", err)
	}

	// Interrupted after its first batch of two cases.
	cut, cancel := context.WithCancel(ctx)
	rep, err := cases.RotateIndexKey(cut, f.d.App, during, rotatedIndexKey, 2, func(cases.IndexRotateReport) { cancel() })
	if err == nil || rep.Rewritten != 2 || rep.Batches != 1 {
		t.Fatalf("interrupted run: %+v, %v; want 2 cases rewritten in 1 batch and an error", rep, err)
	}
	if !findsKnownName(t, f, during) {
		t.Fatal("halfway through, a service holding both keys does not find a known name")
	}
	if r, err := during.CheckKeys(ctx, f.d.App); !errors.Is(r.Index, casekeys.ErrIndexRotationUnfinished) || err != nil {
		t.Fatalf("backup check with the new key halfway: %v, %v; want ErrIndexRotationUnfinished", r.Index, err)
	}

	rep, err = cases.RotateIndexKey(ctx, f.d.App, during, rotatedIndexKey, 2, nil)
	if err != nil || rep.Rewritten != 4 || rep.AlreadyCurrent != 2 || rep.Organizations < 2 {
		t.Fatalf("resumed run: %+v, %v; want the 4 cases left rewritten, 2 already current", rep, err)
	}
	checkIndexRotated(t, f)
}

// checkIndexRotated checks the state after a finished rotation.
func checkIndexRotated(t *testing.T, f *keyAdmin) {
	t.Helper()
	ctx := context.Background()
	newOnly := indexKeyring(t, f, rotatedIndexKey)
	if err := newOnly.EnsureKeyCheck(ctx, f.d.App); err != nil {
		t.Fatalf("the new index key alone: %v", err)
	}
	if !findsKnownName(t, f, newOnly) {
		t.Fatal("after the rotation, the new index key alone does not find a known name")
	}
	if r, err := newOnly.CheckKeys(ctx, f.d.App); r.Index != nil || !r.IndexCheckStored || err != nil {
		t.Fatalf("backup check with the new key: %+v, %v", r, err)
	}
	old := indexKeyring(t, f, keyAdminIndexKey, rotatedIndexKey)
	if err := old.EnsureKeyCheck(ctx, f.d.App); !errors.Is(err, casekeys.ErrRetiredIndexKey) {
		t.Fatalf("start with the old index key: %v, want ErrRetiredIndexKey", err)
	}
	if r, err := indexKeyring(t, f, keyAdminIndexKey).CheckKeys(ctx, f.d.App); !errors.Is(r.Index, casekeys.ErrRetiredIndexKey) || err != nil {
		t.Fatalf("backup check with the old key: %v, %v; want ErrRetiredIndexKey", r.Index, err)
	}
	if findsKnownName(t, f, indexKeyring(t, f, keyAdminIndexKey)) {
		t.Fatal("the old index key still finds a known name: some tokens were left under it")
	}
	if n := f.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'index_key.rotate' AND object_type = 'organization'`); n < 4 {
		t.Fatalf("%d audit entries of the rotation's batches, want one per batch (at least 4)", n)
	}
	// Running it again changes nothing.
	rep, err := cases.RotateIndexKey(ctx, f.d.App, newOnly, rotatedIndexKey, 0, nil)
	if err != nil || rep.Rewritten != 0 || rep.AlreadyCurrent != 6 {
		t.Fatalf("run again: %+v, %v; want nothing rewritten", rep, err)
	}
}
