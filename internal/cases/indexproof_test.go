package cases_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/cases"
)

// A database from before the index key check (migration 0022) holds blind
// indexes but no check. The first start does not adopt whatever index key
// it is given: it recomputes a stored case's tokens under that key, refuses
// another key (storing nothing) and stores the check for the right one. A
// keyring that cannot make that check refuses to store a first check.
// `jardam backup check` (CheckKeys) makes the same proof, storing nothing.
func TestIndexKeyOfAnOlderDatabaseIsCheckedAgainstItsIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newKeyAdmin(t, 2)
	f.d.Exec(t, `DELETE FROM index_key_checks`) // as before migration 0022

	other, err := cases.NewKeyring(f.old, bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := casekeys.NewKeyring(f.old, keyAdminIndexKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		k    *casekeys.Keyring
		want error
	}{
		{"the database's own index key", keyAdminKeyring(t, f.old), nil},
		{"another index key", other, casekeys.ErrWrongIndexKey},
		{"a keyring that cannot recompute the tokens", bare, casekeys.ErrIndexKeyUnproven},
	} {
		rep, err := c.k.CheckKeys(ctx, f.d.App)
		if err != nil {
			t.Fatalf("backup check, %s: %v", c.name, err)
		}
		if rep.Master != nil || rep.IndexCheckStored || !errors.Is(rep.Index, c.want) || (c.want == nil) != (rep.Index == nil) {
			t.Errorf("backup check, %s, on an older database: %+v, want index %v", c.name, rep, c.want)
		}
	}
	if n := f.d.Count(t, `SELECT count(*) FROM index_key_checks`); n != 0 {
		t.Fatalf("the backup check stored %d index checks", n)
	}

	if err := other.EnsureKeyCheck(ctx, f.d.App); !errors.Is(err, casekeys.ErrWrongIndexKey) {
		t.Fatalf("another index key on an older database: %v, want ErrWrongIndexKey", err)
	}
	if n := f.d.Count(t, `SELECT count(*) FROM index_key_checks`); n != 0 {
		t.Fatalf("a refused index key stored %d checks", n)
	}
	if err := bare.EnsureKeyCheck(ctx, f.d.App); !errors.Is(err, casekeys.ErrIndexKeyUnproven) {
		t.Fatalf("a keyring that cannot check the indexes: %v, want ErrIndexKeyUnproven", err)
	}
	if err := keyAdminKeyring(t, f.old).EnsureKeyCheck(ctx, f.d.App); err != nil {
		t.Fatalf("the database's own index key: %v", err)
	}
	if n := f.d.Count(t, `SELECT count(*) FROM index_key_checks`); n != 1 {
		t.Fatalf("the right index key stored %d checks, want 1", n)
	}
	if err := other.EnsureKeyCheck(ctx, f.d.App); !errors.Is(err, casekeys.ErrWrongIndexKey) {
		t.Fatalf("another index key once the check is stored: %v", err)
	}
	if rep, err := keyAdminKeyring(t, f.old).CheckKeys(ctx, f.d.App); err != nil || rep.Index != nil || !rep.IndexCheckStored {
		t.Fatalf("backup check once the check is stored: %+v %v", rep, err)
	}
}
