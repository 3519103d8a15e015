package work

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// A hotline operator's work: the intakes the hotline referred (package
// contacts), read within the hotline's row-level security scope (its own
// contacts and the referrals it made), by code: never an identity, a
// phone number or a case.

// intakeRow is an intake or a contact as the operator's work list reads it.
type intakeRow struct {
	ContactID    uuid.UUID
	ContactCode  string
	ReferralID   *uuid.UUID
	ReferralCode *string
	Urgency      *string
	Due          time.Time
}

func intakeItems(kind string, rows []intakeRow) []Item {
	out := make([]Item, 0, len(rows))
	for _, r := range rows {
		out = append(out, Item{Kind: kind, DueAt: r.Due, Link: "/contacts", ContactID: &r.ContactID, ContactCode: &r.ContactCode,
			ReferralID: r.ReferralID, ReferralCode: r.ReferralCode, Urgency: r.Urgency})
	}
	return out
}

// intakesWaiting are the intakes the caller's hotline referred that the
// crisis center has not answered, overdue or due within the horizon: the
// caller may chase them or refer the caller elsewhere.
func intakesWaiting(tx *gorm.DB, p reqctx.Principal, now time.Time) ([]Item, error) {
	var rows []intakeRow
	err := tx.Raw(`SELECT k.id AS contact_id, k.code AS contact_code, r.id AS referral_id, r.code AS referral_code,
			r.urgency, r.due_at AS due
		FROM referrals r JOIN contacts k ON k.id = r.contact_id
		WHERE r.kind = 'intake' AND r.from_organization_id = ? AND r.status = 'pending' AND r.due_at < ?`,
		p.OrganizationID, now.Add(Horizon)).Scan(&rows).Error
	return intakeItems(KindIntakeWaiting, rows), err
}

// intakesDeclined are the intakes of the caller's hotline that the crisis
// center declined, while their contact is kept and has not been referred
// again (a declined intake leaves the caller without help): due a day
// after the answer.
func intakesDeclined(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []intakeRow
	err := tx.Raw(`SELECT k.id AS contact_id, k.code AS contact_code, r.id AS referral_id, r.code AS referral_code,
			r.urgency, coalesce(r.responded_at, r.updated_at) + make_interval(days => ?) AS due
		FROM referrals r JOIN contacts k ON k.id = r.contact_id
		WHERE r.kind = 'intake' AND r.from_organization_id = ? AND r.status = 'declined' AND k.erased_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM referrals n WHERE n.contact_id = r.contact_id AND n.created_at > r.created_at)`,
		GraceDays, p.OrganizationID).Scan(&rows).Error
	return intakeItems(KindIntakeDeclined, rows), err
}

// callbacks are the caller's hotline's contacts whose caller consented to
// be called back and that have no outcome yet: due a day after the call.
func callbacks(tx *gorm.DB, p reqctx.Principal, _ time.Time) ([]Item, error) {
	var rows []intakeRow
	err := tx.Raw(`SELECT k.id AS contact_id, k.code AS contact_code, k.created_at + make_interval(days => ?) AS due
		FROM contacts k
		WHERE k.organization_id = ? AND k.callback_consent AND k.outcome IS NULL AND k.erased_at IS NULL`,
		GraceDays, p.OrganizationID).Scan(&rows).Error
	return intakeItems(KindCallback, rows), err
}
