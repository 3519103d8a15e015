package referrals

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Consent purposes and givers.
var (
	Purposes = []string{"assistance", "data_sharing", "statistics"}
	Givers   = []string{"person", "guardian", "guardianship_authority"}
)

// Consent is a consent record: who agreed to what, for whom, until when.
type Consent struct {
	ID                      uuid.UUID  `json:"id"`
	CaseID                  uuid.UUID  `json:"case_id"`
	Purpose                 string     `json:"purpose"`
	RecipientOrganizationID *uuid.UUID `json:"recipient_organization_id"`
	Categories              []string   `json:"categories"`
	GivenBy                 string     `json:"given_by"`
	// GivenByPersonID names the guardian who gave it (a person linked to
	// the case), when given_by is guardian.
	GivenByPersonID *uuid.UUID `json:"given_by_person_id"`
	GivenAt         time.Time  `json:"given_at"`
	ExpiresAt       *time.Time `json:"expires_at"`
	WithdrawnAt     *time.Time `json:"withdrawn_at"`
	RecordedBy      uuid.UUID  `json:"recorded_by"`
	// DocumentID is the signed consent form, a document of the case.
	DocumentID *uuid.UUID `json:"document_id"`
	// Valid is true while the consent is neither withdrawn nor expired.
	Valid bool `json:"valid"`
}

// ConsentInput is the body of POST /cases/{id}/consents.
type ConsentInput struct {
	Purpose                 string     `json:"purpose"`
	RecipientOrganizationID *uuid.UUID `json:"recipient_organization_id,omitempty"`
	Categories              []string   `json:"categories"`
	GivenBy                 string     `json:"given_by"`
	GivenByPersonID         *uuid.UUID `json:"given_by_person_id,omitempty"`
	GivenAt                 *time.Time `json:"given_at,omitempty"`
	ExpiresAt               *time.Time `json:"expires_at,omitempty"`
	DocumentID              *uuid.UUID `json:"document_id,omitempty"`
}

// WithdrawInput is the body of POST /consents/{id}/withdraw.
type WithdrawInput struct {
	Reason string `json:"reason,omitempty" text:"multiline"`
}

type consentRow struct {
	ID                      uuid.UUID
	CaseID                  uuid.UUID
	Purpose                 string
	RecipientOrganizationID *uuid.UUID
	Categories              []string `gorm:"type:text[]"`
	GivenBy                 string
	GivenByPersonID         *uuid.UUID
	GivenAt                 time.Time
	ExpiresAt               *time.Time
	WithdrawnAt             *time.Time
	RecordedBy              uuid.UUID
	DocumentID              *uuid.UUID
}

const consentColumns = `id, case_id, purpose, recipient_organization_id, categories, given_by, given_by_person_id, given_at,
	expires_at, withdrawn_at, recorded_by, document_id`

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r consentRow) valid(now time.Time) bool {
	return r.WithdrawnAt == nil && (r.ExpiresAt == nil || r.ExpiresAt.After(now))
}

func toConsent(r consentRow, now time.Time) Consent {
	cats := []string(r.Categories)
	if cats == nil {
		cats = []string{}
	}
	return Consent{ID: r.ID, CaseID: r.CaseID, Purpose: r.Purpose, RecipientOrganizationID: r.RecipientOrganizationID,
		Categories: cats, GivenBy: r.GivenBy, GivenByPersonID: r.GivenByPersonID, GivenAt: r.GivenAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt),
		WithdrawnAt: utcPtr(r.WithdrawnAt), RecordedBy: r.RecordedBy, DocumentID: r.DocumentID, Valid: r.valid(now)}
}

func checkCategories(v *apperr.Validation, field string, cats []string) {
	for _, c := range cats {
		if !slices.Contains(access.AllCategories, c) {
			v.Add(field, "must list categories from: "+strings.Join(access.AllCategories, ", "))
			return
		}
	}
	seen := map[string]bool{}
	for _, c := range cats {
		if seen[c] {
			v.Add(field, "must not repeat a category")
			return
		}
		seen[c] = true
	}
}

