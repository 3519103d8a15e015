package casekeys_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/jardam-kg/jardam/internal/casekeys"
	"github.com/jardam-kg/jardam/internal/cases"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

func keyring(t *testing.T, master, index byte) *casekeys.Keyring {
	t.Helper()
	m, err := jcrypto.NewLocalMaster(bytes.Repeat([]byte{master}, 32))
	if err != nil {
		t.Fatal(err)
	}
	k, err := cases.NewKeyring(m, bytes.Repeat([]byte{index}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The first start stores a check of each key; a later start with another
// master key or another blind index key is refused, and CheckKeys tells the
// same without writing a check of its own.
func TestKeyChecksRefuseAnotherMasterOrIndexKey(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()

	rep, err := keyring(t, 1, 7).CheckKeys(ctx, d.App)
	if err != nil {
		t.Fatal(err)
	}
	// No master key check matches; no index key check is stored and no
	// blind index either, so there is nothing an index key could miss (the
	// first start adopts it).
	if !errors.Is(rep.Master, jcrypto.ErrWrongMasterKey) || rep.Index != nil || rep.IndexCheckStored {
		t.Fatalf("an empty database: %+v", rep)
	}
	var stored int
	d.App.Raw(`SELECT (SELECT count(*) FROM key_checks) + (SELECT count(*) FROM index_key_checks)`).Scan(&stored)
	if stored != 0 {
		t.Fatalf("CheckKeys wrote %d key checks", stored)
	}

	if err := keyring(t, 1, 7).EnsureKeyCheck(ctx, d.App); err != nil {
		t.Fatalf("first start: %v", err)
	}
	if err := keyring(t, 1, 7).EnsureKeyCheck(ctx, d.App); err != nil {
		t.Fatalf("second start with the same keys: %v", err)
	}
	if err := keyring(t, 2, 7).EnsureKeyCheck(ctx, d.App); !errors.Is(err, jcrypto.ErrWrongMasterKey) {
		t.Errorf("another master key: %v", err)
	}
	if err := keyring(t, 1, 9).EnsureKeyCheck(ctx, d.App); !errors.Is(err, casekeys.ErrWrongIndexKey) {
		t.Errorf("another index key: %v", err)
	}

	for _, c := range []struct {
		name          string
		master, index byte
		wantMaster    error
		wantIndex     error
	}{
		{"the database's keys", 1, 7, nil, nil},
		{"another master key", 2, 7, jcrypto.ErrWrongMasterKey, nil},
		{"another index key", 1, 9, nil, casekeys.ErrWrongIndexKey},
	} {
		rep, err := keyring(t, c.master, c.index).CheckKeys(ctx, d.App)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(rep.Master, c.wantMaster) || !errors.Is(rep.Index, c.wantIndex) || (c.wantMaster == nil) != (rep.Master == nil) ||
			(c.wantIndex == nil) != (rep.Index == nil) || !rep.IndexCheckStored {
			t.Errorf("%s: %+v", c.name, rep)
		}
	}
}
