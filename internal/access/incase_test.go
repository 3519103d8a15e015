package access_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/seed"
)

// world is a case of Sezim assigned to Sezim's caseworker, and the
// callers around it.
type world struct {
	d                    *dbtest.DB
	caseID               uuid.UUID
	sup, worker, outside reqctx.Principal
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.New(t)
	if err := seed.Demo(context.Background(), d.App, passwd.NewHasher(1), true); err != nil {
		t.Fatal(err)
	}
	w := &world{d: d, caseID: uuid.New()}
	principal := func(email string) reqctx.Principal { return d.Principal(t, email) }
	w.sup, w.worker, w.outside = principal("supervisor@sezim.kg"), principal("caseworker@sezim.kg"), principal("caseworker@akzhurok.kg")
	d.Exec(t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at)
		VALUES ($1, 'SEZIM-2025-0901', $2, $2, 'identification', 'open', now())`, w.caseID, w.sup.OrganizationID)
	d.Exec(t, `INSERT INTO case_assignments (case_id, user_id, assigned_by) VALUES ($1, $2, $2)`, w.caseID, w.worker.UserID)
	return w
}

func (w *world) audited(t *testing.T, action, outcome string) int64 {
	t.Helper()
	return w.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = $1 AND outcome = $2 AND object_id = $3`,
		action, outcome, w.caseID.String())
}

// mark writes a row the test can look for, to see whether a refused
// action's writes stayed.
func mark(tx *gorm.DB, p reqctx.Principal, text string) error {
	return tx.Exec(`INSERT INTO notifications (user_id, kind, ref_code, link) VALUES (?, 'test', ?, '/')`, p.UserID, text).Error
}

func TestInCaseAppliesTheRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name    string
		p       reqctx.Principal
		rule    access.Rule
		want    apperr.Kind // 0 (internal) stands for "allowed"
		outcome string
		kind    access.Kind
	}{
		{"SupervisorOfTheOwnerReadsTheAccessLog", w.sup, access.RequireOwningSupervisor, -1, "", access.Supervising},
		{"AssignedWorkerChangesTheCase", w.worker, access.RequireOwner, -1, "", access.Assigned},
		{"AssignedWorkerMayNotReadTheAccessLog", w.worker, access.RequireOwningSupervisor, apperr.KindForbidden, "denied", 0},
		{"AnotherOrganizationDoesNotSeeTheCase", w.outside, access.SeeCase, apperr.KindNotFound, "not_found", 0},
		{"AnotherOrganizationMayNotChangeWhatItDoesNotSee", w.outside, access.RequireOwner, apperr.KindNotFound, "not_found", 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			action := fmt.Sprintf("test.rule_%c", 'a'+i)
			ctx := reqctx.WithPrincipal(context.Background(), tc.p)
			ran := false
			err := access.InCase(ctx, w.d.App, w.caseID, action, tc.rule, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
				ran = true
				if rel.Kind != tc.kind {
					t.Errorf("relation %d, want %d", rel.Kind, tc.kind)
				}
				return nil
			})
			if tc.want == -1 {
				if err != nil || !ran {
					t.Fatalf("allowed action: ran %v, err %v", ran, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if ran || !ok || e.Kind != tc.want {
				t.Fatalf("refused action: ran %v, err %v", ran, err)
			}
			if n := w.audited(t, action, tc.outcome); n != 1 {
				t.Fatalf("%d audit entries with outcome %s, want 1", n, tc.outcome)
			}
		})
	}
}

func TestARefusalRollsBackWhatTheActionWrote(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := reqctx.WithPrincipal(context.Background(), w.worker)
	err := access.InCase(ctx, w.d.App, w.caseID, "case.move_stage", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) error {
		if err := mark(tx, p, "half-written"); err != nil {
			return err
		}
		return access.RequireRole(p, authz.RoleSupervisor, "only supervisors close and reopen cases", "case.move_stage", w.caseID)
	})
	if !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("got %v, want forbidden", err)
	}
	if n := w.d.Count(t, `SELECT count(*) FROM notifications WHERE ref_code = 'half-written'`); n != 0 {
		t.Fatal("the refused action's write stayed")
	}
	if n := w.audited(t, "case.move_stage", "denied"); n != 1 {
		t.Fatalf("%d denied entries, want 1", n)
	}
}

func TestSenderReadsTheNoteAsOwner(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	unassigned := w.worker
	unassigned.UserID = uuid.New()
	r := access.Referral{CaseID: w.caseID, From: w.sup.OrganizationID, To: w.outside.OrganizationID}
	for _, tc := range []struct {
		name string
		p    reqctx.Principal
		want bool
	}{{"Supervisor", w.sup, true}, {"AssignedWorker", w.worker, true}, {"UnassignedWorker", unassigned, false}} {
		var got bool
		ctx := reqctx.WithPrincipal(context.Background(), tc.p)
		err := access.InTx(ctx, w.d.App, func(tx *gorm.DB, p reqctx.Principal) error {
			var err error
			got, err = access.MayReadReferralNote(ctx, tx, p, r)
			return err
		})
		if err != nil || got != tc.want {
			t.Errorf("%s: reads the note %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}
