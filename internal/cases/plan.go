package cases

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// GetPlan returns the needs assessment and assistance plan of a case (an
// empty plan at version 0 when none was written yet), for the owning
// organization (access.RequireOwner).
func (s *Service) GetPlan(ctx context.Context, id uuid.UUID) (Plan, error) {
	return access.Act(ctx, s.db, id, "plan.read", access.RequireOwner, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) (Plan, error) {
		return s.readPlan(ctx, tx, id)
	})
}

func (s *Service) readPlan(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Plan, error) {
	var r struct {
		PlanEnc   []byte
		Version   int
		UpdatedBy *uuid.UUID
		UpdatedAt *time.Time
	}
	if err := tx.Raw(`SELECT plan_enc, version, updated_by, updated_at FROM case_plans WHERE case_id = ?`, id).Scan(&r).Error; err != nil {
		return Plan{}, err
	}
	out := Plan{Goals: []Goal{}, Version: r.Version, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt}
	var ap struct {
		PlanVersion *int
		DecidedAt   *time.Time
	}
	if err := tx.Raw(`SELECT plan_version, decided_at FROM case_approvals
		WHERE case_id = ? AND kind = 'plan' AND status = 'approved' ORDER BY decided_at DESC LIMIT 1`, id).Scan(&ap).Error; err != nil {
		return Plan{}, err
	}
	out.ApprovedVersion, out.ApprovedAt = ap.PlanVersion, utc(ap.DecidedAt)
	out.Approved = ap.PlanVersion != nil && *ap.PlanVersion == r.Version
	if r.PlanEnc == nil {
		return out, nil
	}
	sealer, k, err := s.liveSealer(ctx, tx, id)
	if err != nil {
		return Plan{}, err
	}
	var body PlanInput
	if err := openJSON(sealer, r.PlanEnc, ad("case_plans", "plan", id, k.KeyVersion), &body); err != nil {
		return Plan{}, err
	}
	out.NeedsAssessment, out.Goals = body.NeedsAssessment, body.Goals
	if out.Goals == nil {
		out.Goals = []Goal{}
	}
	if out.UpdatedAt != nil {
		t := out.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	return out, nil
}

// PutPlan replaces the plan, for the owning organization
// (access.RequireOwner). A plan that exists needs its version (If-Match or
// version); the first needs none.
func (s *Service) PutPlan(ctx context.Context, id uuid.UUID, expected *int, in PlanInput) (Plan, error) {
	if err := validatePlan(&in); err != nil {
		return Plan{}, err
	}
	return access.Act(ctx, s.db, id, "plan.update", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Plan, error) {
		if err := checkPlanVersion(tx, id, expected); err != nil {
			return Plan{}, err
		}
		sealer, k, err := s.liveSealer(ctx, tx, id)
		if err != nil {
			return Plan{}, err
		}
		in.Version = nil
		b, err := json.Marshal(in)
		if err != nil {
			return Plan{}, err
		}
		enc, err := sealer.Seal(b, ad("case_plans", "plan", id, k.KeyVersion))
		if err != nil {
			return Plan{}, err
		}
		if err := tx.Exec(`INSERT INTO case_plans (case_id, plan_enc, next_due_on, version, updated_by, updated_at)
			VALUES (?, ?, ?, 1, ?, now())
			ON CONFLICT (case_id) DO UPDATE SET plan_enc = excluded.plan_enc, next_due_on = excluded.next_due_on,
			  version = case_plans.version + 1, updated_by = excluded.updated_by, updated_at = now()`,
			id, enc, nextDue(in.Goals), p.UserID).Error; err != nil {
			return Plan{}, err
		}
		return s.readPlan(ctx, tx, id)
	})
}

// validatePlan checks a plan and fills each goal's defaults (status open,
// a new id).
func validatePlan(in *PlanInput) error {
	var v apperr.Validation
	if len([]rune(in.NeedsAssessment)) > 20000 {
		v.Add("needs_assessment", "must be at most 20000 characters")
	}
	if len(in.Goals) > 100 {
		v.Add("goals", "must list at most 100 goals")
	}
	for i := range in.Goals {
		g := &in.Goals[i]
		if strings.TrimSpace(g.Text) == "" || len([]rune(g.Text)) > 2000 {
			v.Add("goals.text", "is required, at most 2000 characters")
		}
		if g.DueOn != nil {
			if _, ok := parseDate(*g.DueOn); !ok {
				v.Add("goals.due_on", "must be a date written YYYY-MM-DD")
			}
		}
		checkEnum(&v, "goals.need", g.Need, NeedsDomains)
		g.Status = cmp.Or(g.Status, "open")
		if !contains(GoalStatuses, g.Status) {
			v.Add("goals.status", "must be one of: "+strings.Join(GoalStatuses, ", "))
		}
		g.ID = cmp.Or(g.ID, uuid.NewString())
	}
	return v.Err()
}

// checkPlanVersion locks the plan of case id and checks the version the
// caller expects: none, or 0, for a plan not written yet; the current one
// otherwise (412 when stale, 428 when not sent).
func checkPlanVersion(tx *gorm.DB, id uuid.UUID, expected *int) error {
	var cur struct{ Version int }
	if err := tx.Raw(`SELECT version FROM case_plans WHERE case_id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
		return err
	}
	switch {
	case cur.Version == 0 && expected != nil && *expected != 0:
		return web.Stale()
	case cur.Version > 0 && expected == nil:
		return &apperr.Error{Kind: apperr.KindPreconditionRequired, Detail: "send If-Match with the plan's ETag, or version in the body"}
	case cur.Version > 0 && *expected != cur.Version:
		return web.Stale()
	}
	return nil
}

// nextDue is the earliest due date of the goals still open or in
// progress, nil when none has one.
func nextDue(goals []Goal) *string {
	var due []string
	for _, g := range goals {
		if g.DueOn != nil && (g.Status == "open" || g.Status == "in_progress") {
			due = append(due, *g.DueOn)
		}
	}
	if len(due) == 0 {
		return nil
	}
	first := slices.Min(due)
	return &first
}
