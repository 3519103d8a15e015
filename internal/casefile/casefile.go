// Package casefile prints a case as PDF: the case file (the whole of it for
// the owner's supervisors, or a handover holding only what a recipient's
// consent covers) and the subject access copy handed to the person (their
// own data, never third parties, staff, notes, flags, assessments or
// shelter addresses). It reads through the case, referral and document
// services, so the rules and audit entries of each read apply, and records
// the print itself on the case (case.export, case.subject_access).
package casefile

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/documents"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
	"github.com/jardam-kg/jardam/internal/referrals"
)

// Audit actions of the prints, recorded on the case.
const (
	ActionExport        = "case.export"
	ActionSubjectAccess = "case.subject_access"
)

// Service prints case files.
type Service struct {
	db        *gorm.DB
	cases     *cases.Service
	referrals *referrals.Service
	documents *documents.Service
	now       func() time.Time
}

// NewService returns the service.
func NewService(db *gorm.DB, c *cases.Service, r *referrals.Service, d *documents.Service) *Service {
	return &Service{db: db, cases: c, referrals: r, documents: d, now: time.Now}
}

// File is a printed file.
type File struct {
	// Name holds the case's code, never personal data.
	Name string
	Body []byte
}

// CheckLang answers 400 naming lang for a language the files are not
// printed in.
func CheckLang(lang string) error {
	if !slices.Contains(Langs, lang) {
		return apperr.Invalid("lang", "must be ru, ky or en")
	}
	return nil
}

// org is an organization's code and names.
type org struct {
	ID                     uuid.UUID
	Code                   string
	NameRu, NameKy, NameEn string
}

func (o org) name(lang string) string { return text{o.NameRu, o.NameKy, o.NameEn}.in(lang) }

// context is what a print knows besides the case: who prints, for whom,
// the organizations' names, what the recipient may see, the documents.
type printContext struct {
	lang      string
	printer   string
	org       org
	recipient *org
	// categories the print holds (every one for the full file).
	categories map[string]bool
	orgs       map[uuid.UUID]org
	documents  []documents.Document
	at         time.Time
}

func (pc printContext) orgName(id uuid.UUID) string {
	if o, ok := pc.orgs[id]; ok {
		return o.name(pc.lang)
	}
	return id.String()
}

// CaseFile prints the case file in lang. Without a recipient it is the full
// file, for the owner's supervisors only (403 for others who see the case);
// with recipient_organization_id any worker of the owner's side prints a
// handover holding only the categories that recipient's valid data-sharing
// consents cover (409 naming the field when there is none). Audited as
// case.export on the case; the reads it makes are audited as they are.
func (s *Service) CaseFile(ctx context.Context, caseID uuid.UUID, lang string, recipient uuid.UUID) (File, error) {
	if err := CheckLang(lang); err != nil {
		return File{}, err
	}
	rule := access.RequireOwningSupervisor
	if recipient != uuid.Nil {
		rule = access.RequireOwner
	}
	pc, err := access.Act(ctx, s.db, caseID, ActionExport, rule, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (printContext, error) {
		pc, err := s.context(ctx, tx, p, rel, caseID, lang)
		if err != nil || recipient == uuid.Nil {
			return pc, err
		}
		return pc, s.forRecipient(tx, &pc, caseID, recipient)
	})
	if err != nil {
		return File{}, err
	}
	d, err := s.gather(ctx, caseID, recipient == uuid.Nil)
	if err != nil {
		return File{}, err
	}
	body, err := renderCaseFile(pc, d)
	if err != nil {
		return File{}, apperr.Internal(err)
	}
	return File{Name: "case-" + d.c.Code + "-" + lang + ".pdf", Body: body}, nil
}

// SubjectAccess prints, for the owner's supervisors to hand to the person
// after review, what is held on them in their language: their own identity
// (without address or contact person: a current address may be a shelter's)
// and attributes, the documents list, the consents and which organizations
// received which categories and when. It names no staff and holds no
// notes, flags, risk, assessments, plan, stage reasons or other people's
// data. Audited as case.subject_access on the case.
func (s *Service) SubjectAccess(ctx context.Context, caseID uuid.UUID, lang string) (File, error) {
	if err := CheckLang(lang); err != nil {
		return File{}, err
	}
	pc, err := access.Act(ctx, s.db, caseID, ActionSubjectAccess, access.RequireOwningSupervisor,
		func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (printContext, error) {
			return s.context(ctx, tx, p, rel, caseID, lang)
		})
	if err != nil {
		return File{}, err
	}
	d, err := s.gather(ctx, caseID, false)
	if err != nil {
		return File{}, err
	}
	body, err := renderSubjectAccess(pc, d)
	if err != nil {
		return File{}, apperr.Internal(err)
	}
	return File{Name: "subject-access-" + d.c.Code + "-" + lang + ".pdf", Body: body}, nil
}

