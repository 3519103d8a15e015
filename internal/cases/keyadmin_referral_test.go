package cases_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/cases"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/referrals"
)

// referralService returns a referral service whose master key is w.
func (f *keyAdmin) referralService(t *testing.T, w jcrypto.KeyWrapper) *referrals.Service {
	t.Helper()
	return referrals.NewService(f.d.App, w, keyAdminKeyring(t, w).RequestHash,
		referrals.Settings{UrgentResponse: 24 * time.Hour, NormalResponse: 72 * time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// refer gives consent for c's data to be shared with Ak-Zhurok and refers c
// there with note, under the old master key.
func (f *keyAdmin) refer(t *testing.T, c keyAdminCase, note string) uuid.UUID {
	t.Helper()
	var org struct{ ID uuid.UUID }
	if err := f.d.App.Raw(`SELECT id FROM organizations WHERE code = 'AKZHUROK'`).Scan(&org).Error; err != nil {
		t.Fatal(err)
	}
	to := org.ID
	svc := f.referralService(t, f.old)
	consent, err := svc.CreateConsent(c.as, c.id, referrals.ConsentInput{Purpose: "data_sharing",
		RecipientOrganizationID: &to, Categories: []string{"identity"}, GivenBy: "person"}, "", nil)
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	r, err := svc.Create(c.as, c.id, referrals.CreateInput{ToOrganizationID: to, Categories: []string{"identity"}, AssistanceTypes: []string{"shelter"},
		Note: note, ConsentID: consent.ID}, "", nil)
	if err != nil {
		t.Fatalf("referral: %v", err)
	}
	return r.ID
}

func TestRotateDataKeysRewrapsReferralKeys(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 1)
	ctx := context.Background()
	sender := f.cases[0] // a Sezim case, referred to Ak-Zhurok
	const note = "Сопроводительная записка: приют на 30 дней"
	id := f.refer(t, sender, note)

	rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	// Two case keys and the referral's own key.
	if want := (cases.RotateReport{Rotated: 3, Batches: 2}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	t.Run("the referral's note reads back under the new master key alone", func(t *testing.T) {
		got, err := f.referralService(t, f.new).Get(sender.as, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Note == nil || *got.Note != note {
			t.Fatalf("note %v after rotation", got.Note)
		}
	})
	t.Run("no referral key is left under the old master key", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM referrals WHERE key_wrapped IS NOT NULL AND key_master_version IS DISTINCT FROM $1`,
			f.new.KeyVersion()); n != 0 {
			t.Fatalf("%d referral keys under another master key", n)
		}
	})
	t.Run("running again finds every key current", func(t *testing.T) {
		rep, err := cases.RotateDataKeys(ctx, f.maint, f.new, f.new)
		if err != nil {
			t.Fatal(err)
		}
		if want := (cases.RotateReport{AlreadyCurrent: 3}); rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
	})
}

func TestDestroyDataKeyDestroysTheReferralKeys(t *testing.T) {
	t.Parallel()
	f := newKeyAdmin(t, 1)
	ctx := context.Background()
	erased := f.cases[0]
	id := f.refer(t, erased, "Записка о направлении")
	if err := cases.DestroyDataKey(ctx, f.maint, erased.id); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	t.Run("the referral's key is gone, its note no longer shown", func(t *testing.T) {
		if n := f.d.Count(t, `SELECT count(*) FROM referrals WHERE case_id = $1 AND key_wrapped IS NULL`, erased.id); n != 1 {
			t.Fatalf("%d destroyed referral keys, want 1", n)
		}
		got, err := f.referralService(t, f.old).Get(erased.as, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Note != nil {
			t.Fatal("the note of an erased case's referral is still readable")
		}
		if got.Status != "pending" || got.CaseID == nil || *got.CaseID != erased.id {
			t.Fatalf("referral %+v: its non-identifying details should stay", got)
		}
	})
	t.Run("rotation counts the destroyed referral key and skips it", func(t *testing.T) {
		rep, err := cases.RotateDataKeys(ctx, f.maint, f.old, f.new)
		if err != nil {
			t.Fatal(err)
		}
		if want := (cases.RotateReport{Rotated: 1, DestroyedSkipped: 2, Batches: 1}); rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
	})
}
