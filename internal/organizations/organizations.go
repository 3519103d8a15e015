// Package organizations owns the organizations of the referral mechanism:
// crisis centers, state bodies, law enforcement, NGOs, international
// organizations, coordinators and the operator. Every signed-in user may
// list them (to choose a referral target); only the system admin creates
// and changes them.
package organizations

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Kinds of organization.
var Kinds = []string{"state_body", "local_authority", "law_enforcement", "crisis_center", "ngo", "international_org", "coordinator", "operator", "hotline"}

// Regions of the Kyrgyz Republic.
var Regions = []string{"bishkek_city", "osh_city", "batken", "jalal_abad", "issyk_kul", "naryn", "osh", "talas", "chui"}

// AssistanceTypes an organization may offer.
var AssistanceTypes = []string{"shelter", "psychological", "medical", "legal", "vocational_training", "income_generation",
	"homecoming", "employment", "housing", "education", "family_reunification", "documents", "financial", "other"}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,23}$`)

// Name is a name in Russian, Kyrgyz and English.
type Name struct {
	RU string `json:"ru"`
	KY string `json:"ky"`
	EN string `json:"en"`
}

// Organization is the API view of an organization.
type Organization struct {
	ID       uuid.UUID `json:"id"`
	Code     string    `json:"code"`
	Name     Name      `json:"name"`
	Kind     string    `json:"kind"`
	Region   string    `json:"region"`
	Services []string  `json:"services"`
	// ApprovalKinds are the requests (plan, closure, transfer) for which
	// its workers need a supervisor's approval.
	ApprovalKinds []string  `json:"approval_kinds"`
	Active        bool      `json:"active"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CreateInput is the body of POST /organizations.
type CreateInput struct {
	Code     string   `json:"code"`
	Name     Name     `json:"name"`
	Kind     string   `json:"kind"`
	Region   string   `json:"region"`
	Services []string `json:"services"`
}

// NamePatch changes some of the names.
type NamePatch struct {
	RU *string `json:"ru"`
	KY *string `json:"ky"`
	EN *string `json:"en"`
}

// Patch is the merge patch of PATCH /organizations/{id}.
type Patch struct {
	Name     *NamePatch `json:"name"`
	Kind     *string    `json:"kind"`
	Region   *string    `json:"region"`
	Services *[]string  `json:"services"`
	// ApprovalKinds replaces the requests that need a supervisor's
	// approval (a subset of ApprovalKinds).
	ApprovalKinds *[]string `json:"approval_kinds"`
	Active        *bool     `json:"active"`
	Version       *int      `json:"version"`
}

