// Package referrals owns the National Referral Mechanism between
// organizations: consent records, referrals with their lifecycle and
// response deadlines, access through an accepted referral (limited to the
// consented categories, decided by package access), the transfer of a case,
// and the transactional outbox of referral events.
package referrals

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Settings tune referrals.
type Settings struct {
	UrgentResponse time.Duration
	NormalResponse time.Duration
}

// Service holds the referral and consent rules.
type Service struct {
	db      *gorm.DB
	wrapper jcrypto.KeyWrapper
	set     Settings
	log     *slog.Logger
	now     func() time.Time
	// hash is the keyed hash of a request, for idempotency keys.
	hash func(route string, body []byte) []byte
	// Cases opens the case of an accepted intake; nil refuses intakes'
	// acceptance.
	Cases *cases.Service
}

// NewService returns the referral service. hash is the keyed hash that
// remembers idempotent requests without their content.
func NewService(db *gorm.DB, w jcrypto.KeyWrapper, hash func(route string, body []byte) []byte, set Settings, log *slog.Logger) *Service {
	if set.UrgentResponse <= 0 {
		set.UrgentResponse = 24 * time.Hour
	}
	if set.NormalResponse <= 0 {
		set.NormalResponse = 72 * time.Hour
	}
	return &Service{db: db, wrapper: w, hash: hash, set: set, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Referral statuses.
const (
	StatusPending   = "pending"
	StatusAccepted  = "accepted"
	StatusDeclined  = "declined"
	StatusCancelled = "cancelled"
	StatusCompleted = "completed"
	StatusExpired   = "expired"
)

// CaseSummary is what the recipient sees of a case before accepting: no
// identity.
type CaseSummary struct {
	Sex            string  `json:"sex"`
	AgeBracket     string  `json:"age_bracket"`
	RegionOfOrigin *string `json:"region_of_origin"`
}

// Referral is the API view of a referral.
type Referral struct {
	ID   uuid.UUID `json:"id"`
	Code string    `json:"code"`
	// CaseID is null for an intake not yet accepted, and always for the
	// hotline that sent an intake.
	CaseID             *uuid.UUID `json:"case_id"`
	Kind               string     `json:"kind"`
	FromOrganizationID uuid.UUID  `json:"from_organization_id"`
	ToOrganizationID   uuid.UUID  `json:"to_organization_id"`
	AssistanceTypes    []string   `json:"assistance_types"`
	Categories         []string   `json:"categories"`
	Urgency            string     `json:"urgency"`
	Status             string     `json:"status"`
	DueAt              time.Time  `json:"due_at"`
	Overdue            bool       `json:"overdue"`
	// ConsentID is null for an intake: the call recorded the consent.
	ConsentID   *uuid.UUID  `json:"consent_id"`
	CaseSummary CaseSummary `json:"case_summary"`
	// Screening is an intake's screening, what its recipient reads before
	// accepting.
	Screening       *IntakeScreening `json:"screening,omitempty"`
	AssignedUserIDs []uuid.UUID      `json:"assigned_user_ids"`
	// Note, DeclineReason and Outcome are absent where the caller may not
	// read them (the note before acceptance, for instance).
	Note          *string    `json:"note,omitempty"`
	DeclineReason *string    `json:"decline_reason,omitempty"`
	Outcome       *string    `json:"outcome,omitempty"`
	RespondedAt   *time.Time `json:"responded_at"`
	Version       int        `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// CreateInput is the body of POST /cases/{id}/referrals.
type CreateInput struct {
	Kind             string    `json:"kind,omitempty"`
	ToOrganizationID uuid.UUID `json:"to_organization_id"`
	AssistanceTypes  []string  `json:"assistance_types,omitempty"`
	Categories       []string  `json:"categories"`
	Urgency          string    `json:"urgency,omitempty"`
	Note             string    `json:"note,omitempty" text:"multiline"`
	ConsentID        uuid.UUID `json:"consent_id"`
}

type referralRow struct {
	ID                 uuid.UUID
	Code               string
	CaseID             *uuid.UUID
	Kind               string
	FromOrganizationID uuid.UUID
	ToOrganizationID   uuid.UUID
	AssistanceTypes    []string `gorm:"type:text[]"`
	Categories         []string `gorm:"type:text[]"`
	Urgency            string
	Status             string
	DueAt              time.Time
	ConsentID          *uuid.UUID
	Screening          *string
	CaseSex            string
	CaseAgeBracket     string
	CaseRegion         *string
	KeyMasterVersion   *string
	KeyWrapped         []byte
	NoteEnc            []byte
	DeclineReasonEnc   []byte
	OutcomeEnc         []byte
	RespondedAt        *time.Time
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	CreatedBy          uuid.UUID
}

const referralColumns = `r.id, r.code, r.case_id, r.kind, r.from_organization_id, r.to_organization_id, r.assistance_types,
	r.categories, r.urgency, r.status, r.due_at, r.consent_id, r.screening::text AS screening, r.case_sex, r.case_age_bracket, r.case_region,
	r.key_master_version, r.key_wrapped, r.note_enc, r.decline_reason_enc, r.outcome_enc, r.responded_at, r.version,
	r.created_at, r.updated_at, r.created_by`

func list(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

func (s *Service) sealer(ctx context.Context, r referralRow) (*jcrypto.Sealer, error) {
	if r.KeyWrapped == nil || r.KeyMasterVersion == nil {
		return nil, casekeysDestroyed
	}
	return jcrypto.OpenCaseSealer(ctx, s.wrapper, *r.KeyMasterVersion, r.KeyWrapped, "referral:"+r.ID.String())
}

var casekeysDestroyed = apperr.Conflict("the referral's key was destroyed")

func referralAD(id uuid.UUID, column string) jcrypto.AD {
	return jcrypto.AD{Table: "referrals", Column: column, RowID: id.String(), KeyVersion: 1}
}

// view converts a row for the caller: the note is shown to the sender's
// side that may read the case, and to the recipient's workers on the
// referral once accepted.
func (s *Service) view(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r referralRow) (Referral, error) {
	out := Referral{ID: r.ID, Code: r.Code, CaseID: r.CaseID, Kind: r.Kind, FromOrganizationID: r.FromOrganizationID,
		ToOrganizationID: r.ToOrganizationID, AssistanceTypes: list(r.AssistanceTypes), Categories: list(r.Categories),
		Urgency: r.Urgency, Status: r.Status, DueAt: r.DueAt.UTC(), ConsentID: r.ConsentID,
		Overdue:     r.Status == StatusPending && s.now().After(r.DueAt),
		CaseSummary: CaseSummary{Sex: r.CaseSex, AgeBracket: r.CaseAgeBracket, RegionOfOrigin: r.CaseRegion},
		RespondedAt: utcPtr(r.RespondedAt), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		AssignedUserIDs: []uuid.UUID{}}
	if intakeCaseHidden(p, r) {
		out.CaseID = nil
	}
	if r.Screening != nil {
		var sc IntakeScreening
		if err := json.Unmarshal([]byte(*r.Screening), &sc); err != nil {
			return out, err
		}
		out.Screening = &sc
	}
	var assigned []struct{ UserID uuid.UUID }
	if err := tx.Raw(`SELECT user_id FROM referral_assignments WHERE referral_id = ? ORDER BY assigned_at`, r.ID).Scan(&assigned).Error; err != nil {
		return out, err
	}
	facts := access.Referral{CaseID: caseOf(r), From: r.FromOrganizationID, To: r.ToOrganizationID,
		Working: r.Status == StatusAccepted || r.Status == StatusCompleted}
	for _, a := range assigned {
		out.AssignedUserIDs = append(out.AssignedUserIDs, a.UserID)
		facts.AssignedToCaller = facts.AssignedToCaller || a.UserID == p.UserID
	}
	showNote, err := access.MayReadReferralNote(ctx, tx, p, facts)
	if err != nil {
		return out, err
	}
	if !showNote && r.DeclineReasonEnc == nil && r.OutcomeEnc == nil {
		return out, nil
	}
	sealer, err := s.sealer(ctx, r)
	if err != nil {
		return out, nil
	}
	open := func(enc []byte, col string) (*string, error) {
		if enc == nil {
			return nil, nil
		}
		b, err := sealer.Open(enc, referralAD(r.ID, col))
		if err != nil {
			return nil, err
		}
		t := string(b)
		return &t, nil
	}
	if showNote {
		if out.Note, err = open(r.NoteEnc, "note"); err != nil {
			return out, err
		}
		if out.Outcome, err = open(r.OutcomeEnc, "outcome"); err != nil {
			return out, err
		}
	}
	if access.MayReadDeclineReason(p, facts, showNote) {
		if out.DeclineReason, err = open(r.DeclineReasonEnc, "decline_reason"); err != nil {
			return out, err
		}
	}
	return out, nil
}

// event records a transition and its outbox row (the caller records the
// audit entry).
func event(tx *gorm.DB, p reqctx.Principal, r referralRow, from *string, to string) error {
	if err := tx.Exec(`INSERT INTO referral_events (referral_id, from_status, to_status, actor_id) VALUES (?, ?, ?, ?)`,
		r.ID, from, to, p.UserID).Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO outbox (kind, referral_id, referral_code, from_organization_id, to_organization_id, referred_by)
		VALUES (?, ?, ?, ?, ?, ?)`, "referral."+to, r.ID, r.Code, r.FromOrganizationID, r.ToOrganizationID, r.CreatedBy).Error
}

// Create refers a case to another organization. Only the owning
// organization refers; the consent must be a valid data-sharing consent to
// that recipient covering the referral's categories, or the referral is
// refused with a conflict naming consent_id. With an idempotency key, a
// retry with the same body returns the first referral.
func (s *Service) Create(ctx context.Context, caseID uuid.UUID, in CreateInput, idemKey string, body []byte) (Referral, error) {
	if err := validateReferral(&in); err != nil {
		return Referral{}, err
	}
	now := s.now()
	return access.Act(ctx, s.db, caseID, "referral.create", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (Referral, error) {
		if err := transferNeedsApproval(tx, p, in.Kind); err != nil {
			return Referral{}, err
		}
		c, err := checkReferable(tx, p, caseID, in, now)
		if err != nil {
			return Referral{}, err
		}
		id := uuid.New()
		replay, err := s.claim(tx, p, caseID, "referrals", idemKey, body, id)
		if err != nil {
			return Referral{}, err
		}
		if replay != uuid.Nil {
			out, err := s.loadView(ctx, tx, p, replay)
			return out, cmp.Or(err, access.ErrReplayed)
		}
		r, err := s.send(ctx, tx, p, id, caseID, in, c, now)
		if err != nil {
			return Referral{}, err
		}
		return s.view(ctx, tx, p, r)
	})
}

// send writes referral id of case caseID, pending, and its event.
func (s *Service) send(ctx context.Context, tx *gorm.DB, p reqctx.Principal, id, caseID uuid.UUID, in CreateInput, c referredCase, now time.Time) (referralRow, error) {
	if err := s.insert(ctx, tx, p, id, caseID, in, c, now); err != nil {
		return referralRow{}, err
	}
	r, err := s.load(tx, id, false)
	if err != nil {
		return referralRow{}, err
	}
	return r, event(tx, p, r, nil, StatusPending)
}

// transferNeedsApproval refuses a caseworker's transfer referral (409
// naming approval) where their organization requires a supervisor's
// approval for transfers: the caseworker asks for it instead
// (POST /cases/{id}/approvals), and the approval sends the referral.
func transferNeedsApproval(tx *gorm.DB, p reqctx.Principal, kind string) error {
	if kind != "transfer" || p.Role == authz.RoleSupervisor {
		return nil
	}
	need, err := organizations.NeedsApproval(tx, p.OrganizationID, cases.ApprovalTransfer)
	if err != nil {
		return err
	}
	if need {
		return apperr.Conflict("a transfer needs a supervisor's approval: request one (POST /api/v1/cases/{id}/approvals)", "approval")
	}
	return nil
}

// transferInput is the referral a request for a transfer describes.
func transferInput(f cases.TransferFields) CreateInput {
	return CreateInput{Kind: "transfer", ToOrganizationID: f.ToOrganizationID, Categories: f.Categories,
		ConsentID: f.ConsentID, Urgency: f.Urgency, Note: f.Note}
}

// CheckTransfer checks, in the caller's transaction, that case caseID may
// be transferred as f says: the referral's fields, an active recipient,
// an open case and a valid data-sharing consent covering the categories
// (400 or 409 naming the field, as Create answers). It decides nothing
// else: the caller checked who may ask (cases.TransferSender).
func (s *Service) CheckTransfer(_ context.Context, tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, f cases.TransferFields) error {
	in := transferInput(f)
	if err := validateReferral(&in); err != nil {
		return err
	}
	_, err := checkReferable(tx, p, caseID, in, s.now())
	return err
}

// SendTransfer sends, in the caller's transaction, the transfer referral
// of case caseID that f describes, on behalf of p (the worker who asked
// for it), after the checks of CheckTransfer, and returns its id. The
// caller decided that it may be sent (an approved request) and records
// its own audit entry (cases.TransferSender).
func (s *Service) SendTransfer(ctx context.Context, tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, f cases.TransferFields) (uuid.UUID, error) {
	in := transferInput(f)
	if err := validateReferral(&in); err != nil {
		return uuid.Nil, err
	}
	now := s.now()
	c, err := checkReferable(tx, p, caseID, in, now)
	if err != nil {
		return uuid.Nil, err
	}
	r, err := s.send(ctx, tx, p, uuid.New(), caseID, in, c, now)
	return r.ID, err
}

// validateReferral checks a referral's body and fills its defaults (an
// assistance referral, of normal urgency).
func validateReferral(in *CreateInput) error {
	in.Kind, in.Urgency = cmp.Or(in.Kind, "assistance"), cmp.Or(in.Urgency, "normal")
	var v apperr.Validation
	if in.Kind != "assistance" && in.Kind != "transfer" {
		v.Add("kind", "must be one of: assistance, transfer")
	}
	if in.Urgency != "urgent" && in.Urgency != "normal" {
		v.Add("urgency", "must be one of: urgent, normal")
	}
	if in.ToOrganizationID == uuid.Nil {
		v.Add("to_organization_id", "is required")
	}
	if in.ConsentID == uuid.Nil {
		v.Add("consent_id", "is required")
	}
	for _, t := range in.AssistanceTypes {
		if !slices.Contains(organizations.AssistanceTypes, t) {
			v.Add("assistance_types", "must list assistance types: "+strings.Join(organizations.AssistanceTypes, ", "))
			break
		}
	}
	if in.Kind == "assistance" && len(in.AssistanceTypes) == 0 {
		v.Add("assistance_types", "an assistance referral names at least one assistance type")
	}
	checkCategories(&v, "categories", in.Categories)
	if len([]rune(in.Note)) > 4000 {
		v.Add("note", "must be at most 4000 characters")
	}
	return v.Err()
}

// referredCase is what a referral copies of its case: the case summary
// the recipient sees before accepting.
type referredCase struct {
	Status         string
	Sex            string
	AgeBracket     string
	RegionOfOrigin *string
}

// checkReferable checks that case caseID may be referred as in says: to
// another, active organization, while the case is open, under a valid
// data-sharing consent to that recipient covering the referral's
// categories (a conflict naming consent_id otherwise).
func checkReferable(tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, in CreateInput, now time.Time) (referredCase, error) {
	var c referredCase
	if in.ToOrganizationID == p.OrganizationID {
		return c, apperr.Invalid("to_organization_id", "must be another organization")
	}
	if err := organizations.CheckNamed(tx, "to_organization_id", in.ToOrganizationID, true); err != nil {
		return c, err
	}
	if err := tx.Raw(`SELECT status, sex, age_bracket, region_of_origin FROM cases WHERE id = ?`, caseID).Scan(&c).Error; err != nil {
		return c, err
	}
	if c.Status != "open" {
		return c, apperr.Conflict("a closed case cannot be referred")
	}
	var k consentRow
	if err := tx.Raw(`SELECT `+consentColumns+` FROM consents WHERE id = ? AND case_id = ? FOR SHARE`, in.ConsentID, caseID).Scan(&k).Error; err != nil {
		return c, err
	}
	covers := true
	for _, cat := range in.Categories {
		covers = covers && slices.Contains(k.Categories, cat)
	}
	if k.ID == uuid.Nil || k.Purpose != "data_sharing" || k.RecipientOrganizationID == nil ||
		*k.RecipientOrganizationID != in.ToOrganizationID || !k.valid(now) || !covers {
		return c, apperr.Conflict("no valid data-sharing consent to this recipient covers these categories", "consent_id")
	}
	return c, nil
}

// claim records an idempotency key for a new object id created under
// POST /api/v1/cases/{caseID}/{what}; it returns the object a retry
// replays, or uuid.Nil (see package idempotency).
func (s *Service) claim(tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, what, idemKey string, body []byte, id uuid.UUID) (uuid.UUID, error) {
	if idemKey == "" {
		return uuid.Nil, nil
	}
	route := "POST /api/v1/cases/" + caseID.String() + "/" + what
	return idempotency.Claim(tx, p.UserID, route, idemKey, s.hash(route, body), id)
}

// insert writes referral id of case c, pending, with its own key sealing
// the note, due after the response time of its urgency.
func (s *Service) insert(ctx context.Context, tx *gorm.DB, p reqctx.Principal, id, caseID uuid.UUID, in CreateInput, c referredCase, now time.Time) error {
	code, err := organizations.NextCode(tx, "referral_code_counters", p.OrganizationID, "R", now.Year())
	if err != nil {
		return err
	}
	sealer, wrapped, masterVersion, err := jcrypto.NewCaseSealer(ctx, s.wrapper, "referral:"+id.String())
	if err != nil {
		return err
	}
	var note []byte
	if in.Note != "" {
		if note, err = sealer.Seal([]byte(in.Note), referralAD(id, "note")); err != nil {
			return err
		}
	}
	due := now.Add(s.set.NormalResponse)
	if in.Urgency == "urgent" {
		due = now.Add(s.set.UrgentResponse)
	}
	return tx.Exec(`INSERT INTO referrals (id, code, case_id, kind, from_organization_id, to_organization_id,
			assistance_types, categories, urgency, status, due_at, consent_id, case_sex, case_age_bracket, case_region,
			key_master_version, key_wrapped, note_enc, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, code, caseID, in.Kind, p.OrganizationID, in.ToOrganizationID, database.Array[string](orEmpty(in.AssistanceTypes)),
		database.Array[string](orEmpty(in.Categories)), in.Urgency, due, in.ConsentID, c.Sex, c.AgeBracket, c.RegionOfOrigin,
		masterVersion, wrapped, note, p.UserID).Error
}

// loadView reads referral id as the caller sees it.
func (s *Service) loadView(ctx context.Context, tx *gorm.DB, p reqctx.Principal, id uuid.UUID) (Referral, error) {
	r, err := s.load(tx, id, false)
	if err != nil {
		return Referral{}, err
	}
	return s.view(ctx, tx, p, r)
}

func (s *Service) load(tx *gorm.DB, id uuid.UUID, lock bool) (referralRow, error) {
	q := `SELECT ` + referralColumns + ` FROM referrals r WHERE r.id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	var r referralRow
	err := tx.Raw(q, id).Scan(&r).Error
	return r, err
}

// Filter narrows an inbox or outbox.
type Filter struct {
	Box     string
	CaseID  uuid.UUID
	Status  string
	Urgency string
	Overdue *bool
}

// List returns the caller's organization's incoming or outgoing referrals,
// newest first.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Referral], error) {
	var v apperr.Validation
	if f.Box != "incoming" && f.Box != "outgoing" {
		v.Add("box", "must be incoming or outgoing")
	}
	if f.Status != "" && !slices.Contains([]string{StatusPending, StatusAccepted, StatusDeclined, StatusCancelled, StatusCompleted, StatusExpired}, f.Status) {
		v.Add("status", "must be one of: pending, accepted, declined, cancelled, completed, expired")
	}
	if f.Urgency != "" && f.Urgency != "urgent" && f.Urgency != "normal" {
		v.Add("urgency", "must be one of: urgent, normal")
	}
	if err := v.Err(); err != nil {
		return web.List[Referral]{}, err
	}
	var out web.List[Referral]
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		col := "r.to_organization_id"
		if f.Box == "outgoing" {
			col = "r.from_organization_id"
		}
		q := `SELECT ` + referralColumns + ` FROM referrals r WHERE ` + col + ` = @org`
		args := map[string]any{"org": p.OrganizationID}
		if f.CaseID != uuid.Nil {
			q += ` AND r.case_id = @case`
			args["case"] = f.CaseID
		}
		if f.Status != "" {
			q += ` AND r.status = @status`
			args["status"] = f.Status
		}
		if f.Urgency != "" {
			q += ` AND r.urgency = @urgency`
			args["urgency"] = f.Urgency
		}
		if f.Overdue != nil {
			if *f.Overdue {
				q += ` AND r.status = 'pending' AND r.due_at < now()`
			} else {
				q += ` AND NOT (r.status = 'pending' AND r.due_at < now())`
			}
		}
		cond, tail := pg.Keyset("r.created_at", "r.id", args)
		var rows []referralRow
		if err := tx.Raw(q+cond+tail, args).Scan(&rows).Error; err != nil {
			return err
		}
		items := make([]Referral, 0, len(rows))
		for _, r := range rows {
			ref, err := s.view(ctx, tx, p, r)
			if err != nil {
				return err
			}
			items = append(items, ref)
		}
		out = web.NewList(items, pg.Limit, func(r Referral) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID })
		return audit.Record(ctx, tx, "referral.list", "referral", "", audit.Success)
	})
	return out, err
}

// Get returns one referral of the caller's organization.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Referral, error) {
	var out Referral
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		r, err := s.load(tx, id, false)
		if err != nil {
			return err
		}
		if r.ID == uuid.Nil {
			return access.NotFound("referral", "referral.read", "referral", id.String())
		}
		if out, err = s.view(ctx, tx, p, r); err != nil {
			return err
		}
		typ, oid := auditObject(r, p)
		return audit.Record(ctx, tx, "referral.read", typ, oid, audit.Success)
	})
	return out, err
}

// caseOf is the case a referral names, or the nil id.
func caseOf(r referralRow) uuid.UUID {
	if r.CaseID == nil {
		return uuid.Nil
	}
	return *r.CaseID
}
