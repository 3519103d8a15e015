package referrals

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Intakes: a hotline refers a caller to a crisis center. The referral of
// kind intake names the contact, carries the screening (what the recipient
// reads before accepting) and, sealed under the referral's own key, the
// identity and contact details the caller consented to give that recipient.
// It names no case until accepted: accepting opens a case at the recipient
// (cases.OpenIntake) or attaches the intake to a case the recipient holds,
// and the referral's case_id then links contact and case. The hotline reads
// the intake's status only (package contacts), never the case.

// KindIntake is the kind of a referral from a hotline's contact.
const KindIntake = "intake"

// IntakeScreening is what the recipient of an intake reads before
// accepting it: enumerations only, nothing that identifies the caller.
type IntakeScreening struct {
	Channel    string   `json:"channel"`
	Caller     string   `json:"caller"`
	Topic      string   `json:"topic"`
	Region     *string  `json:"region"`
	Country    *string  `json:"country"`
	Indicators []string `json:"indicators"`
	Result     *string  `json:"result"`
}

// IntakeInput is an intake as the contact service asks for it.
type IntakeInput struct {
	ContactID        uuid.UUID
	ToOrganizationID uuid.UUID
	Urgency, Note    string
	Categories       []string
	Screening        IntakeScreening
	// Identity and Contact are the consented parts of the contact as JSON
	// in the field names of a case's identity; nil when not consented or
	// not given.
	Identity, Contact []byte
}

// CreateIntake puts an intake from the caller's hotline in the inbox of
// in.ToOrganizationID, in the caller's transaction tx, and returns its id.
// It decides only what an intake is: the recipient must be another,
// active crisis center (400 naming to_organization_id); the caller has
// decided that the contact may be referred and records its own audit entry.
func (s *Service) CreateIntake(ctx context.Context, tx *gorm.DB, p reqctx.Principal, in IntakeInput) (uuid.UUID, error) {
	if in.ToOrganizationID == p.OrganizationID {
		return uuid.Nil, apperr.Invalid("to_organization_id", "must be another organization")
	}
	if err := organizations.CheckNamed(tx, "to_organization_id", in.ToOrganizationID, true); err != nil {
		return uuid.Nil, err
	}
	var kind string
	if err := tx.Raw(`SELECT kind FROM organizations WHERE id = ?`, in.ToOrganizationID).Scan(&kind).Error; err != nil {
		return uuid.Nil, err
	}
	if kind != "crisis_center" {
		return uuid.Nil, apperr.Invalid("to_organization_id", "an intake goes to a crisis center")
	}
	now := s.now()
	id := uuid.New()
	code, err := organizations.NextCode(tx, "referral_code_counters", p.OrganizationID, "R", now.Year())
	if err != nil {
		return uuid.Nil, err
	}
	sealer, wrapped, masterVersion, err := jcrypto.NewCaseSealer(ctx, s.wrapper, "referral:"+id.String())
	if err != nil {
		return uuid.Nil, err
	}
	seal := func(b []byte, column string) ([]byte, error) {
		if len(b) == 0 {
			return nil, nil
		}
		return sealer.Seal(b, referralAD(id, column))
	}
	note, err := seal([]byte(in.Note), "note")
	if err != nil {
		return uuid.Nil, err
	}
	identity, err := seal(in.Identity, "identity")
	if err != nil {
		return uuid.Nil, err
	}
	contact, err := seal(in.Contact, "contact")
	if err != nil {
		return uuid.Nil, err
	}
	screening, err := json.Marshal(in.Screening)
	if err != nil {
		return uuid.Nil, err
	}
	due := now.Add(s.set.NormalResponse)
	if in.Urgency == "urgent" {
		due = now.Add(s.set.UrgentResponse)
	}
	if err := tx.Exec(`INSERT INTO referrals (id, code, kind, contact_id, from_organization_id, to_organization_id,
			categories, urgency, status, due_at, case_sex, case_age_bracket, case_region, screening,
			key_master_version, key_wrapped, note_enc, identity_enc, contact_enc, created_by)
		VALUES (?, ?, 'intake', ?, ?, ?, ?, ?, 'pending', ?, 'unknown', 'unknown', ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?)`,
		id, code, in.ContactID, p.OrganizationID, in.ToOrganizationID, database.Array[string](orEmpty(in.Categories)),
		in.Urgency, due, in.Screening.Region, string(screening), masterVersion, wrapped, note, identity, contact,
		p.UserID).Error; err != nil {
		return uuid.Nil, err
	}
	r, err := s.load(tx, id, false)
	if err != nil {
		return uuid.Nil, err
	}
	return id, event(tx, p, r, nil, StatusPending)
}

// intakeIdentity opens the consented identity and contact an intake
// carries, as one case identity (nil when it carries neither).
func (s *Service) intakeIdentity(ctx context.Context, tx *gorm.DB, r referralRow) (*cases.Identity, error) {
	var enc struct{ IdentityEnc, ContactEnc []byte }
	if err := tx.Raw(`SELECT identity_enc, contact_enc FROM referrals WHERE id = ?`, r.ID).Scan(&enc).Error; err != nil {
		return nil, err
	}
	if enc.IdentityEnc == nil && enc.ContactEnc == nil {
		return nil, nil
	}
	sealer, err := s.sealer(ctx, r)
	if err != nil {
		return nil, err
	}
	var id cases.Identity
	for _, part := range []struct {
		enc    []byte
		column string
	}{{enc.IdentityEnc, "identity"}, {enc.ContactEnc, "contact"}} {
		if part.enc == nil {
			continue
		}
		b, err := sealer.Open(part.enc, referralAD(r.ID, part.column))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &id); err != nil {
			return nil, err
		}
	}
	return &id, nil
}

