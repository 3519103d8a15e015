package referrals

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Transition names.
const (
	Accept   = "accept"
	Decline  = "decline"
	Complete = "complete"
	Cancel   = "cancel"
)

// transition is one action of a referral's lifecycle.
type transition struct {
	// side acts; the other side is refused with notSide.
	side    access.Side
	notSide string
	// from are the statuses the action starts from; from another it is
	// refused with notFrom.
	from    []string
	notFrom string
	to      string
	// text is the sealed column the action's text goes to ("" none), set
	// what the update sets besides the status and version.
	text, set string
}

// transitions are the referral lifecycle: the recipient accepts (the
// accepting worker is assigned; a transfer hands the case over), declines
// with a reason, or completes with an outcome; the sender cancels.
var transitions = map[string]transition{
	Accept: {side: access.Recipient, notSide: "only the receiving organization answers a referral",
		from: []string{StatusPending}, notFrom: "only a pending referral can be answered",
		to: StatusAccepted, set: `, responded_at = now(), accepted_by = @user`},
	Decline: {side: access.Recipient, notSide: "only the receiving organization answers a referral",
		from: []string{StatusPending}, notFrom: "only a pending referral can be answered",
		to: StatusDeclined, text: "decline_reason", set: `, responded_at = now(), decline_reason_enc = @enc`},
	Complete: {side: access.Recipient, notSide: "only the receiving organization completes a referral",
		from: []string{StatusAccepted}, notFrom: "only an accepted referral can be completed",
		to: StatusCompleted, text: "outcome", set: `, outcome_enc = @enc`},
	Cancel: {side: access.Sender, notSide: "only the referring organization cancels a referral",
		from: []string{StatusPending, StatusAccepted}, notFrom: "only a pending or accepted referral can be cancelled",
		to: StatusCancelled},
}

// Act moves a referral through its lifecycle (transitions). A referral of
// another organization answers not found; an action of the wrong side
// answers forbidden; an illegal transition answers a conflict and changes
// nothing. text is a decline's reason or a completion's outcome; accept
// says how an intake is accepted (AcceptInput).
func (s *Service) Act(ctx context.Context, id uuid.UUID, action, text string, accept AcceptInput) (Referral, error) {
	t, ok := transitions[action]
	if err := checkActText(action, text); err != nil {
		return Referral{}, err
	}
	var out Referral
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		r, err := s.load(tx, id, true)
		if err != nil {
			return err
		}
		if r.ID == uuid.Nil {
			return access.NotFound("referral", "referral."+action, "referral", id.String())
		}
		if !ok {
			return apperr.NotFound("action")
		}
		typ, oid := auditObject(r, p)
		if access.SideOf(p, r.FromOrganizationID, r.ToOrganizationID) != t.side {
			return access.Deny(t.notSide, "referral."+action, typ, oid)
		}
		if !slices.Contains(t.from, r.Status) {
			return apperr.Conflict(t.notFrom)
		}
		if (accept.CaseID != nil || accept.NewCase) && (action != Accept || r.Kind != KindIntake) {
			return apperr.Invalid("case_id", "is given only when accepting an intake")
		}
		if r.CaseID, err = s.apply(ctx, tx, p, r, action, t, text, accept); err != nil {
			return err
		}
		if out, err = s.loadView(ctx, tx, p, id); err != nil {
			return err
		}
		typ, oid = auditObject(r, p)
		return audit.Record(ctx, tx, "referral."+action, typ, oid, audit.Success)
	})
	return out, err
}

// checkActText checks the text of an action: a decline needs a reason; a
// reason or an outcome is at most 4000 characters.
func checkActText(action, text string) error {
	if action == Decline && strings.TrimSpace(text) == "" {
		return apperr.Invalid("reason", "a reason is required to decline")
	}
	if len([]rune(text)) > 4000 {
		field := "reason"
		if action == Complete {
			field = "outcome"
		}
		return apperr.Invalid(field, "must be at most 4000 characters")
	}
	return nil
}

// apply carries out transition t of referral r, which the caller may make,
// and returns the case the referral names afterwards: a referral whose
// consent ended cannot be accepted or completed (it has expired, whatever
// is asked); the text is sealed under the referral's key; an accepted
// transfer hands the case over (cases.Transfer); an accepted intake opens
// or names the recipient's case (acceptIntake); an intake answered
// otherwise drops the identity it carried.
func (s *Service) apply(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r referralRow, action string, t transition, text string, accept AcceptInput) (*uuid.UUID, error) {
	if r.Kind != KindIntake {
		var consentValid bool
		if err := tx.Raw(`SELECT jardam_consent_valid(?)`, r.ConsentID).Scan(&consentValid).Error; err != nil {
			return nil, err
		}
		if !consentValid && (t.to == StatusAccepted || t.to == StatusCompleted) {
			return nil, apperr.Conflict("the consent behind this referral has ended", "consent_id")
		}
	}
	var enc []byte
	if t.text != "" && text != "" {
		sealer, err := s.sealer(ctx, r)
		if err != nil {
			return nil, err
		}
		if enc, err = sealer.Seal([]byte(text), referralAD(r.ID, t.text)); err != nil {
			return nil, err
		}
	}
	caseID := r.CaseID
	if action == Accept && r.Kind == KindIntake {
		id, err := s.acceptIntake(ctx, tx, p, r, accept)
		if err != nil {
			return nil, err
		}
		caseID = &id
	}
	set := t.set
	if r.Kind == KindIntake && action != Accept {
		set += `, identity_enc = NULL, contact_enc = NULL`
	}
	if err := tx.Exec(`UPDATE referrals SET status = @to, version = version + 1, updated_at = now()`+set+` WHERE id = @id`,
		map[string]any{"to": t.to, "id": r.ID, "enc": enc, "user": p.UserID}).Error; err != nil {
		return nil, err
	}
	if action == Accept {
		if err := tx.Exec(`INSERT INTO referral_assignments (referral_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, r.ID, p.UserID).Error; err != nil {
			return nil, err
		}
		if r.Kind == "transfer" {
			if err := cases.Transfer(tx, *r.CaseID, r.ToOrganizationID, p.UserID); err != nil {
				return nil, err
			}
		}
	}
	from := r.Status
	return caseID, event(tx, p, r, &from, t.to)
}
