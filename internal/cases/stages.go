package cases

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Move kinds.
const (
	moveForward = "forward"
	moveReturn  = "return_to_shelter"
	moveClose   = "close"
	moveReopen  = "reopen"
)

// CheckMove classifies a move from one stage to another along the referral
// path: forward moves (skipping allowed), a return to shelter from a later
// open stage, closure from any open stage, and reopening a closed case into
// an open stage. Any other move is a conflict.
func CheckMove(from, to string) (string, error) {
	fi, ti := stageIndex(from), stageIndex(to)
	switch {
	case ti < 0:
		return "", apperr.Invalid("stage", "must be one of: "+strings.Join(Stages, ", "))
	case from == to:
		return "", apperr.Conflict("the case is already at this stage", "stage")
	case from == StageClosed:
		return moveReopen, nil
	case to == StageClosed:
		return moveClose, nil
	case ti > fi:
		return moveForward, nil
	case to == StageShelter && fi > stageIndex(StageShelter):
		return moveReturn, nil
	}
	return "", apperr.Conflict("this stage move is not allowed", "stage")
}

// MoveStage moves a case along the referral path, for the owning
// organization (access.RequireOwner). Closing needs a reason
// from the closure reasons; closing and reopening need a supervisor (403
// for others); an illegal move answers a conflict and changes nothing.
func (s *Service) MoveStage(ctx context.Context, id uuid.UUID, in MoveInput) (Case, error) {
	if !contains(Stages, in.Stage) {
		return Case{}, apperr.Invalid("stage", "must be one of: "+strings.Join(Stages, ", "))
	}
	if in.Stage == StageClosed && !contains(ClosureReasons, in.Reason) {
		return Case{}, apperr.Invalid("reason", "closing needs a reason from: "+strings.Join(ClosureReasons, ", "))
	}
	if len([]rune(in.Reason)) > 2000 {
		return Case{}, apperr.Invalid("reason", "must be at most 2000 characters")
	}
	var out Case
	err := s.inCase(ctx, id, "case.move_stage", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		var cur struct {
			Stage  string
			Source string
		}
		if err := tx.Raw(`SELECT stage, source FROM cases WHERE id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
			return err
		}
		kind, err := CheckMove(cur.Stage, in.Stage)
		if err != nil {
			return err
		}
		if kind == moveClose || kind == moveReopen {
			if err := access.RequireRole(p, authz.RoleSupervisor, "only supervisors close and reopen cases", "case.move_stage", id); err != nil {
				return err
			}
		}
		if cur.Source == "import" {
			return apperr.Conflict("imported historical cases cannot be moved")
		}
		switch kind {
		case moveClose:
			err = tx.Exec(`UPDATE cases SET stage = 'closed', status = 'closed', closure_reason = ?, version = version + 1,
				updated_at = now() WHERE id = ?`, in.Reason, id).Error
		case moveReopen:
			err = tx.Exec(`UPDATE cases SET stage = ?, status = 'open', closure_reason = NULL, version = version + 1,
				updated_at = now() WHERE id = ?`, in.Stage, id).Error
		default:
			err = tx.Exec(`UPDATE cases SET stage = ?, version = version + 1, updated_at = now() WHERE id = ?`, in.Stage, id).Error
		}
		if err != nil {
			return err
		}
		moveID := uuid.New()
		var reasonEnc []byte
		var closure *string
		if kind == moveClose {
			closure = &in.Reason
		} else if in.Reason != "" {
			k, err := s.caseKey(tx, id)
			if err != nil {
				return err
			}
			sealer, erased, err := s.openKey(ctx, k)
			if err != nil {
				return err
			}
			if !erased {
				if reasonEnc, err = sealer.Seal([]byte(in.Reason), ad("case_stage_moves", "reason", moveID, k.KeyVersion)); err != nil {
					return err
				}
			}
		}
		if err := tx.Exec(`INSERT INTO case_stage_moves (id, case_id, from_stage, to_stage, reason_enc, closure_reason, moved_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, moveID, id, cur.Stage, in.Stage, reasonEnc, closure, p.UserID).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "case.move_stage", "case", id.String(), audit.Success); err != nil {
			return err
		}
		out, err = s.readOne(ctx, tx, id, rel)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	return out, nil
}

// Stages returns the moves of a case, oldest first.
func (s *Service) Stages(ctx context.Context, id uuid.UUID) ([]StageMove, error) {
	var out []StageMove
	err := s.inCase(ctx, id, "case.read_history", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		var rows []struct {
			ID            uuid.UUID
			FromStage     *string
			ToStage       string
			ReasonEnc     []byte
			ClosureReason *string
			MovedBy       *uuid.UUID
			MovedAt       time.Time
		}
		if err := tx.Raw(`SELECT id, from_stage, to_stage, reason_enc, closure_reason, moved_by, moved_at
			FROM case_stage_moves WHERE case_id = ? ORDER BY moved_at, id`, id).Scan(&rows).Error; err != nil {
			return err
		}
		k, err := s.caseKey(tx, id)
		if err != nil {
			return err
		}
		sealer, _, err := s.openKey(ctx, k)
		if err != nil {
			return err
		}
		out = make([]StageMove, 0, len(rows))
		for _, r := range rows {
			m := StageMove{ID: r.ID, FromStage: r.FromStage, ToStage: r.ToStage, ClosureReason: r.ClosureReason, MovedBy: r.MovedBy, MovedAt: r.MovedAt.UTC()}
			if r.ClosureReason != nil {
				m.Reason = r.ClosureReason
			} else if r.ReasonEnc != nil && sealer != nil && rel.Owner() {
				plain, err := sealer.Open(r.ReasonEnc, ad("case_stage_moves", "reason", r.ID, k.KeyVersion))
				if err != nil {
					return err
				}
				txt := string(plain)
				m.Reason = &txt
			}
			out = append(out, m)
		}
		return audit.Record(ctx, tx, "case.read_history", "case", id.String(), audit.Success)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetPlan returns the needs assessment and assistance plan of a case (an
// empty plan at version 0 when none was written yet), for the owning
// organization (access.RequireOwner).
func (s *Service) GetPlan(ctx context.Context, id uuid.UUID) (Plan, error) {
	var out Plan
	err := s.inCase(ctx, id, "plan.read", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		var err error
		if out, err = s.readPlan(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "plan.read", "case", id.String(), audit.Success)
	})
	if err != nil {
		return Plan{}, err
	}
	return out, nil
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
	if r.PlanEnc == nil {
		return out, nil
	}
	k, err := s.caseKey(tx, id)
	if err != nil {
		return Plan{}, err
	}
	sealer, erased, err := s.openKey(ctx, k)
	if err != nil {
		return Plan{}, err
	}
	if erased {
		return Plan{}, errErased
	}
	plain, err := sealer.Open(r.PlanEnc, ad("case_plans", "plan", id, k.KeyVersion))
	if err != nil {
		return Plan{}, err
	}
	var body PlanInput
	if err := json.Unmarshal(plain, &body); err != nil {
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
		if g.Status == "" {
			g.Status = "open"
		}
		if !contains(GoalStatuses, g.Status) {
			v.Add("goals.status", "must be one of: "+strings.Join(GoalStatuses, ", "))
		}
		if g.ID == "" {
			g.ID = uuid.NewString()
		}
	}
	if err := v.Err(); err != nil {
		return Plan{}, err
	}
	var out Plan
	err := s.inCase(ctx, id, "plan.update", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		var cur struct{ Version int }
		if err := tx.Raw(`SELECT version FROM case_plans WHERE case_id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
			return err
		}
		if cur.Version == 0 && expected != nil && *expected != 0 {
			return web.Stale()
		}
		if cur.Version > 0 {
			if expected == nil {
				return &apperr.Error{Kind: apperr.KindPreconditionRequired, Detail: "send If-Match with the plan's ETag, or version in the body"}
			}
			if *expected != cur.Version {
				return web.Stale()
			}
		}
		k, err := s.caseKey(tx, id)
		if err != nil {
			return err
		}
		sealer, erased, err := s.openKey(ctx, k)
		if err != nil {
			return err
		}
		if erased {
			return errErased
		}
		in.Version = nil
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		enc, err := sealer.Seal(b, ad("case_plans", "plan", id, k.KeyVersion))
		if err != nil {
			return err
		}
		var due []string
		for _, g := range in.Goals {
			if g.DueOn != nil && (g.Status == "open" || g.Status == "in_progress") {
				due = append(due, *g.DueOn)
			}
		}
		sort.Strings(due)
		var next *string
		if len(due) > 0 {
			next = &due[0]
		}
		if err := tx.Exec(`INSERT INTO case_plans (case_id, plan_enc, next_due_on, version, updated_by, updated_at)
			VALUES (?, ?, ?, 1, ?, now())
			ON CONFLICT (case_id) DO UPDATE SET plan_enc = excluded.plan_enc, next_due_on = excluded.next_due_on,
			  version = case_plans.version + 1, updated_by = excluded.updated_by, updated_at = now()`,
			id, enc, next, p.UserID).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "plan.update", "case", id.String(), audit.Success); err != nil {
			return err
		}
		out, err = s.readPlan(ctx, tx, id)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	return out, nil
}

// AccessLog returns who read or changed a case, for the owning
// organization's supervisors (access.RequireOwningSupervisor: forbidden to
// others who see the case, not found to those who do not).
func (s *Service) AccessLog(ctx context.Context, id uuid.UUID, limit int, cursor string) ([]AccessEntry, string, error) {
	var entries []AccessEntry
	var next string
	err := s.inCase(ctx, id, "case.access_log", access.RequireOwningSupervisor, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) error {
		list, nxt, err := audit.List(ctx, tx, audit.Filter{ObjectType: "case", ObjectID: id.String(), Limit: limit, Cursor: cursor})
		if err != nil {
			return apperr.Invalid("cursor", "is not a cursor this service issued")
		}
		next = nxt
		if entries, err = withActorNames(tx, list); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "case.access_log", "case", id.String(), audit.Success)
	})
	if err != nil {
		return nil, "", err
	}
	if entries == nil {
		entries = []AccessEntry{}
	}
	return entries, next, nil
}

// withActorNames adds to each entry the name of its actor's account, in
// one query.
func withActorNames(tx *gorm.DB, list []audit.Entry) ([]AccessEntry, error) {
	var ids []uuid.UUID
	for _, e := range list {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	names := map[uuid.UUID]string{}
	if len(ids) > 0 {
		var rows []struct {
			ID   uuid.UUID
			Name string
		}
		if err := tx.Raw(`SELECT id, name FROM users WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
	}
	out := make([]AccessEntry, len(list))
	for i, e := range list {
		out[i].Entry = e
		if e.ActorID != nil {
			if n, ok := names[*e.ActorID]; ok {
				out[i].ActorName = &n
			}
		}
	}
	return out, nil
}
