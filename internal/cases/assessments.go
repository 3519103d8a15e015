package cases

import (
	"cmp"
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
)

// Assessment is one dated, structured assessment of a case: its answers
// to a versioned definition and what they give.
type Assessment struct {
	ID                uuid.UUID                   `json:"id"`
	CaseID            uuid.UUID                   `json:"case_id"`
	Kind              string                      `json:"kind"`
	DefinitionVersion int                         `json:"definition_version"`
	AssessedOn        string                      `json:"assessed_on"`
	Answers           map[string]AssessmentAnswer `json:"answers"`
	Note              *string                     `json:"note,omitempty"`
	// Level is a safety assessment's level (low, medium, high): the
	// worker's, or the one the indicators suggest. The latest safety
	// assessment sets the case's risk_level.
	Level           *string            `json:"level,omitempty"`
	Score           float64            `json:"score"`
	DimensionScores map[string]float64 `json:"dimension_scores,omitempty"`
	FollowUpID      *uuid.UUID         `json:"follow_up_id,omitempty"`
	CreatedBy       uuid.UUID          `json:"created_by"`
	CreatedAt       time.Time          `json:"created_at"`
}

// AssessmentInput is the body of POST /cases/{id}/assessments.
type AssessmentInput struct {
	Kind string `json:"kind"`
	// DefinitionVersion defaults to the kind's current version.
	DefinitionVersion int                         `json:"definition_version,omitempty"`
	AssessedOn        *string                     `json:"assessed_on,omitempty"`
	Answers           map[string]AssessmentAnswer `json:"answers"`
	Level             *string                     `json:"level,omitempty"`
	Note              *string                     `json:"note,omitempty" text:"multiline"`
	// FollowUpID names the follow-up of the case the assessment was made at.
	FollowUpID *uuid.UUID `json:"follow_up_id,omitempty"`
}

// assessmentTexts are the free-text parts of an assessment, sealed under
// the case's data key as one document.
type assessmentTexts struct {
	Note  *string           `json:"note,omitempty"`
	Notes map[string]string `json:"notes,omitempty"`
}

// assessmentRow is an assessment as stored: the answers without their
// notes in clear (so that figures can be computed), the notes sealed.
type assessmentRow struct {
	ID                uuid.UUID
	CaseID            uuid.UUID
	Kind              string
	DefinitionVersion int
	AssessedOn        time.Time
	Answers           []byte
	Level             *string
	Score             float64
	DimensionScores   []byte
	TextsEnc          []byte
	FollowUpID        *uuid.UUID
	CreatedBy         uuid.UUID
	CreatedAt         time.Time
}

const assessmentColumns = `id, case_id, kind, definition_version, assessed_on, answers, level, score, dimension_scores,
	texts_enc, follow_up_id, created_by, created_at`

// checkAssessment validates an assessment against its definition and
// returns the definition and what the answers give. An unknown kind or
// version answers 400 naming kind or definition_version; a wrong answer
// names its field, such as answers.housing.score.
func checkAssessment(in *AssessmentInput, now time.Time) (AssessmentDefinition, AssessmentResult, error) {
	if !slices.Contains(AssessmentKinds, in.Kind) {
		return AssessmentDefinition{}, AssessmentResult{}, apperr.Invalid("kind", "must be one of: "+kindList)
	}
	d, ok := definition(in.Kind, in.DefinitionVersion)
	if !ok {
		return d, AssessmentResult{}, apperr.Invalid("definition_version", "is not a version of this kind")
	}
	var v apperr.Validation
	d.check(&v, in.Answers)
	checkText(&v, "note", in.Note, 20000)
	if in.AssessedOn != nil {
		if t, ok := parseDate(*in.AssessedOn); !ok || t.After(now) {
			v.Add("assessed_on", "must be a date written YYYY-MM-DD, not in the future")
		}
	}
	if in.Level != nil && (in.Kind != AssessmentSafety || !slices.Contains(RiskLevels, *in.Level)) {
		v.Add("level", "is given for a safety assessment only, one of: low, medium, high")
	}
	if err := v.Err(); err != nil {
		return d, AssessmentResult{}, err
	}
	res := d.result(in.Answers)
	if in.Kind == AssessmentSafety {
		res.Level = cmp.Or(in.Level, res.Level)
	}
	return d, res, nil
}

