package cases

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// FollowUpKinds are the ways of following a person up.
var FollowUpKinds = []string{"visit", "call", "message"}

// FollowUp is a planned contact with the person after reintegration.
type FollowUp struct {
	ID         uuid.UUID  `json:"id"`
	CaseID     uuid.UUID  `json:"case_id"`
	PlannedOn  string     `json:"planned_on"`
	Kind       string     `json:"kind"`
	AssignedTo *uuid.UUID `json:"assigned_to"`
	// Months is set on the follow-ups planned on reaching reintegration:
	// how many months after it.
	Months  *int    `json:"months"`
	DoneOn  *string `json:"done_on"`
	Outcome *string `json:"outcome,omitempty"`
	// AssessmentID is the latest assessment made at this follow-up.
	AssessmentID *uuid.UUID `json:"assessment_id"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// FollowUpInput is the body of POST /cases/{id}/follow-ups and the fields a
// PATCH of a follow-up may name.
type FollowUpInput struct {
	PlannedOn  *string    `json:"planned_on,omitempty"`
	Kind       *string    `json:"kind,omitempty"`
	AssignedTo *uuid.UUID `json:"assigned_to,omitempty"`
	DoneOn     *string    `json:"done_on,omitempty"`
	Outcome    *string    `json:"outcome,omitempty" text:"multiline"`
	Version    *int       `json:"version,omitempty"`
}

// check validates the fields given; complete also asks for what a new
// follow-up needs (a planned date and a kind).
func (in FollowUpInput) check(complete bool, today string) error {
	var v apperr.Validation
	if complete && in.PlannedOn == nil {
		v.Add("planned_on", "is required")
	}
	if complete && in.Kind == nil {
		v.Add("kind", "is required")
	}
	if in.PlannedOn != nil {
		if _, ok := parseDate(*in.PlannedOn); !ok {
			v.Add("planned_on", "must be a date written YYYY-MM-DD")
		}
	}
	checkEnum(&v, "kind", in.Kind, FollowUpKinds)
	if in.DoneOn != nil {
		if _, ok := parseDate(*in.DoneOn); !ok || *in.DoneOn > today {
			v.Add("done_on", "must be a date written YYYY-MM-DD, not in the future")
		}
	}
	checkText(&v, "outcome", in.Outcome, 4000)
	if in.Outcome != nil && in.DoneOn == nil && complete {
		v.Add("done_on", "an outcome is given with the day it was done")
	}
	return v.Err()
}

type followUpRow struct {
	ID           uuid.UUID
	CaseID       uuid.UUID
	PlannedOn    time.Time
	Kind         string
	AssignedTo   *uuid.UUID
	Months       *int
	DoneOn       *time.Time
	OutcomeEnc   []byte
	AssessmentID *uuid.UUID
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const followUpColumns = `f.id, f.case_id, f.planned_on, f.kind, f.assigned_to, f.months, f.done_on, f.outcome_enc,
	(SELECT a.id FROM case_assessments a WHERE a.follow_up_id = f.id ORDER BY a.created_at DESC LIMIT 1) AS assessment_id,
	f.version, f.created_at, f.updated_at`

func (s *Service) today() string { return s.now().In(Bishkek).Format("2006-01-02") }

// CreateFollowUp plans a follow-up of a case, for the owning
// organization's side (access.RequireOwner). The worker it is assigned to
// (the caller by default) must be one of the organization's active
// accounts.
func (s *Service) CreateFollowUp(ctx context.Context, caseID uuid.UUID, in FollowUpInput, idemKey string, body []byte) (FollowUp, error) {
	if in.Version != nil {
		return FollowUp{}, apperr.Invalid("version", "is set by the service")
	}
	if err := in.check(true, s.today()); err != nil {
		return FollowUp{}, err
	}
	return access.Act(ctx, s.db, caseID, "follow_up.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (FollowUp, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/follow-ups", idemKey, body, id)
		if err != nil {
			return FollowUp{}, err
		}
		if replay != uuid.Nil {
			out, err := s.readFollowUp(ctx, tx, replay)
			if err == nil && out.CaseID != caseID {
				err = apperr.Conflict("the idempotency key was used for another case")
			}
			if err != nil {
				return FollowUp{}, err
			}
			return out, access.ErrReplayed
		}
		if err := requireRecordCase(tx, caseID); err != nil {
			return FollowUp{}, err
		}
		who := p.UserID
		if in.AssignedTo != nil {
			who = *in.AssignedTo
		}
		if err := checkWorker(tx, rel.OwnerOrgID, who); err != nil {
			return FollowUp{}, err
		}
		if err := tx.Exec(`INSERT INTO case_follow_ups (id, case_id, planned_on, kind, assigned_to, created_by)
			VALUES (?, ?, ?, ?, ?, ?)`, id, caseID, *in.PlannedOn, *in.Kind, who, p.UserID).Error; err != nil {
			return FollowUp{}, err
		}
		if in.DoneOn != nil || in.Outcome != nil {
			if err := s.writeOutcome(ctx, tx, caseID, id, in); err != nil {
				return FollowUp{}, err
			}
		}
		return s.readFollowUp(ctx, tx, id)
	})
}

// checkWorker refuses (400 naming assigned_to) an account that is not an
// active caseworker or supervisor of organization org.
func checkWorker(tx *gorm.DB, org, user uuid.UUID) error {
	var ok bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND organization_id = ? AND disabled_at IS NULL
		AND role IN ('caseworker', 'supervisor'))`, user, org).Scan(&ok).Error; err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("assigned_to", "must be an active worker of the case's organization")
	}
	return nil
}

