package cases

import (
	"cmp"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Assistance statuses and funding sources.
var (
	AssistanceStatuses = []string{"planned", "in_progress", "completed", "declined"}
	FundingSources     = []string{"state_budget", "state_social_order", "international_organization", "ngo_own_funds", "other"}
)

// AssistanceCategory is the consent category an assistance record of type
// t falls under: health for medical and psychological help, legal for
// legal and documents help, assistance_history for the rest.
func AssistanceCategory(t string) string {
	switch t {
	case "medical", "psychological":
		return access.CategoryHealth
	case "legal", "documents":
		return access.CategoryLegal
	}
	return access.CategoryAssistanceHistory
}

// Assistance is a service given to a case.
type Assistance struct {
	ID                     uuid.UUID `json:"id"`
	CaseID                 uuid.UUID `json:"case_id"`
	Type                   string    `json:"type"`
	ProviderOrganizationID uuid.UUID `json:"provider_organization_id"`
	Status                 string    `json:"status"`
	StartedOn              *string   `json:"started_on"`
	EndedOn                *string   `json:"ended_on"`
	CostKGS                *float64  `json:"cost_kgs"`
	FundingSource          *string   `json:"funding_source"`
	MeasureCodes           []string  `json:"measure_codes"`
	Notes                  *string   `json:"notes"`
	Version                int       `json:"version"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// AssistanceInput is the body of POST /cases/{id}/assistance and the
// document a PATCH merges into.
type AssistanceInput struct {
	Type                   string     `json:"type"`
	ProviderOrganizationID *uuid.UUID `json:"provider_organization_id,omitempty"`
	Status                 *string    `json:"status,omitempty"`
	StartedOn              *string    `json:"started_on,omitempty"`
	EndedOn                *string    `json:"ended_on,omitempty"`
	CostKGS                *float64   `json:"cost_kgs,omitempty"`
	FundingSource          *string    `json:"funding_source,omitempty"`
	MeasureCodes           []string   `json:"measure_codes,omitempty"`
	Notes                  *string    `json:"notes,omitempty" text:"multiline"`
	Version                *int       `json:"version,omitempty"`
}

func validateAssistance(in *AssistanceInput) error {
	var v apperr.Validation
	if !contains(organizations.AssistanceTypes, in.Type) {
		v.Add("type", "must be one of: "+strings.Join(organizations.AssistanceTypes, ", "))
	}
	checkEnum(&v, "status", in.Status, AssistanceStatuses)
	checkEnum(&v, "funding_source", in.FundingSource, FundingSources)
	var start, end time.Time
	var okS, okE bool
	if in.StartedOn != nil {
		if start, okS = parseDate(*in.StartedOn); !okS {
			v.Add("started_on", "must be a date written YYYY-MM-DD")
		}
	}
	if in.EndedOn != nil {
		if end, okE = parseDate(*in.EndedOn); !okE {
			v.Add("ended_on", "must be a date written YYYY-MM-DD")
		}
	}
	if okS && okE && end.Before(start) {
		v.Add("ended_on", "must not be before started_on")
	}
	if in.CostKGS != nil && (*in.CostKGS < 0 || *in.CostKGS > 1e10) {
		v.Add("cost_kgs", "must be an amount in KGS from 0")
	}
	for _, m := range in.MeasureCodes {
		if !measurePattern.MatchString(m) {
			v.Add("measure_codes", "must list Program measure codes")
			break
		}
	}
	checkText(&v, "notes", in.Notes, 10000)
	if err := v.Err(); err != nil {
		return err
	}
	if in.Status == nil {
		s := "planned"
		in.Status = &s
	}
	return nil
}

type assistanceRow struct {
	ID                     uuid.UUID
	CaseID                 uuid.UUID
	Type                   string
	ProviderOrganizationID uuid.UUID
	Status                 string
	StartedOn              *time.Time
	EndedOn                *time.Time
	CostKgs                *float64
	FundingSource          *string
	MeasureCodes           []string `gorm:"serializer:json"`
	NotesEnc               []byte
	Version                int
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

const assistanceColumns = `a.id, a.case_id, a.type, a.provider_organization_id, a.status, a.started_on, a.ended_on,
	a.cost_kgs::float8 AS cost_kgs, a.funding_source, to_json(a.measure_codes) AS measure_codes, a.notes_enc, a.version,
	a.created_at, a.updated_at`

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func (s *Service) toAssistance(ctx context.Context, tx *gorm.DB, r assistanceRow, withNotes bool) (Assistance, error) {
	a := Assistance{ID: r.ID, CaseID: r.CaseID, Type: r.Type, ProviderOrganizationID: r.ProviderOrganizationID, Status: r.Status,
		StartedOn: dateString(r.StartedOn), EndedOn: dateString(r.EndedOn), CostKGS: r.CostKgs, FundingSource: r.FundingSource,
		MeasureCodes: r.MeasureCodes, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if a.MeasureCodes == nil {
		a.MeasureCodes = []string{}
	}
	if withNotes && r.NotesEnc != nil {
		sealer, k, erased, err := s.caseSealer(ctx, tx, r.CaseID)
		if err != nil {
			return a, err
		}
		if !erased {
			if a.Notes, err = openText(sealer, r.NotesEnc, ad("assistance", "notes", r.ID, k.KeyVersion)); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

// CreateAssistance records assistance given to a case the caller sees. The
// provider defaults to the caller's organization; a referred organization
// records only its own assistance.
//
// With an idempotency key, a retry with the same body returns the first
// record.
func (s *Service) CreateAssistance(ctx context.Context, caseID uuid.UUID, in AssistanceInput, idemKey string, body []byte) (Assistance, error) {
	if in.Version != nil {
		return Assistance{}, apperr.Invalid("version", "is set by the service")
	}
	if err := validateAssistance(&in); err != nil {
		return Assistance{}, err
	}
	return access.Act(ctx, s.db, caseID, "assistance.create", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Assistance, error) {
		provider := p.OrganizationID
		if in.ProviderOrganizationID != nil {
			provider = *in.ProviderOrganizationID
		}
		if !access.MayWriteAssistance(p, rel, provider) {
			return Assistance{}, access.Deny("a referred organization records its own assistance only", "assistance.create", "case", caseID.String())
		}
		if err := organizations.CheckNamed(tx, "provider_organization_id", provider, false); err != nil {
			return Assistance{}, err
		}
		if err := defaultMeasure(ctx, tx, &in); err != nil {
			return Assistance{}, err
		}
		if err := measures.CheckCodes(ctx, tx, "measure_codes", in.MeasureCodes); err != nil {
			return Assistance{}, err
		}
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/assistance", idemKey, body, id)
		if err != nil {
			return Assistance{}, err
		}
		if replay != uuid.Nil {
			out, err := s.readAssistance(ctx, tx, replay, true)
			return out, cmp.Or(err, access.ErrReplayed)
		}
		notes, err := s.sealNotes(ctx, tx, caseID, id, in.Notes)
		if err != nil {
			return Assistance{}, err
		}
		if err := tx.Exec(`INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on,
				cost_kgs, funding_source, measure_codes, notes_enc, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, caseID, in.Type, provider, *in.Status, in.StartedOn, in.EndedOn,
			in.CostKGS, in.FundingSource, arr(in.MeasureCodes), notes, p.UserID).Error; err != nil {
			return Assistance{}, err
		}
		return s.readAssistance(ctx, tx, id, true)
	})
}