// context reads, in the print's transaction, who prints, the names of the
// organizations and the documents of the case.
func (s *Service) context(ctx context.Context, tx *gorm.DB, p reqctx.Principal, rel access.Relation, caseID uuid.UUID, lang string) (printContext, error) {
	pc := printContext{lang: lang, categories: map[string]bool{}, orgs: map[uuid.UUID]org{}, at: s.now().UTC()}
	for _, c := range documents.Categories {
		pc.categories[c] = true
	}
	var orgs []org
	if err := tx.Raw(`SELECT id, code, name_ru, name_ky, name_en FROM organizations`).Scan(&orgs).Error; err != nil {
		return pc, err
	}
	for _, o := range orgs {
		pc.orgs[o.ID] = o
	}
	pc.org = pc.orgs[p.OrganizationID]
	var u struct{ Name string }
	if err := tx.Raw(`SELECT name FROM users WHERE id = ?`, p.UserID).Scan(&u).Error; err != nil {
		return pc, err
	}
	pc.printer = u.Name
	docs, err := s.documents.ListIn(ctx, tx, caseID, rel, p.OrganizationID)
	pc.documents = docs
	return pc, err
}

// forRecipient limits a print to the categories the recipient's valid
// data-sharing consents cover.
func (s *Service) forRecipient(tx *gorm.DB, pc *printContext, caseID, recipient uuid.UUID) error {
	o, ok := pc.orgs[recipient]
	if !ok {
		return apperr.Invalid("recipient_organization_id", "must be an organization")
	}
	pc.recipient = &o
	var cats []string
	if err := tx.Raw(`SELECT DISTINCT unnest(categories) FROM consents
		WHERE case_id = ? AND purpose = 'data_sharing' AND recipient_organization_id = ?
		  AND withdrawn_at IS NULL AND (expires_at IS NULL OR expires_at > now())`, caseID, recipient).Scan(&cats).Error; err != nil {
		return err
	}
	if len(cats) == 0 {
		return apperr.Conflict("no valid consent shares this case's data with the recipient", "recipient_organization_id")
	}
	pc.categories = map[string]bool{}
	for _, c := range cats {
		pc.categories[c] = true
	}
	seen := access.Relation{Kind: access.Referred, Categories: pc.categories}
	forms, err := documents.FormsGivenTo(tx, caseID, recipient)
	if err != nil {
		return err
	}
	pc.documents = slices.DeleteFunc(pc.documents, func(d documents.Document) bool {
		return !access.MayReadDocument(seen, d.Category, forms[d.ID])
	})
	return nil
}

// data is what the services return on the case.
type data struct {
	c          cases.Case
	stages     []cases.StageMove
	plan       *cases.Plan
	assistance []cases.Assistance
	consents   []referrals.Consent
	referrals  []referrals.Referral
}

// gather reads the case through the services (each read audited as it
// is); the plan only for the full file.
func (s *Service) gather(ctx context.Context, caseID uuid.UUID, withPlan bool) (data, error) {
	var d data
	var err error
	if d.c, err = s.cases.Get(ctx, caseID); err != nil {
		return d, err
	}
	if d.stages, err = s.cases.Stages(ctx, caseID); err != nil {
		return d, err
	}
	if withPlan {
		plan, err := s.cases.GetPlan(ctx, caseID)
		if err != nil {
			return d, err
		}
		d.plan = &plan
	}
	if d.assistance, err = s.cases.ListAssistance(ctx, caseID); err != nil {
		return d, err
	}
	if d.consents, err = s.referrals.ListConsents(ctx, caseID); err != nil {
		return d, err
	}
	list, err := s.referrals.List(ctx, referrals.Filter{Box: "outgoing", CaseID: caseID}, web.Page{Limit: web.MaxLimit})
	d.referrals = list.Items
	return d, err
}