// writeOutcome records the done day and the sealed outcome of follow-up
// id, as given.
func (s *Service) writeOutcome(ctx context.Context, tx *gorm.DB, caseID, id uuid.UUID, in FollowUpInput) error {
	var enc []byte
	if in.Outcome != nil && *in.Outcome != "" {
		sealer, k, err := s.liveSealer(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if enc, err = sealer.Seal([]byte(*in.Outcome), ad("case_follow_ups", "outcome", id, k.KeyVersion)); err != nil {
			return err
		}
	}
	return tx.Exec(`UPDATE case_follow_ups SET done_on = ?, outcome_enc = ? WHERE id = ?`, in.DoneOn, enc, id).Error
}

// ListFollowUps returns the follow-ups of a case by planned date, for the
// owning organization's side (access.RequireOwner).
func (s *Service) ListFollowUps(ctx context.Context, caseID uuid.UUID) ([]FollowUp, error) {
	return access.Act(ctx, s.db, caseID, "follow_up.list", access.RequireOwner, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]FollowUp, error) {
		var rows []followUpRow
		if err := tx.Raw(`SELECT `+followUpColumns+` FROM case_follow_ups f WHERE f.case_id = ? ORDER BY f.planned_on, f.id`,
			caseID).Scan(&rows).Error; err != nil {
			return nil, err
		}
		return s.openFollowUps(ctx, tx, caseID, rows)
	})
}

// UpdateFollowUp applies a merge patch to follow-up id at version
// expected (412 when stale), for the owning organization's side of its
// case (access.RequireOwner; a follow-up of a case the caller does not see
// is not found).
func (s *Service) UpdateFollowUp(ctx context.Context, id uuid.UUID, expected int, patch map[string]json.RawMessage) (FollowUp, error) {
	return access.Do(ctx, s.db, "follow_up.update", func(tx *gorm.DB, p reqctx.Principal) (FollowUp, uuid.UUID, error) {
		var cur followUpRow
		if err := tx.Raw(`SELECT `+followUpColumns+` FROM case_follow_ups f WHERE f.id = ? FOR UPDATE`, id).Scan(&cur).Error; err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		if cur.ID == uuid.Nil {
			return FollowUp{}, uuid.Nil, access.NotFound("follow-up", "follow_up.update", "follow_up", id.String())
		}
		rel, err := checkOf(ctx, tx, cur.CaseID, "follow-up", "follow_up.update", id, access.RequireOwner)
		if err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		if cur.Version != expected {
			return FollowUp{}, cur.CaseID, web.Stale()
		}
		now, err := s.openFollowUps(ctx, tx, cur.CaseID, []followUpRow{cur})
		if err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		f := now[0]
		in, err := web.ApplyMergePatch[FollowUpInput](FollowUpInput{PlannedOn: &f.PlannedOn, Kind: &f.Kind, AssignedTo: f.AssignedTo,
			DoneOn: f.DoneOn, Outcome: f.Outcome}, patch)
		if err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		if err := in.check(true, s.today()); err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		if in.AssignedTo != nil && (f.AssignedTo == nil || *in.AssignedTo != *f.AssignedTo) {
			if err := checkWorker(tx, rel.OwnerOrgID, *in.AssignedTo); err != nil {
				return FollowUp{}, cur.CaseID, err
			}
		}
		if err := tx.Exec(`UPDATE case_follow_ups SET planned_on = ?, kind = ?, assigned_to = ?, version = version + 1,
				updated_at = now() WHERE id = ?`, *in.PlannedOn, *in.Kind, in.AssignedTo, id).Error; err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		if err := s.writeOutcome(ctx, tx, cur.CaseID, id, in); err != nil {
			return FollowUp{}, cur.CaseID, err
		}
		out, err := s.readFollowUp(ctx, tx, id)
		return out, cur.CaseID, err
	})
}