// CreateAssessment records an assessment of a case, for the owning
// organization (access.RequireOwner). A safety assessment that is the
// latest by its date sets the case's risk level (and moves the case's
// version on). Imported cases take no assessment (409).
func (s *Service) CreateAssessment(ctx context.Context, caseID uuid.UUID, in AssessmentInput, idemKey string, body []byte) (Assessment, error) {
	now := s.now()
	d, res, err := checkAssessment(&in, now)
	if err != nil {
		return Assessment{}, err
	}
	on := cmp.Or(in.AssessedOn, ptr(now.In(Bishkek).Format("2006-01-02")))
	return access.Act(ctx, s.db, caseID, "assessment.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Assessment, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/assessments", idemKey, body, id)
		if err != nil {
			return Assessment{}, err
		}
		if replay != uuid.Nil {
			out, err := s.readAssessments(ctx, tx, caseID, "", replay)
			if err != nil {
				return Assessment{}, err
			}
			if len(out) == 0 {
				return Assessment{}, apperr.Conflict("the idempotency key was used for another case")
			}
			return out[0], access.ErrReplayed
		}
		if err := requireRecordCase(tx, caseID); err != nil {
			return Assessment{}, err
		}
		if in.FollowUpID != nil {
			if err := checkFollowUpOfCase(tx, caseID, *in.FollowUpID); err != nil {
				return Assessment{}, err
			}
		}
		texts, clear := splitAnswers(in)
		var enc []byte
		if texts.Note != nil || len(texts.Notes) > 0 {
			sealer, k, err := s.liveSealer(ctx, tx, caseID)
			if err != nil {
				return Assessment{}, err
			}
			if enc, err = sealJSON(sealer, texts, ad("case_assessments", "texts", id, k.KeyVersion)); err != nil {
				return Assessment{}, err
			}
		}
		answers, _ := json.Marshal(clear)
		var dims []byte
		if res.Dimensions != nil {
			dims, _ = json.Marshal(res.Dimensions)
		}
		if err := tx.Exec(`INSERT INTO case_assessments (id, case_id, kind, definition_version, assessed_on, answers, level,
				score, dimension_scores, texts_enc, follow_up_id, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, caseID, in.Kind, d.Version, *on, answers, res.Level,
			res.Score, dims, enc, in.FollowUpID, p.UserID).Error; err != nil {
			return Assessment{}, err
		}
		if in.Kind == AssessmentSafety {
			if err := followLatestSafety(tx, caseID); err != nil {
				return Assessment{}, err
			}
		}
		out, err := s.readAssessments(ctx, tx, caseID, "", id)
		if err != nil {
			return Assessment{}, err
		}
		return out[0], nil
	})
}

func ptr[T any](v T) *T { return &v }

// requireRecordCase refuses (409) an imported historical case, which
// holds statistics only.
func requireRecordCase(tx *gorm.DB, caseID uuid.UUID) error {
	var src string
	if err := tx.Raw(`SELECT source FROM cases WHERE id = ?`, caseID).Scan(&src).Error; err != nil {
		return err
	}
	if src == "import" {
		return apperr.Conflict("imported historical cases hold statistics only")
	}
	return nil
}

// followLatestSafety sets the risk level of case caseID to the level of
// its latest safety assessment (by assessed date, then recording time),
// moving the case's version on when it changes.
func followLatestSafety(tx *gorm.DB, caseID uuid.UUID) error {
	return tx.Exec(`UPDATE cases c SET risk_level = l.level, version = c.version + 1, updated_at = now()
		FROM (SELECT level FROM case_assessments WHERE case_id = @case AND kind = 'safety'
		      ORDER BY assessed_on DESC, created_at DESC LIMIT 1) l
		WHERE c.id = @case AND c.risk_level IS DISTINCT FROM l.level`, map[string]any{"case": caseID}).Error
}

// splitAnswers separates an assessment's free-text parts (sealed) from its
// answers (kept in clear without their notes).
func splitAnswers(in AssessmentInput) (assessmentTexts, map[string]AssessmentAnswer) {
	texts := assessmentTexts{Note: in.Note}
	clear := make(map[string]AssessmentAnswer, len(in.Answers))
	for k, a := range in.Answers {
		if a.Note != nil && *a.Note != "" {
			if texts.Notes == nil {
				texts.Notes = map[string]string{}
			}
			texts.Notes[k] = *a.Note
		}
		a.Note = nil
		clear[k] = a
	}
	return texts, clear
}

// sealJSON seals v, as JSON, under a.
func sealJSON(sealer *jcrypto.Sealer, v any, a jcrypto.AD) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return sealer.Seal(b, a)
}

// ListAssessments returns the assessments of a case, newest first (by
// assessed date), of one kind when kind is set, for the owning
// organization (access.RequireOwner).
func (s *Service) ListAssessments(ctx context.Context, caseID uuid.UUID, kind string) ([]Assessment, error) {
	if kind != "" && !slices.Contains(AssessmentKinds, kind) {
		return nil, apperr.Invalid("kind", "must be one of: "+kindList)
	}
	return access.Act(ctx, s.db, caseID, "assessment.list", access.RequireOwner, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]Assessment, error) {
		return s.readAssessments(ctx, tx, caseID, kind, uuid.Nil)
	})
}

// readAssessments reads the assessments of case caseID (of one kind when
// kind is set, the one with id id when id is set), newest first, their
// notes opened.
func (s *Service) readAssessments(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, kind string, id uuid.UUID) ([]Assessment, error) {
	var rows []assessmentRow
	q := tx.Raw(`SELECT `+assessmentColumns+` FROM case_assessments WHERE case_id = @case
			AND (@kind = '' OR kind = @kind) AND (@id = CAST('00000000-0000-0000-0000-000000000000' AS uuid) OR id = @id)
		ORDER BY assessed_on DESC, created_at DESC, id DESC`, map[string]any{"case": caseID, "kind": kind, "id": id})
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Assessment, 0, len(rows))
	var sealer *jcrypto.Sealer
	var k caseKey
	for _, r := range rows {
		a := Assessment{ID: r.ID, CaseID: r.CaseID, Kind: r.Kind, DefinitionVersion: r.DefinitionVersion,
			AssessedOn: r.AssessedOn.Format("2006-01-02"), Level: r.Level, Score: r.Score, FollowUpID: r.FollowUpID,
			CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
		if err := json.Unmarshal(r.Answers, &a.Answers); err != nil {
			return nil, err
		}
		if r.DimensionScores != nil {
			if err := json.Unmarshal(r.DimensionScores, &a.DimensionScores); err != nil {
				return nil, err
			}
		}
		if r.TextsEnc != nil {
			if sealer == nil {
				var erased bool
				var err error
				if sealer, k, erased, err = s.caseSealer(ctx, tx, caseID); err != nil {
					return nil, err
				}
				if erased {
					out = append(out, a) // an erased case's notes cannot be opened
					continue
				}
			}
			var t assessmentTexts
			if err := openJSON(sealer, r.TextsEnc, ad("case_assessments", "texts", r.ID, k.KeyVersion), &t); err != nil {
				return nil, err
			}
			a.Note = t.Note
			for key, note := range t.Notes {
				ans := a.Answers[key]
				ans.Note = &note
				a.Answers[key] = ans
			}
		}
		out = append(out, a)
	}
	return out, nil
}
