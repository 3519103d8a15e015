package cases

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Flag marks a case for attention (a danger, a deadline, a dispute) until
// a date or until a supervisor removes it. Every relation that sees the
// case sees that it is flagged; the reason is the owner's side's only.
type Flag struct {
	ID        uuid.UUID `json:"id"`
	CaseID    uuid.UUID `json:"case_id"`
	Reason    *string   `json:"reason,omitempty"`
	Until     *string   `json:"until"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// FlagInput is the body of POST /cases/{id}/flags.
type FlagInput struct {
	Reason string  `json:"reason" text:"multiline"`
	Until  *string `json:"until,omitempty"`
}

type flagRow struct {
	ID        uuid.UUID
	CaseID    uuid.UUID
	ReasonEnc []byte
	Until     *time.Time
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// flagJSON is a flag as partsSQL writes it (until a date, bytea base64).
type flagJSON struct {
	ID        uuid.UUID `json:"id"`
	CaseID    uuid.UUID `json:"case_id"`
	ReasonEnc []byte    `json:"reason_enc"`
	Until     *string   `json:"until"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// row is f as a flagRow; an until that is not a date is dropped (the
// column's type makes one impossible).
func (f flagJSON) row() flagRow {
	r := flagRow{ID: f.ID, CaseID: f.CaseID, ReasonEnc: f.ReasonEnc, CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt}
	if f.Until != nil {
		if d, err := time.Parse("2006-01-02", *f.Until); err == nil {
			r.Until = &d
		}
	}
	return r
}

// activeFlag is the condition on case_flags f of a flag in force today.
const activeFlag = `f.removed_at IS NULL AND (f.until IS NULL OR f.until >= (now() AT TIME ZONE 'Asia/Bishkek')::date)`

// CreateFlag flags a case, for the owning organization
// (access.RequireOwner); the reason is sealed under the case's data key.
// until, when given, is a date from today on.
func (s *Service) CreateFlag(ctx context.Context, caseID uuid.UUID, in FlagInput, idemKey string, body []byte) (Flag, error) {
	var v apperr.Validation
	if strings.TrimSpace(in.Reason) == "" || !apperr.IsTextWithin(in.Reason, 2000) {
		v.Add("reason", "is required, at most 2000 characters")
	}
	today := s.now().In(Bishkek).Format("2006-01-02")
	if in.Until != nil {
		if _, ok := parseDate(*in.Until); !ok || *in.Until < today {
			v.Add("until", "must be a date written YYYY-MM-DD, from today on")
		}
	}
	if err := v.Err(); err != nil {
		return Flag{}, err
	}
	return access.Act(ctx, s.db, caseID, "flag.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Flag, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/flags", idemKey, body, id)
		if err != nil {
			return Flag{}, err
		}
		if replay == uuid.Nil {
			if err := requireRecordCase(tx, caseID); err != nil {
				return Flag{}, err
			}
			sealer, k, err := s.liveSealer(ctx, tx, caseID)
			if err != nil {
				return Flag{}, err
			}
			enc, err := sealer.Seal([]byte(in.Reason), ad("case_flags", "reason", id, k.KeyVersion))
			if err != nil {
				return Flag{}, err
			}
			if err := tx.Exec(`INSERT INTO case_flags (id, case_id, reason_enc, until, created_by) VALUES (?, ?, ?, ?, ?)`,
				id, caseID, enc, in.Until, p.UserID).Error; err != nil {
				return Flag{}, err
			}
		}
		flags, err := s.readFlags(ctx, tx, []uuid.UUID{caseID}, func(uuid.UUID) bool { return rel.Owner() }, `f.id = ?`, replayOr(replay, id))
		if err != nil {
			return Flag{}, err
		}
		if len(flags[caseID]) == 0 {
			return Flag{}, apperr.Conflict("the idempotency key was used for another case")
		}
		if replay != uuid.Nil {
			return flags[caseID][0], access.ErrReplayed
		}
		return flags[caseID][0], nil
	})
}

func replayOr(replay, id uuid.UUID) uuid.UUID {
	if replay != uuid.Nil {
		return replay
	}
	return id
}