// readFollowUp reads follow-up id, its outcome opened.
func (s *Service) readFollowUp(ctx context.Context, tx *gorm.DB, id uuid.UUID) (FollowUp, error) {
	var r followUpRow
	if err := tx.Raw(`SELECT `+followUpColumns+` FROM case_follow_ups f WHERE f.id = ?`, id).Scan(&r).Error; err != nil {
		return FollowUp{}, err
	}
	out, err := s.openFollowUps(ctx, tx, r.CaseID, []followUpRow{r})
	if err != nil {
		return FollowUp{}, err
	}
	return out[0], nil
}

// openFollowUps converts rows of case caseID, their outcomes opened.
func (s *Service) openFollowUps(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, rows []followUpRow) ([]FollowUp, error) {
	out := make([]FollowUp, 0, len(rows))
	var sealer *jcrypto.Sealer
	var k caseKey
	for _, r := range rows {
		f := FollowUp{ID: r.ID, CaseID: r.CaseID, PlannedOn: r.PlannedOn.Format("2006-01-02"), Kind: r.Kind,
			AssignedTo: r.AssignedTo, Months: r.Months, AssessmentID: r.AssessmentID, Version: r.Version,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		if r.DoneOn != nil {
			d := r.DoneOn.Format("2006-01-02")
			f.DoneOn = &d
		}
		if r.OutcomeEnc != nil {
			if sealer == nil {
				var erased bool
				var err error
				if sealer, k, erased, err = s.caseSealer(ctx, tx, caseID); err != nil {
					return nil, err
				}
				if erased {
					out = append(out, f)
					sealer = nil
					continue
				}
			}
			var err error
			if f.Outcome, err = openText(sealer, r.OutcomeEnc, ad("case_follow_ups", "outcome", r.ID, k.KeyVersion)); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// planFollowUps plans, for case id reaching reintegration, a follow-up at
// each configured month after today, assigned to the caller, unless
// follow-ups were planned on an earlier arrival at reintegration.
func (s *Service) planFollowUps(tx *gorm.DB, p reqctx.Principal, id uuid.UUID) error {
	var planned bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM case_follow_ups WHERE case_id = ? AND months IS NOT NULL)`, id).Scan(&planned).Error; err != nil || planned {
		return err
	}
	today := s.now().In(Bishkek)
	months := slices.Clone(s.set.FollowUpMonths)
	slices.Sort(months)
	for _, m := range slices.Compact(months) {
		if err := tx.Exec(`INSERT INTO case_follow_ups (id, case_id, planned_on, kind, assigned_to, months, created_by)
			VALUES (?, ?, ?, 'visit', ?, ?, ?)`, uuid.New(), id, today.AddDate(0, m, 0).Format("2006-01-02"), p.UserID, m,
			p.UserID).Error; err != nil {
			return err
		}
	}
	return nil
}

// checkFollowUpOfCase refuses (400 naming follow_up_id) a follow-up that
// is not one of case caseID's.
func checkFollowUpOfCase(tx *gorm.DB, caseID, id uuid.UUID) error {
	var ok bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM case_follow_ups WHERE id = ? AND case_id = ?)`, id, caseID).Scan(&ok).Error; err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("follow_up_id", "must be a follow-up of this case")
	}
	return nil
}