// row is the stored organization.
type row struct {
	ID       uuid.UUID
	Code     string
	NameRu   string
	NameKy   string
	NameEn   string
	Kind     string
	Region   string
	Services []string `gorm:"type:text[]"`
	// ApprovalKinds is the organization's approval_kinds.
	ApprovalKinds []string `gorm:"type:text[]"`
	Active        bool
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const columns = `id, code, name_ru, name_ky, name_en, kind, region, services, approval_kinds, active, version, created_at, updated_at`

func toOrganization(r row) Organization {
	s := []string(r.Services)
	if s == nil {
		s = []string{}
	}
	return Organization{ID: r.ID, Code: r.Code, Name: Name{r.NameRu, r.NameKy, r.NameEn}, Kind: r.Kind, Region: r.Region,
		Services: s, ApprovalKinds: orEmpty(r.ApprovalKinds), Active: r.Active, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// apply sets the fields patch p changes.
func (r *row) apply(p Patch) {
	if p.Name != nil {
		if p.Name.RU != nil {
			r.NameRu = strings.TrimSpace(*p.Name.RU)
		}
		if p.Name.KY != nil {
			r.NameKy = strings.TrimSpace(*p.Name.KY)
		}
		if p.Name.EN != nil {
			r.NameEn = strings.TrimSpace(*p.Name.EN)
		}
	}
	if p.Kind != nil {
		r.Kind = *p.Kind
	}
	if p.Region != nil {
		r.Region = *p.Region
	}
	if p.Services != nil {
		r.Services = orEmpty(*p.Services)
	}
	if p.ApprovalKinds != nil {
		r.ApprovalKinds = orEmpty(*p.ApprovalKinds)
	}
	if p.Active != nil {
		r.Active = *p.Active
	}
}

// KindHotline is the kind of an organization that takes calls: its
// accounts are hotline operators and supervisors, who read no case.
const KindHotline = "hotline"

// checkKindChange refuses to turn an organization with accounts into a
// hotline or a hotline with accounts into another kind: the roles its
// accounts hold were granted for the kind it has (operators read contacts
// only, case workers read cases), and a change of kind would hand them
// what they were never approved for.
func checkKindChange(tx *gorm.DB, r row, p Patch) error {
	if p.Kind == nil || *p.Kind == r.Kind || (*p.Kind != KindHotline && r.Kind != KindHotline) {
		return nil
	}
	var accounts int64
	if err := tx.Raw(`SELECT count(*) FROM users WHERE organization_id = ?`, r.ID).Scan(&accounts).Error; err != nil {
		return err
	}
	if accounts > 0 {
		return apperr.Conflict("the organization has accounts: a hotline cannot become another kind, nor another kind a hotline", "kind")
	}
	return nil
}

// Service holds the organization rules.
type Service struct{ db *gorm.DB }

// NewService returns the organization service.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// check adds to v what is wrong with the fields patch p sets.
func (p Patch) check(v *apperr.Validation) {
	if p.Name != nil {
		for _, n := range []struct {
			field string
			name  *string
		}{{"name.ru", p.Name.RU}, {"name.ky", p.Name.KY}, {"name.en", p.Name.EN}} {
			if n.name != nil {
				validName(v, n.field, *n.name)
			}
		}
	}
	if p.Kind != nil && !oneOf(*p.Kind, Kinds) {
		v.Add("kind", "must be one of: "+strings.Join(Kinds, ", "))
	}
	if p.Region != nil && !oneOf(*p.Region, Regions) {
		v.Add("region", "must be one of: "+strings.Join(Regions, ", "))
	}
	if p.Services != nil {
		validServices(v, *p.Services)
	}
	if p.ApprovalKinds != nil {
		seen := map[string]bool{}
		for _, k := range *p.ApprovalKinds {
			if !oneOf(k, ApprovalKinds) || seen[k] {
				v.Add("approval_kinds", "must list each of "+strings.Join(ApprovalKinds, ", ")+" at most once")
				break
			}
			seen[k] = true
		}
	}
}

func validName(v *apperr.Validation, field, s string) {
	s = strings.TrimSpace(s)
	if s == "" || len([]rune(s)) > 300 {
		v.Add(field, "is required, at most 300 characters")
	}
}

func validServices(v *apperr.Validation, services []string) {
	for _, s := range services {
		if !oneOf(s, AssistanceTypes) {
			v.Add("services", "must list assistance types: "+strings.Join(AssistanceTypes, ", "))
			return
		}
	}
}

// List returns organizations, newest first.
func (s *Service) List(ctx context.Context, p web.Page) (web.List[Organization], error) {
	args := map[string]any{}
	cond, tail := p.Keyset("created_at", "id", args)
	var rows []row
	if err := s.db.WithContext(ctx).Raw(`SELECT `+columns+` FROM organizations WHERE true`+cond+tail, args).Scan(&rows).Error; err != nil {
		return web.List[Organization]{}, apperr.Internal(err)
	}
	out := make([]Organization, len(rows))
	for i, r := range rows {
		out[i] = toOrganization(r)
	}
	return web.NewList(out, p.Limit, func(o Organization) (time.Time, uuid.UUID) { return o.CreatedAt, o.ID }), nil
}

// Get returns one organization or a not-found error.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Organization, error) {
	var r row
	if err := s.db.WithContext(ctx).Raw(`SELECT `+columns+` FROM organizations WHERE id = ?`, id).Scan(&r).Error; err != nil {
		return Organization{}, apperr.Internal(err)
	}
	if r.ID == uuid.Nil {
		return Organization{}, apperr.NotFound("organization")
	}
	return toOrganization(r), nil
}

// Create adds an organization. A taken code answers a conflict naming code.
func (s *Service) Create(ctx context.Context, in CreateInput) (Organization, error) {
	var v apperr.Validation
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "must be 2-24 capital letters, digits or dashes, starting with a letter")
	}
	// A new organization is an empty one with every field patched.
	p := Patch{Name: &NamePatch{RU: &in.Name.RU, KY: &in.Name.KY, EN: &in.Name.EN}, Kind: &in.Kind, Region: &in.Region,
		Services: &in.Services}
	p.check(&v)
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	r := row{ID: uuid.New(), Code: in.Code, Active: true, Version: 1}
	r.apply(p)
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var ts struct {
			CreatedAt, UpdatedAt time.Time
			ApprovalKinds        []string `gorm:"type:text[]"`
		}
		if err := tx.Raw(`INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region, services)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING created_at, updated_at, approval_kinds`,
			r.ID, r.Code, r.NameRu, r.NameKy, r.NameEn, r.Kind, r.Region, database.Array[string](r.Services)).Scan(&ts).Error; err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt, r.ApprovalKinds = ts.CreatedAt, ts.UpdatedAt, ts.ApprovalKinds
		return audit.Record(ctx, tx, "organization.create", "organization", r.ID.String(), audit.Success)
	})
	if database.IsCode(err, database.CodeUniqueViolation) {
		return Organization{}, apperr.Conflict("an organization with this code exists", "code")
	}
	if err != nil {
		return Organization{}, apperr.Internal(err)
	}
	return toOrganization(r), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Update applies a merge patch when the organization is at version
// expected: a stale version answers ErrPreconditionFailed.
func (s *Service) Update(ctx context.Context, id uuid.UUID, expected int, p Patch) (Organization, error) {
	var v apperr.Validation
	p.check(&v)
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	var out Organization
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		var r row
		if err := tx.Raw(`SELECT `+columns+` FROM organizations WHERE id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return err
		}
		if r.ID == uuid.Nil {
			return apperr.NotFound("organization")
		}
		if r.Version != expected {
			return web.Stale()
		}
		if err := checkKindChange(tx, r, p); err != nil {
			return err
		}
		r.apply(p)
		var upd struct {
			Version   int
			UpdatedAt time.Time
		}
		if err := tx.Raw(`UPDATE organizations SET name_ru = ?, name_ky = ?, name_en = ?, kind = ?, region = ?, services = ?,
			approval_kinds = ?, active = ?, version = version + 1, updated_at = now() WHERE id = ? RETURNING version, updated_at`,
			r.NameRu, r.NameKy, r.NameEn, r.Kind, r.Region, database.Array[string](r.Services),
			database.Array[string](orEmpty(r.ApprovalKinds)), r.Active, id).Scan(&upd).Error; err != nil {
			return err
		}
		r.Version, r.UpdatedAt = upd.Version, upd.UpdatedAt
		out = toOrganization(r)
		return audit.Record(ctx, tx, "organization.update", "organization", id.String(), audit.Success)
	})
	if err != nil {
		return Organization{}, apperr.Wrap(err)
	}
	return out, nil
}
