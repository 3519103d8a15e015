package cases_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// keyAdmin is a migrated database with two organizations, cases of both
// organizations created under the old master key, and a connection of the
// maintenance role.
type keyAdmin struct {
	d        *dbtest.DB
	maint    *gorm.DB
	old, new *jcrypto.LocalMaster
	// cases lists the created cases with the context of their creator.
	cases []keyAdminCase
}

type keyAdminCase struct {
	id    uuid.UUID
	code  string
	given string
	as    context.Context
}

var keyAdminIndexKey = bytes.Repeat([]byte{8}, 32)

func keyAdminMaster(t *testing.T, b byte) *jcrypto.LocalMaster {
	t.Helper()
	m, err := jcrypto.NewLocalMaster(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func keyAdminKeyring(t *testing.T, w jcrypto.KeyWrapper) *cases.Keyring {
	t.Helper()
	k, err := cases.NewKeyring(w, keyAdminIndexKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// service returns a case service whose keyring holds w only.
func (f *keyAdmin) service(t *testing.T, w jcrypto.KeyWrapper) *cases.Service {
	return cases.NewService(f.d.App, keyAdminKeyring(t, w), cases.Settings{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func keyAdminPtr[T any](v T) *T { return &v }

// newKeyAdmin creates perOrg cases in each of two organizations (Sezim and
// Ak-Zhurok) under the old master key.
func newKeyAdmin(t *testing.T, perOrg int) *keyAdmin {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	// Two crisis centers with a caseworker each (no password: nobody signs
	// in).
	for _, o := range []struct{ code, email string }{{"SEZIM", "caseworker@sezim.kg"}, {"AKZHUROK", "caseworker@akzhurok.kg"}} {
		if err := d.App.Exec(`WITH o AS (INSERT INTO organizations (code, name_ru, name_ky, name_en, kind, region)
				VALUES (?, ?, ?, ?, 'crisis_center', 'bishkek_city') RETURNING id)
			INSERT INTO users (organization_id, email, name, role, password_hash) SELECT id, ?, 'Caseworker', 'caseworker', '!' FROM o`,
			o.code, o.code, o.code, o.code, o.email).Error; err != nil {
			t.Fatal(err)
		}
	}
	f := &keyAdmin{d: d, old: keyAdminMaster(t, 1), new: keyAdminMaster(t, 2)}
	// The service installs the key check of its master key at start.
	if err := keyAdminKeyring(t, f.old).EnsureKeyCheck(ctx, d.App); err != nil {
		t.Fatal(err)
	}
	svc := f.service(t, f.old)
	for _, email := range []string{"caseworker@sezim.kg", "caseworker@akzhurok.kg"} {
		as := reqctx.WithPrincipal(reqctx.WithMeta(ctx, reqctx.Meta{RequestID: "keyadmin-test"}), d.Principal(t, email))
		for i := range perOrg {
			given := fmt.Sprintf("Айгуль%c", 'А'+rune(len(f.cases)))
			res, err := svc.Create(as, cases.Fields{
				Identity: &cases.Identity{GivenName: keyAdminPtr(given), FamilyName: keyAdminPtr("Асанова"),
					BirthDate: keyAdminPtr("1998-03-14"), DocumentNumber: keyAdminPtr(fmt.Sprintf("AN%07d", len(f.cases))),
					Phone: keyAdminPtr("+996 555 000 111")},
				IdentifiedAt:            keyAdminPtr(time.Date(2025, 3, 1+i, 9, 0, 0, 0, time.UTC)),
				Sex:                     keyAdminPtr("female"),
				Citizenship:             keyAdminPtr("KG"),
				ExploitationTypes:       []string{"forced_labour"},
				CountriesOfExploitation: []string{"RU"},
				LabourSector:            keyAdminPtr("construction"),
				TraffickingEvents: []cases.Event{{Kind: "exploitation", Country: keyAdminPtr("RU"), YearMonth: keyAdminPtr("2024-11"),
					Details: keyAdminPtr("details of " + given)}},
			}, "", nil)
			if err != nil {
				t.Fatalf("create case: %v", err)
			}
			f.cases = append(f.cases, keyAdminCase{id: res.Case.ID, code: res.Case.Code, given: given, as: as})
		}
	}
	maint, err := database.OpenMaintenance(ctx, d.OwnerURL)
	if err != nil {
		t.Fatalf("open maintenance connection: %v", err)
	}
	t.Cleanup(func() { database.Close(maint) })
	f.maint = maint
	return f
}

// checkReadable reads every case through svc and checks its identity and
// event details.
func (f *keyAdmin) checkReadable(t *testing.T, svc *cases.Service) {
	t.Helper()
	for _, c := range f.cases {
		got, err := svc.Get(c.as, c.id)
		if err != nil {
			t.Fatalf("case %s: %v", c.code, err)
		}
		if got.IdentityErased || got.Identity == nil || got.Identity.GivenName == nil || *got.Identity.GivenName != c.given {
			t.Fatalf("case %s: identity %+v, erased %v", c.code, got.Identity, got.IdentityErased)
		}
		if got.Identity.Phone == nil || len(got.TraffickingEvents) != 1 || got.TraffickingEvents[0].Details == nil ||
			*got.TraffickingEvents[0].Details != "details of "+c.given {
			t.Fatalf("case %s: contact or event details not read back", c.code)
		}
	}
}

func (f *keyAdmin) countUnder(t *testing.T, w jcrypto.KeyWrapper) int64 {
	t.Helper()
	return f.d.Count(t, `SELECT count(*) FROM case_keys WHERE master_version = $1 AND wrapped IS NOT NULL`, w.KeyVersion())
}

func TestRotateDataKeys(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 3)
	ctx := context.Background()
	rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	want := cases.RotateReport{Rotated: 6, Batches: 1}
	if rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}

	t.Run("every case reads back under the new master key alone", func(t *testing.T) {
		f.checkReadable(t, f.service(t, f.new))
	})
	t.Run("every data key is under the new master key", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM case_keys WHERE master_version IS DISTINCT FROM $1`, f.new.KeyVersion()); n != 0 {
			t.Fatalf("%d data keys under another master key", n)
		}
	})
	t.Run("the old master key alone opens no rotated key: ErrUnknownKeyVersion", func(t *testing.T) {
		c := f.cases[0]
		_, err := f.service(t, f.old).Get(c.as, c.id)
		if !errors.Is(err, jcrypto.ErrUnknownKeyVersion) {
			t.Fatalf("read with the old master key: %v", err)
		}
	})
	t.Run("the service starts with the new master key alone", func(t *testing.T) {
		if err := keyAdminKeyring(t, f.new).EnsureKeyCheck(ctx, f.d.App); err != nil {
			t.Fatalf("key check: %v", err)
		}
		if n := f.d.Count(t, `SELECT count(*) FROM key_checks WHERE master_version = $1`, f.new.KeyVersion()); n != 1 {
			t.Fatalf("%d key checks of the new master key", n)
		}
	})
	t.Run("a wrong master key fails the key check: ErrWrongMasterKey", func(t *testing.T) {
		err := keyAdminKeyring(t, keyAdminMaster(t, 3)).EnsureKeyCheck(ctx, f.d.App)
		if !errors.Is(err, jcrypto.ErrWrongMasterKey) {
			t.Fatalf("key check with a wrong master key: %v", err)
		}
	})
	t.Run("each batch is audited by the new key's version only", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'master_key.rotate'
			AND object_type = 'master_key' AND object_id = $1 AND outcome = 'success'`, f.new.KeyVersion()); n != 1 {
			t.Fatalf("%d rotation entries", n)
		}
	})
	t.Run("running again changes nothing", func(t *testing.T) {
		rep, err := cases.RotateDataKeys(ctx, f.maint, f.new, f.new)
		if err != nil {
			t.Fatal(err)
		}
		if want := (cases.RotateReport{AlreadyCurrent: 6}); rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
	})
}

func TestRotateDataKeysResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupted after its first batch of two, as by Ctrl-C.
	rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new, cases.RotateBatchSize(2),
		cases.RotateProgress(func(cases.RotateReport) { cancel() }))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if want := (cases.RotateReport{Rotated: 2, Batches: 1}); rep != want {
		t.Fatalf("interrupted report %+v, want %+v", rep, want)
	}
	if n := f.countUnder(t, f.new); n != 2 {
		t.Fatalf("%d data keys under the new master key, want the first batch of 2", n)
	}

	t.Run("half-way, the service with both keys reads every case", func(t *testing.T) {
		both, err := jcrypto.NewMultiMaster(f.new, f.old)
		if err != nil {
			t.Fatal(err)
		}
		f.checkReadable(t, f.service(t, both))
	})
	t.Run("the next run rotates the rest", func(t *testing.T) {
		// The configuration of the documented switch: new key current, old
		// one previous.
		both, _ := jcrypto.NewMultiMaster(f.new, f.old)
		rep, err := cases.RotateDataKeys(context.Background(), f.maint, both, f.new, cases.RotateBatchSize(2))
		if err != nil {
			t.Fatal(err)
		}
		if want := (cases.RotateReport{Rotated: 4, AlreadyCurrent: 2, Batches: 2}); rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
		f.checkReadable(t, f.service(t, f.new))
	})
}

func TestRotateDataKeysWaitsForLockedRows(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 2)
	ctx := context.Background()
	// Another transaction holds one data key: SKIP LOCKED passes it by, and
	// the run must still take it once the lock is gone.
	conn, err := pgx.Connect(ctx, f.d.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := f.cases[2].id
	if _, err := tx.Exec(ctx, `SELECT 1 FROM case_keys WHERE case_id = $1 FOR UPDATE`, held); err != nil {
		t.Fatal(err)
	}
	var firstBatch atomic.Int64
	type result struct {
		rep cases.RotateReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new, cases.RotateProgress(func(r cases.RotateReport) {
			firstBatch.CompareAndSwap(0, int64(r.Rotated))
		}))
		done <- result{rep, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for firstBatch.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := firstBatch.Load(); n != 3 {
		t.Fatalf("first batch rotated %d data keys, want the 3 unlocked ones", n)
	}
	select {
	case r := <-done:
		t.Fatalf("rotation ended while a data key was still locked: %+v, %v", r.rep, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.rep.Rotated != 4 {
			t.Fatalf("report %+v, want 4 rotated", r.rep)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("rotation did not finish after the lock was released")
	}
	if n := f.countUnder(t, f.new); n != 4 {
		t.Fatalf("%d of 4 data keys under the new master key", n)
	}
}

func TestRotateDataKeysRefusesAWrongMasterKey(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 1)
	_, err := cases.RotateDataKeys(context.Background(), f.maint, keyAdminMaster(t, 3), f.new)
	if !errors.Is(err, jcrypto.ErrWrongMasterKey) {
		t.Fatalf("rotation from a wrong master key: %v", err)
	}
	if n := f.countUnder(t, f.old); n != 2 {
		t.Fatalf("%d of 2 data keys left under the old master key", n)
	}
	if n := f.d.Count(t, `SELECT count(*) FROM key_checks WHERE master_version = $1`, f.new.KeyVersion()); n != 0 {
		t.Fatal("key check of the new master key stored after a refused rotation")
	}
}

func TestMaintenanceRole(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 2)
	ctx := context.Background()
	denied := []struct {
		name, sql string
	}{
		{"SELECT from cases: permission denied", `SELECT count(*) FROM cases`},
		{"SELECT identity ciphertext: permission denied", `SELECT identity_enc FROM cases LIMIT 1`},
		{"SELECT from case_blind_index: permission denied", `SELECT count(*) FROM case_blind_index`},
		{"SELECT from case_events: permission denied", `SELECT count(*) FROM case_events`},
		{"SELECT from case_notes: permission denied", `SELECT count(*) FROM case_notes`},
		{"SELECT from case_plans: permission denied", `SELECT count(*) FROM case_plans`},
		{"SELECT from users: permission denied", `SELECT count(*) FROM users`},
		{"SELECT from organizations: permission denied", `SELECT count(*) FROM organizations`},
		{"SELECT from audit_entries: permission denied", `SELECT count(*) FROM audit_entries`},
		{"UPDATE case_keys.case_id: permission denied", `UPDATE case_keys SET case_id = case_id`},
		{"UPDATE case_keys.key_version: permission denied", `UPDATE case_keys SET key_version = key_version`},
		{"INSERT into case_keys: permission denied", `INSERT INTO case_keys (case_id) VALUES (gen_random_uuid())`},
		{"DELETE from case_keys: permission denied", `DELETE FROM case_keys`},
		{"DELETE from key_checks: permission denied", `DELETE FROM key_checks`},
	}
	for _, tc := range denied {
		t.Run(tc.name, func(t *testing.T) {
			var n int64
			err := f.maint.WithContext(ctx).Raw(tc.sql).Scan(&n).Error
			if !database.IsCode(err, "42501") {
				t.Fatalf("got %v, want permission denied", err)
			}
		})
	}
	t.Run("sees the data keys of every organization", func(t *testing.T) {
		var n int64
		if err := f.maint.WithContext(ctx).Raw(`SELECT count(*) FROM case_keys`).Scan(&n).Error; err != nil || n != 4 {
			t.Fatalf("sees %d of 4 data keys: %v", n, err)
		}
	})
	t.Run("the application role still sees its organization's data keys only", func(t *testing.T) {
		p, _ := reqctx.PrincipalFrom(f.cases[0].as)
		var n int64
		err := database.InOrgTx(ctx, f.d.App, p.OrganizationID, p.UserID, func(tx *gorm.DB) error {
			return tx.Raw(`SELECT count(*) FROM case_keys`).Scan(&n).Error
		})
		if err != nil || n != 2 {
			t.Fatalf("application role sees %d data keys, want 2: %v", n, err)
		}
	})
	t.Run("holds no grant beyond data keys, key checks and audit inserts", func(t *testing.T) {
		var got []string
		rows := f.d.Count(t, `SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
			WHERE a.grantee = 'jardam_maint'::regrole AND (c.relname, a.privilege_type) NOT IN
				(('case_keys', 'SELECT'), ('key_checks', 'SELECT'), ('key_checks', 'INSERT'),
				 ('audit_entries', 'INSERT'), ('audit_entries_id_seq', 'USAGE'))`)
		if rows != 0 {
			t.Fatalf("%d unexpected table grants to jardam_maint", rows)
		}
		for _, col := range []string{"case_id", "key_version", "master_version", "wrapped", "destroyed_at"} {
			var may bool
			if err := f.d.App.Raw(`SELECT has_column_privilege('jardam_maint', 'case_keys', ?, 'UPDATE')`, col).Scan(&may).Error; err != nil {
				t.Fatal(err)
			}
			if may {
				got = append(got, col)
			}
		}
		if want := []string{"master_version", "wrapped", "destroyed_at"}; !slices.Equal(got, want) {
			t.Fatalf("jardam_maint may update %v, want %v", got, want)
		}
	})
	t.Run("is a NOLOGIN role the owner's login user may take", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM pg_roles WHERE rolname = 'jardam_maint' AND NOT rolcanlogin
			AND pg_has_role('jardam_owner', 'jardam_maint', 'MEMBER')`); n != 1 {
			t.Fatal("jardam_maint is missing, may log in, or is not granted to the owner")
		}
	})
}

// checkErased checks that got, read after its data key was destroyed, is
// the case before without its identity and event details.
func checkErased(t *testing.T, got, before cases.Case) {
	t.Helper()
	if !got.IdentityErased || got.Identity != nil {
		t.Fatalf("identity_erased %v, identity %+v", got.IdentityErased, got.Identity)
	}
	if got.Sex != before.Sex || got.AgeBracket != before.AgeBracket || !slices.Equal(got.ExploitationTypes, before.ExploitationTypes) ||
		!slices.Equal(got.CountriesOfExploitation, before.CountriesOfExploitation) || got.Stage != before.Stage ||
		got.Code != before.Code || !got.IdentifiedAt.Equal(before.IdentifiedAt) {
		t.Fatalf("statistical attributes changed: %+v, before %+v", got, before)
	}
	if len(got.TraffickingEvents) != 1 || got.TraffickingEvents[0].Details != nil || got.TraffickingEvents[0].Country == nil {
		t.Fatalf("events %+v: want the country without details", got.TraffickingEvents)
	}
}

func TestDestroyDataKey(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 2)
	ctx := context.Background()
	erased, kept := f.cases[0], f.cases[1]
	svc := f.service(t, f.old)
	before, err := svc.Get(erased.as, erased.id)
	if err != nil {
		t.Fatal(err)
	}
	id, err := cases.CaseIDByCode(ctx, f.maint, erased.code)
	if err != nil || id != erased.id {
		t.Fatalf("case id of %s: %v, %v", erased.code, id, err)
	}
	if err := cases.DestroyDataKey(ctx, f.maint, id); err != nil {
		t.Fatalf("destroy: %v", err)
	}

	t.Run("identity erased, statistical attributes kept", func(t *testing.T) {
		got, err := svc.Get(erased.as, erased.id)
		if err != nil {
			t.Fatal(err)
		}
		checkErased(t, got, before)
	})
	t.Run("another case stays readable", func(t *testing.T) {
		got, err := svc.Get(kept.as, kept.id)
		if err != nil || got.IdentityErased || got.Identity == nil {
			t.Fatalf("kept case: %+v, %v", got.Identity, err)
		}
	})
	t.Run("blind index tokens removed with the key", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM case_blind_index WHERE case_id = $1`, erased.id); n != 0 {
			t.Fatalf("%d tokens left for the erased case", n)
		}
		if n := f.d.Count(t, `SELECT count(*) FROM case_blind_index WHERE case_id = $1`, kept.id); n == 0 {
			t.Fatal("tokens of another case removed")
		}
	})
	t.Run("audited as case.erase on the case id", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'case.erase' AND object_type = 'case'
			AND object_id = $1 AND outcome = 'success'`, erased.id.String()); n != 1 {
			t.Fatalf("%d erasure entries", n)
		}
	})
	t.Run("destroying again: ErrKeyDestroyed", func(t *testing.T) {
		if err := cases.DestroyDataKey(ctx, f.maint, erased.id); !errors.Is(err, cases.ErrKeyDestroyed) {
			t.Fatalf("second destroy: %v", err)
		}
	})
	t.Run("unknown case: ErrNotFound", func(t *testing.T) {
		if err := cases.DestroyDataKey(ctx, f.maint, uuid.New()); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("destroy of an unknown case: %v", err)
		}
		if _, err := cases.CaseIDByCode(ctx, f.maint, "SEZIM-1999-0001"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}
	})
	t.Run("the index of a live case cannot be erased", func(t *testing.T) {
		err := f.maint.WithContext(ctx).Exec(`SELECT jardam_erase_case_index(?)`, kept.id).Error
		if !database.IsCode(err, "55000") {
			t.Fatalf("erasing a live case's index: %v", err)
		}
	})
	t.Run("rotation skips the destroyed key", func(t *testing.T) {
		rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new)
		if err != nil {
			t.Fatal(err)
		}
		if want := (cases.RotateReport{Rotated: 3, DestroyedSkipped: 1, Batches: 1}); rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
		got, err := f.service(t, f.new).Get(erased.as, erased.id)
		if err != nil || !got.IdentityErased {
			t.Fatalf("erased case after rotation: erased %v, %v", got.IdentityErased, err)
		}
	})
}
