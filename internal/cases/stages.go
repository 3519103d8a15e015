package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
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
	return access.Act(ctx, s.db, id, "case.move_stage", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Case, error) {
		var cur struct {
			Stage  string
			Source string
		}
		if err := tx.Raw(`SELECT stage, source FROM cases WHERE id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
			return Case{}, err
		}
		kind, err := CheckMove(cur.Stage, in.Stage)
		if err != nil {
			return Case{}, err
		}
		if kind == moveClose {
			if err := closureNeedsApproval(tx, p, id); err != nil {
				return Case{}, err
			}
		}
		if kind == moveReopen {
			if err := access.RequireRole(p, authz.RoleSupervisor, "only supervisors close and reopen cases", "case.move_stage", id); err != nil {
				return Case{}, err
			}
		}
		if cur.Source == "import" {
			return Case{}, apperr.Conflict("imported historical cases cannot be moved")
		}
		if err := s.move(ctx, tx, p, id, cur.Stage, kind, in); err != nil {
			return Case{}, err
		}
		return s.readOne(ctx, tx, id, rel)
	})
}

// stageUpdates are the changes of the cases row a kind of move makes
// (@stage the new stage, @reason the closure reason).
var stageUpdates = map[string]string{
	moveClose:   `stage = 'closed', status = 'closed', closure_reason = @reason`,
	moveReopen:  `stage = @stage, status = 'open', closure_reason = NULL`,
	moveForward: `stage = @stage`,
	moveReturn:  `stage = @stage`,
}

// move moves case id from stage from as in says (a move of kind) and
// records the move, its reason sealed unless it closes the case.
func (s *Service) move(ctx context.Context, tx *gorm.DB, p reqctx.Principal, id uuid.UUID, from, kind string, in MoveInput) error {
	if err := tx.Exec(`UPDATE cases SET `+stageUpdates[kind]+`, version = version + 1, updated_at = now() WHERE id = @id`,
		map[string]any{"stage": in.Stage, "reason": in.Reason, "id": id}).Error; err != nil {
		return err
	}
	moveID := uuid.New()
	var reasonEnc []byte
	var closure *string
	if kind == moveClose {
		closure = &in.Reason
	} else if in.Reason != "" {
		sealer, k, erased, err := s.caseSealer(ctx, tx, id)
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
		VALUES (?, ?, ?, ?, ?, ?, ?)`, moveID, id, from, in.Stage, reasonEnc, closure, p.UserID).Error; err != nil {
		return err
	}
	if in.Stage == StageReintegration {
		return s.planFollowUps(tx, p, id)
	}
	return nil
}

// Stages returns the moves of a case, oldest first.
func (s *Service) Stages(ctx context.Context, id uuid.UUID) ([]StageMove, error) {
	return access.Act(ctx, s.db, id, "case.read_history", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) ([]StageMove, error) {
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
			return nil, err
		}
		sealer, k, _, err := s.caseSealer(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out := make([]StageMove, 0, len(rows))
		for _, r := range rows {
			m := StageMove{ID: r.ID, FromStage: r.FromStage, ToStage: r.ToStage, ClosureReason: r.ClosureReason, MovedBy: r.MovedBy, MovedAt: r.MovedAt.UTC()}
			if r.ClosureReason != nil {
				m.Reason = r.ClosureReason
			} else if r.ReasonEnc != nil && sealer != nil && rel.Owner() {
				if m.Reason, err = openText(sealer, r.ReasonEnc, ad("case_stage_moves", "reason", r.ID, k.KeyVersion)); err != nil {
					return nil, err
				}
			}
			out = append(out, m)
		}
		return out, nil
	})
}
