package contacts

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/idempotency"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/referrals"
)

// Refer makes contact id an intake at a crisis center: the call records
// the caller's spoken consent (now, to that recipient, for the categories
// given), and the intake carries the screening and, of the contact's
// identity and contact details, the consented categories only. A contact
// with an intake pending or accepted answers a conflict, as does an erased
// one. The contact's outcome becomes referred. With an idempotency key, a
// retry with the same body returns the contact as it is.
func (s *Service) Refer(ctx context.Context, id uuid.UUID, in ReferInput, idemKey string, body []byte) (Contact, error) {
	if err := validateRefer(&in); err != nil {
		return Contact{}, err
	}
	var out Contact
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		r, err := load(tx, id, "contact.refer", true)
		if err != nil {
			return err
		}
		if idemKey != "" {
			route := "POST /api/v1/contacts/" + id.String() + "/refer"
			replay, err := idempotency.Claim(tx, p.UserID, route, idemKey, s.hash(route, body), uuid.New())
			if err != nil {
				return err
			}
			if replay != uuid.Nil {
				out, err = s.view(ctx, tx, r, true)
				return err
			}
		}
		if err := s.refer(ctx, tx, p, r, in); err != nil {
			return err
		}
		if r, err = load(tx, id, "contact.refer", false); err != nil {
			return err
		}
		if out, err = s.view(ctx, tx, r, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "contact.refer", "contact", id.String(), audit.Success)
	})
	return out, err
}

func (s *Service) refer(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r row, in ReferInput) error {
	if r.ErasedAt != nil {
		return apperr.Conflict("this contact was erased")
	}
	var open int64
	if err := tx.Raw(`SELECT count(*) FROM referrals WHERE contact_id = ? AND status IN ('pending', 'accepted', 'completed')`,
		r.ID).Scan(&open).Error; err != nil {
		return err
	}
	if open > 0 {
		return apperr.Conflict("this contact is already an intake")
	}
	sec, err := s.open(ctx, r)
	if err != nil {
		return err
	}
	intake := referrals.IntakeInput{ContactID: r.ID, ToOrganizationID: in.ToOrganizationID, Urgency: in.Urgency,
		Note: in.Note, Categories: in.Categories, Screening: referrals.IntakeScreening{Channel: r.Channel, Caller: r.Caller,
			Topic: r.Topic, Region: r.Region, Country: r.Country, Indicators: orEmpty(r.Indicators), Result: r.ScreeningResult}}
	if slices.Contains(in.Categories, "identity") && sec.Identity != nil {
		if intake.Identity, err = json.Marshal(sec.Identity); err != nil {
			return err
		}
	}
	if slices.Contains(in.Categories, "contact") && sec.Contact != nil {
		if intake.Contact, err = json.Marshal(sec.Contact); err != nil {
			return err
		}
	}
	if _, err := s.referrals.CreateIntake(ctx, tx, p, intake); err != nil {
		return err
	}
	return tx.Exec(`UPDATE contacts SET outcome = 'referred', updated_at = now(), version = version + 1 WHERE id = ?`, r.ID).Error
}

func orEmpty(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}