// RemoveFlag removes a flag, for the supervisors of the case's owning
// organization (access.RequireOwningSupervisor); a flag already removed,
// or of a case the caller does not see, is not found.
func (s *Service) RemoveFlag(ctx context.Context, id uuid.UUID) (Flag, error) {
	return access.Do(ctx, s.db, "flag.remove", func(tx *gorm.DB, p reqctx.Principal) (Flag, uuid.UUID, error) {
		var f struct{ CaseID uuid.UUID }
		if err := tx.Raw(`SELECT case_id FROM case_flags WHERE id = ? AND removed_at IS NULL FOR UPDATE`, id).Scan(&f).Error; err != nil {
			return Flag{}, f.CaseID, err
		}
		caseID := f.CaseID
		if caseID == uuid.Nil {
			return Flag{}, caseID, access.NotFound("flag", "flag.remove", "flag", id.String())
		}
		rel, err := checkOf(ctx, tx, caseID, "flag", "flag.remove", id, access.RequireOwningSupervisor)
		if err != nil {
			return Flag{}, caseID, err
		}
		flags, err := s.readFlags(ctx, tx, []uuid.UUID{caseID}, func(uuid.UUID) bool { return rel.Owner() }, `f.id = ?`, id)
		if err != nil {
			return Flag{}, caseID, err
		}
		if err := tx.Exec(`UPDATE case_flags SET removed_by = ?, removed_at = now() WHERE id = ?`, p.UserID, id).Error; err != nil {
			return Flag{}, caseID, err
		}
		var out Flag
		if fs := flags[caseID]; len(fs) > 0 {
			out = fs[0]
		}
		return out, caseID, nil
	})
}

// readFlags reads the flags of cases ids satisfying cond (with args; the
// flags in force when cond is empty), oldest first, by case. reasons says,
// per case, whether the reasons are opened.
func (s *Service) readFlags(ctx context.Context, tx *gorm.DB, ids []uuid.UUID, reasons func(uuid.UUID) bool, cond string, args ...any) (map[uuid.UUID][]Flag, error) {
	if cond == "" {
		cond = activeFlag
	}
	var rows []flagRow
	if err := tx.Raw(`SELECT f.id, f.case_id, f.reason_enc, f.until, f.created_by, f.created_at FROM case_flags f
		WHERE f.case_id IN ? AND `+cond+` ORDER BY f.created_at, f.id`, append([]any{ids}, args...)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return s.openFlags(ctx, rows, reasons, func(id uuid.UUID) (caseKey, error) { return s.caseKey(tx, id) })
}

// openFlags turns flag rows into flags by case, opening the reasons where
// reasons says so with the case's data key from keyOf (asked once a case).
func (s *Service) openFlags(ctx context.Context, rows []flagRow, reasons func(uuid.UUID) bool, keyOf func(uuid.UUID) (caseKey, error)) (map[uuid.UUID][]Flag, error) {
	out := map[uuid.UUID][]Flag{}
	sealers := map[uuid.UUID]*jcrypto.Sealer{}
	keys := map[uuid.UUID]caseKey{}
	for _, r := range rows {
		f := Flag{ID: r.ID, CaseID: r.CaseID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
		if r.Until != nil {
			d := r.Until.Format("2006-01-02")
			f.Until = &d
		}
		if reasons(r.CaseID) {
			sealer, ok := sealers[r.CaseID]
			if !ok {
				k, err := keyOf(r.CaseID)
				if err != nil {
					return nil, err
				}
				var erased bool
				if sealer, erased, err = s.openKey(ctx, k); err != nil {
					return nil, err
				}
				if erased {
					sealer = nil
				}
				sealers[r.CaseID], keys[r.CaseID] = sealer, k
			}
			if sealer != nil {
				reason, err := openText(sealer, r.ReasonEnc, ad("case_flags", "reason", r.ID, keys[r.CaseID].KeyVersion))
				if err != nil {
					return nil, err
				}
				f.Reason = reason
			}
		}
		out[r.CaseID] = append(out[r.CaseID], f)
	}
	return out, nil
}

// checkOf is access.Check for an action on object id (a what, such as a
// flag) of case caseID: a case the caller does not see answers that the
// object is not found, as a missing object does.
func checkOf(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, what, action string, id uuid.UUID, rule access.Rule) (access.Relation, error) {
	rel, err := access.Check(ctx, tx, caseID, action, rule)
	var r *access.Refusal
	if errors.As(err, &r) && r.Outcome == audit.NotFound {
		return rel, access.NotFound(what, action, strings.ReplaceAll(what, "-", "_"), id.String())
	}
	return rel, err
}