// defaultMeasure fills the Program measure the assistance implements,
// when none is given: the default of its type at its start (today when
// not started).
func defaultMeasure(ctx context.Context, tx *gorm.DB, in *AssistanceInput) error {
	if len(in.MeasureCodes) > 0 {
		return nil
	}
	on := time.Now()
	if in.StartedOn != nil {
		on, _ = parseDate(*in.StartedOn)
	}
	code, ok, err := measures.DefaultFor(ctx, tx, in.Type, on)
	if ok {
		in.MeasureCodes = []string{code}
	}
	return err
}

// sealNotes seals the notes of assistance record id of case caseID, nil
// when there are none.
func (s *Service) sealNotes(ctx context.Context, tx *gorm.DB, caseID, id uuid.UUID, notes *string) ([]byte, error) {
	if notes == nil || *notes == "" {
		return nil, nil
	}
	sealer, k, err := s.liveSealer(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	return sealer.Seal([]byte(*notes), ad("assistance", "notes", id, k.KeyVersion))
}

func (s *Service) readAssistance(ctx context.Context, tx *gorm.DB, id uuid.UUID, withNotes bool) (Assistance, error) {
	var r assistanceRow
	if err := tx.Raw(`SELECT `+assistanceColumns+` FROM assistance a WHERE a.id = ?`, id).Scan(&r).Error; err != nil {
		return Assistance{}, err
	}
	return s.toAssistance(ctx, tx, r, withNotes)
}

// ListAssistance returns the assistance of a case the caller sees: all of
// it for the owner's side; for a referred organization its own records and
// those of the consented categories.
func (s *Service) ListAssistance(ctx context.Context, caseID uuid.UUID) ([]Assistance, error) {
	return access.Act(ctx, s.db, caseID, "assistance.list", access.SeeCase, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) ([]Assistance, error) {
		var rows []assistanceRow
		if err := tx.Raw(`SELECT `+assistanceColumns+` FROM assistance a WHERE a.case_id = ? ORDER BY a.created_at DESC, a.id DESC`,
			caseID).Scan(&rows).Error; err != nil {
			return nil, err
		}
		out := []Assistance{}
		for _, r := range rows {
			if !access.MayReadAssistance(p, rel, r.ProviderOrganizationID, AssistanceCategory(r.Type)) {
				continue
			}
			// Notes stay with the owner's side and the provider.
			a, err := s.toAssistance(ctx, tx, r, access.MayWriteAssistance(p, rel, r.ProviderOrganizationID))
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		return out, nil
	})
}

// UpdateAssistance applies a merge patch to an assistance record of a case
// the caller owns, or one the caller's organization provides on a case it
// still sees. Once a provider's access to the case has ended (the consent
// was withdrawn or expired, the referral closed), its records there are
// not found, as the case is: 404 only for what the caller may not see
// (access.MayReadAssistance); another organization's record that a
// referred organization sees is forbidden to change
// (access.MayWriteAssistance). A stale version answers
// ErrPreconditionFailed.
func (s *Service) UpdateAssistance(ctx context.Context, id uuid.UUID, expected int, patch map[string]json.RawMessage) (Assistance, error) {
	return access.Do(ctx, s.db, "assistance.update", func(tx *gorm.DB, p reqctx.Principal) (Assistance, uuid.UUID, error) {
		var r assistanceRow
		if err := tx.Raw(`SELECT `+assistanceColumns+` FROM assistance a WHERE a.id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return Assistance{}, r.CaseID, err
		}
		rel, err := access.Of(ctx, tx, r.CaseID)
		if err != nil {
			return Assistance{}, r.CaseID, err
		}
		if r.ID == uuid.Nil || !access.MayReadAssistance(p, rel, r.ProviderOrganizationID, AssistanceCategory(r.Type)) {
			return Assistance{}, r.CaseID, access.NotFound("assistance", "assistance.update", "assistance", id.String())
		}
		if !access.MayWriteAssistance(p, rel, r.ProviderOrganizationID) {
			return Assistance{}, r.CaseID, access.Deny("a referred organization changes its own assistance only", "assistance.update", "case", r.CaseID.String())
		}
		if r.Version != expected {
			return Assistance{}, r.CaseID, web.Stale()
		}
		out, err := s.changeAssistance(ctx, tx, r, patch)
		return out, r.CaseID, err
	})
}

// changeAssistance applies patch to assistance record r: the provider
// stays, the rest is checked again as on creation.
func (s *Service) changeAssistance(ctx context.Context, tx *gorm.DB, r assistanceRow, patch map[string]json.RawMessage) (Assistance, error) {
	cur, err := s.toAssistance(ctx, tx, r, true)
	if err != nil {
		return Assistance{}, err
	}
	provider := cur.ProviderOrganizationID
	in, err := web.ApplyMergePatch[AssistanceInput](AssistanceInput{Type: cur.Type, ProviderOrganizationID: &provider, Status: &cur.Status,
		StartedOn: cur.StartedOn, EndedOn: cur.EndedOn, CostKGS: cur.CostKGS, FundingSource: cur.FundingSource,
		MeasureCodes: cur.MeasureCodes, Notes: cur.Notes}, patch)
	if err != nil {
		return Assistance{}, err
	}
	if err := validateAssistance(&in); err != nil {
		return Assistance{}, err
	}
	if in.ProviderOrganizationID == nil || *in.ProviderOrganizationID != provider {
		return Assistance{}, apperr.Invalid("provider_organization_id", "cannot be changed")
	}
	if err := measures.CheckCodes(ctx, tx, "measure_codes", in.MeasureCodes); err != nil {
		return Assistance{}, err
	}
	notes, err := s.sealNotes(ctx, tx, r.CaseID, r.ID, in.Notes)
	if err != nil {
		return Assistance{}, err
	}
	if err := tx.Exec(`UPDATE assistance SET type = ?, status = ?, started_on = ?, ended_on = ?, cost_kgs = ?,
			funding_source = ?, measure_codes = ?, notes_enc = ?, version = version + 1, updated_at = now() WHERE id = ?`,
		in.Type, *in.Status, in.StartedOn, in.EndedOn, in.CostKGS, in.FundingSource, arr(in.MeasureCodes), notes, r.ID).Error; err != nil {
		return Assistance{}, err
	}
	return s.readAssistance(ctx, tx, r.ID, true)
}