// AcceptInput is the body of accepting a referral; for an intake, case_id
// attaches it to a case the recipient holds, new_case opens a new one even
// though the duplicate check found a possible match.
type AcceptInput struct {
	CaseID  *uuid.UUID `json:"case_id,omitempty"`
	NewCase bool       `json:"new_case,omitempty"`
}

// acceptIntake carries out the acceptance of intake r by the caller: a case
// the caller sees as its owner's side when in names one (the intake
// attached to it, nothing copied), otherwise, after the duplicate check
// against the cases the caller sees, a new case of the caller's
// organization (channel hotline, the consented identity and contact, the
// caller assigned). A possible duplicate without new_case answers a
// conflict naming case_id, so the acceptor chooses. The referral then
// names the case, and its sealed identity and contact are cleared. It
// returns the case's id.
func (s *Service) acceptIntake(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r referralRow, in AcceptInput) (uuid.UUID, error) {
	if s.Cases == nil {
		return uuid.Nil, apperr.Internal(errNoCases)
	}
	var caseID uuid.UUID
	if in.CaseID != nil {
		if _, err := access.Check(ctx, tx, *in.CaseID, "referral.accept", access.RequireOwner); err != nil {
			return uuid.Nil, err
		}
		caseID = *in.CaseID
	} else {
		identity, err := s.intakeIdentity(ctx, tx, r)
		if err != nil {
			return uuid.Nil, err
		}
		if !in.NewCase && identity != nil {
			matches, err := s.Cases.MatchesInTx(tx, p, identity)
			if err != nil {
				return uuid.Nil, err
			}
			outcome := "no_match"
			if len(matches) > 0 {
				outcome = "match"
			}
			if err := audit.Record(ctx, tx, "case.duplicate_check", "case_duplicate", outcome, audit.Success); err != nil {
				return uuid.Nil, err
			}
			if len(matches) > 0 {
				return uuid.Nil, apperr.Conflict("the person may already have a case here: see the referral's matches, "+
					"then accept with case_id to attach the intake, or with new_case to open a case", "case_id")
			}
		}
		channel := "hotline"
		at := s.now()
		if caseID, err = s.Cases.OpenIntake(ctx, tx, p, cases.Fields{Identity: identity, IdentificationChannel: &channel,
			IdentifiedAt: &at}); err != nil {
			return uuid.Nil, err
		}
		if err := audit.Record(ctx, tx, "case.create", "case", caseID.String(), audit.Success); err != nil {
			return uuid.Nil, err
		}
	}
	if err := tx.Exec(`UPDATE referrals SET case_id = ?, identity_enc = NULL, contact_enc = NULL WHERE id = ?`,
		caseID, r.ID).Error; err != nil {
		return uuid.Nil, err
	}
	return caseID, nil
}

// Matches returns the cases of the caller's organization that the person of
// intake id may already have (the duplicate check of its consented
// identity against the cases the caller sees), for the acceptor to choose
// one to attach the intake to. Only the recipient's side asks, while the
// intake is pending; the check is audited.
func (s *Service) Matches(ctx context.Context, id uuid.UUID) ([]cases.Match, error) {
	var out []cases.Match
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		r, err := s.load(tx, id, false)
		if err != nil {
			return err
		}
		if r.ID == uuid.Nil || r.Kind != KindIntake {
			return access.NotFound("referral", "referral.matches", "referral", id.String())
		}
		if access.SideOf(p, r.FromOrganizationID, r.ToOrganizationID) != access.Recipient {
			return access.Deny("only the receiving organization checks an intake", "referral.matches", "referral", id.String())
		}
		if r.Status != StatusPending {
			return apperr.Conflict("only a pending intake is checked")
		}
		identity, err := s.intakeIdentity(ctx, tx, r)
		if err != nil {
			return err
		}
		out = []cases.Match{}
		if identity != nil {
			if out, err = s.Cases.MatchesInTx(tx, p, identity); err != nil {
				return err
			}
		}
		outcome := "no_match"
		if len(out) > 0 {
			outcome = "match"
		}
		return audit.Record(ctx, tx, "case.duplicate_check", "case_duplicate", outcome, audit.Success)
	})
	return out, err
}

var errNoCases = errors.New("referrals: no case service to open an intake's case")

// auditObject is the object a referral action is recorded on: its case, or
// the referral itself for an intake that names none yet, and for the
// hotline's side of an intake.
func auditObject(r referralRow, p reqctx.Principal) (string, string) {
	if r.CaseID != nil && !intakeCaseHidden(p, r) {
		return "case", r.CaseID.String()
	}
	return "referral", r.ID.String()
}

// intakeCaseHidden reports whether the caller must not see the case an
// intake names: the hotline's side never does.
func intakeCaseHidden(p reqctx.Principal, r referralRow) bool {
	return r.Kind == KindIntake && access.SideOf(p, r.FromOrganizationID, r.ToOrganizationID) != access.Recipient
}