// CreateConsent records a consent for a case the caller reads as its
// owner's side. A minor's consent must be given by a guardian or the
// guardianship authority; data sharing names its recipient. With an
// idempotency key, a retry with the same body returns the first record.
func (s *Service) CreateConsent(ctx context.Context, caseID uuid.UUID, in ConsentInput, idemKey string, body []byte) (Consent, error) {
	now := s.now()
	givenAt, err := validateConsent(in, now)
	if err != nil {
		return Consent{}, err
	}
	return access.Act(ctx, s.db, caseID, "consent.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Consent, error) {
		if err := checkConsentParties(tx, caseID, in); err != nil {
			return Consent{}, err
		}
		id := uuid.New()
		replay, err := s.claim(tx, p, caseID, "consents", idemKey, body, id)
		if err != nil {
			return Consent{}, err
		}
		if replay != uuid.Nil {
			r, err := loadConsent(tx, replay)
			return toConsent(r, now), cmp.Or(err, access.ErrReplayed)
		}
		if err := tx.Exec(`INSERT INTO consents (id, case_id, purpose, recipient_organization_id, categories, given_by, given_by_person_id,
				given_at, expires_at, recorded_by, document_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, caseID, in.Purpose, in.RecipientOrganizationID, database.Array[string](orEmpty(in.Categories)),
			in.GivenBy, in.GivenByPersonID, givenAt, in.ExpiresAt, p.UserID, in.DocumentID).Error; err != nil {
			return Consent{}, err
		}
		r, err := loadConsent(tx, id)
		return toConsent(r, now), err
	})
}

// validateConsent checks a consent's body and returns when it was given
// (now when the body does not say).
func validateConsent(in ConsentInput, now time.Time) (time.Time, error) {
	var v apperr.Validation
	if !slices.Contains(Purposes, in.Purpose) {
		v.Add("purpose", "must be one of: "+strings.Join(Purposes, ", "))
	}
	if !slices.Contains(Givers, in.GivenBy) {
		v.Add("given_by", "must be one of: "+strings.Join(Givers, ", "))
	}
	checkCategories(&v, "categories", in.Categories)
	if in.GivenByPersonID != nil && in.GivenBy != "guardian" {
		v.Add("given_by_person_id", "names the guardian of a consent given_by guardian")
	}
	if in.Purpose == "data_sharing" {
		if in.RecipientOrganizationID == nil {
			v.Add("recipient_organization_id", "is required for data sharing")
		}
		if len(in.Categories) == 0 {
			v.Add("categories", "data sharing needs at least one category")
		}
	} else if in.RecipientOrganizationID != nil && in.Purpose == "statistics" {
		v.Add("recipient_organization_id", "is only for data sharing or assistance")
	}
	givenAt := now
	if in.GivenAt != nil {
		givenAt = *in.GivenAt
		if givenAt.After(now.Add(5 * time.Minute)) {
			v.Add("given_at", "must not be in the future")
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(givenAt) {
		v.Add("expires_at", "must be after given_at")
	}
	return givenAt, v.Err()
}

// checkConsentParties checks who gives a consent on case caseID (a minor's
// is given by a guardian or the guardianship authority) and that its
// recipient, if any, exists.
func checkConsentParties(tx *gorm.DB, caseID uuid.UUID, in ConsentInput) error {
	var c struct{ IsMinor *bool }
	if err := tx.Raw(`SELECT is_minor FROM cases WHERE id = ?`, caseID).Scan(&c).Error; err != nil {
		return err
	}
	if c.IsMinor != nil && *c.IsMinor && in.GivenBy == "person" {
		return apperr.Invalid("given_by", "a minor's consent is given by a guardian or the guardianship authority")
	}
	if in.GivenByPersonID != nil {
		// A narrow read of the case's linked persons (package cases): the
		// guardian must be one of them.
		var n int64
		if err := tx.Raw(`SELECT count(*) FROM case_persons WHERE id = ? AND case_id = ? AND relation = 'guardian'`,
			*in.GivenByPersonID, caseID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.Invalid("given_by_person_id", "must be a guardian linked to this case")
		}
	}
	if in.DocumentID != nil {
		var n int64
		if err := tx.Raw(`SELECT count(*) FROM documents WHERE id = ? AND case_id = ? AND removed_at IS NULL`, *in.DocumentID, caseID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.Invalid("document_id", "must be a document of this case")
		}
	}
	if in.RecipientOrganizationID == nil {
		return nil
	}
	return organizations.CheckNamed(tx, "recipient_organization_id", *in.RecipientOrganizationID, false)
}

// loadConsent reads consent id.
func loadConsent(tx *gorm.DB, id uuid.UUID) (consentRow, error) {
	var r consentRow
	err := tx.Raw(`SELECT `+consentColumns+` FROM consents WHERE id = ?`, id).Scan(&r).Error
	return r, err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListConsents returns a case's consents, newest first, for the owner's
// side (access.RequireOwner).
func (s *Service) ListConsents(ctx context.Context, caseID uuid.UUID) ([]Consent, error) {
	now := s.now()
	return access.Act(ctx, s.db, caseID, "consent.list", access.RequireOwner, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]Consent, error) {
		var rows []consentRow
		if err := tx.Raw(`SELECT `+consentColumns+` FROM consents WHERE case_id = ? ORDER BY created_at DESC, id DESC`, caseID).Scan(&rows).Error; err != nil {
			return nil, err
		}
		out := make([]Consent, len(rows))
		for i, r := range rows {
			out[i] = toConsent(r, now)
		}
		return out, nil
	})
}

// Withdraw withdraws a consent at once: every referral resting on it
// expires in the same transaction, ending the recipient's access. A consent
// is seen with its case: not found to those who do not see the case,
// forbidden to an organization the case is referred to.
func (s *Service) Withdraw(ctx context.Context, consentID uuid.UUID, in WithdrawInput) (Consent, error) {
	if len([]rune(in.Reason)) > 2000 {
		return Consent{}, apperr.Invalid("reason", "must be at most 2000 characters")
	}
	now := s.now()
	return access.Do(ctx, s.db, "consent.withdraw", func(tx *gorm.DB, p reqctx.Principal) (Consent, uuid.UUID, error) {
		var r consentRow
		if err := tx.Raw(`SELECT `+consentColumns+` FROM consents WHERE id = ? FOR UPDATE`, consentID).Scan(&r).Error; err != nil {
			return Consent{}, r.CaseID, err
		}
		if r.ID == uuid.Nil {
			return Consent{}, r.CaseID, access.NotFound("consent", "consent.withdraw", "consent", consentID.String())
		}
		// A consent is seen with its case; only the owner's side withdraws it.
		rel, err := access.Of(ctx, tx, r.CaseID)
		if err != nil {
			return Consent{}, r.CaseID, err
		}
		if !rel.Visible() {
			return Consent{}, r.CaseID, access.NotFound("consent", "consent.withdraw", "consent", consentID.String())
		}
		if !rel.Owner() {
			return Consent{}, r.CaseID, access.Deny("only the owning organization withdraws consent", "consent.withdraw", "case", r.CaseID.String())
		}
		if r.WithdrawnAt != nil {
			return Consent{}, r.CaseID, apperr.Conflict("the consent is already withdrawn")
		}
		if err := tx.Exec(`UPDATE consents SET withdrawn_at = now(), withdrawn_by = ? WHERE id = ?`, p.UserID, consentID).Error; err != nil {
			return Consent{}, r.CaseID, err
		}
		if err := tx.Exec(`SELECT count(*) FROM jardam_expire_referrals()`).Error; err != nil {
			return Consent{}, r.CaseID, err
		}
		r, err = loadConsent(tx, consentID)
		return toConsent(r, now), r.CaseID, err
	})
}
