package referrals

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
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
// nothing.
func (s *Service) Act(ctx context.Context, id uuid.UUID, action, text string) (Referral, error) {
	t, ok := transitions[action]
	if err := checkActText(action, text); err != nil {
		return Referral{}, err
	}
	return access.Do(ctx, s.db, "referral."+action, func(tx *gorm.DB, p reqctx.Principal) (Referral, uuid.UUID, error) {
		r, err := s.load(tx, id, true)
		if err != nil {
			return Referral{}, r.CaseID, err
		}
		if r.ID == uuid.Nil {
			return Referral{}, r.CaseID, access.NotFound("referral", "referral."+action, "referral", id.String())
		}
		if !ok {
			return Referral{}, r.CaseID, apperr.NotFound("action")
		}
		if access.SideOf(p, r.FromOrganizationID, r.ToOrganizationID) != t.side {
			return Referral{}, r.CaseID, access.Deny(t.notSide, "referral."+action, "case", r.CaseID.String())
		}
		if !slices.Contains(t.from, r.Status) {
			return Referral{}, r.CaseID, apperr.Conflict(t.notFrom)
		}
		if err := s.apply(ctx, tx, p, r, action, t, text); err != nil {
			return Referral{}, r.CaseID, err
		}
		out, err := s.loadView(ctx, tx, p, id)
		return out, r.CaseID, err
	})
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

// apply carries out transition t of referral r, which the caller may make:
// a referral whose consent ended cannot be accepted or completed (it has
// expired, whatever is asked); the text is sealed under the referral's
// key; an accepted transfer hands the case over (cases.Transfer).
func (s *Service) apply(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r referralRow, action string, t transition, text string) error {
	var consentValid bool
	if err := tx.Raw(`SELECT jardam_consent_valid(?)`, r.ConsentID).Scan(&consentValid).Error; err != nil {
		return err
	}
	if !consentValid && (t.to == StatusAccepted || t.to == StatusCompleted) {
		return apperr.Conflict("the consent behind this referral has ended", "consent_id")
	}
	var enc []byte
	if t.text != "" && text != "" {
		sealer, err := s.sealer(ctx, r)
		if err != nil {
			return err
		}
		if enc, err = sealer.Seal([]byte(text), referralAD(r.ID, t.text)); err != nil {
			return err
		}
	}
	if err := tx.Exec(`UPDATE referrals SET status = @to, version = version + 1, updated_at = now()`+t.set+` WHERE id = @id`,
		map[string]any{"to": t.to, "id": r.ID, "enc": enc, "user": p.UserID}).Error; err != nil {
		return err
	}
	if action == Accept {
		if err := tx.Exec(`INSERT INTO referral_assignments (referral_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, r.ID, p.UserID).Error; err != nil {
			return err
		}
		if r.Kind == "transfer" {
			if err := cases.Transfer(tx, r.CaseID, r.ToOrganizationID, p.UserID); err != nil {
				return err
			}
		}
	}
	from := r.Status
	return event(tx, p, r, &from, t.to)
}
