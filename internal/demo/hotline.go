package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/contacts"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// demoCallsPerHalf is how many calls the demo's 1899 hotline records in
// each of the demo's half-years.
const demoCallsPerHalf = 24

// Hotline records the 1899 hotline's calls over the demo's half-years, as
// its operator through the contact service (each sealed under a key of its
// own, as any contact), then dates each to a day of its half-year: mostly
// consultations, some calls ending with no action, none naming anyone. The
// hotline's half-year report on measure 2.3 and the coordinators' contact
// tables then have figures. The generator is seeded, so every demo
// database is alike.
func Hotline(ctx context.Context, db *gorm.DB, svc *contacts.Service) error {
	var op Worker
	if err := db.WithContext(ctx).Raw(`SELECT id AS user_id, organization_id, role FROM users WHERE email = 'operator@hotline1899.kg'`).
		Scan(&op).Error; err != nil {
		return fmt.Errorf("demo hotline operator: %w", err)
	}
	if op.Role == "" {
		return fmt.Errorf("demo account operator@hotline1899.kg missing")
	}
	r := rand.New(rand.NewPCG(2025, 1899)) //nolint:gosec // G404: synthetic demo data, the same on every run by design
	for _, h := range demoHalves {
		for i := 0; i < demoCallsPerHalf; i++ {
			c, err := svc.Create(as(ctx, op), demoCall(r), "", nil)
			if err != nil {
				return fmt.Errorf("demo call %d-H%d #%d: %w", h[0], h[1], i+1, err)
			}
			at := time.Date(h[0], time.Month(1+6*(h[1]-1)+r.IntN(6)), 1+r.IntN(28), 9+r.IntN(9), r.IntN(60), 0, 0, cases.Bishkek)
			if err := dateCall(ctx, db, op, c, at); err != nil {
				return fmt.Errorf("demo call %s: %w", c.Code, err)
			}
		}
	}
	return nil
}

// demoCall draws a call's counted fields.
func demoCall(r *rand.Rand) contacts.Fields {
	return contacts.Fields{
		Channel: ptr(pick(r, []weighted[string]{{"phone", 8}, {"messenger", 4}, {"app", 2}, {"walk_in", 1}})),
		Caller:  ptr(pick(r, []weighted[string]{{"person_concerned", 5}, {"family", 3}, {"anonymous", 3}, {"professional", 1}})),
		Topic: ptr(pick(r, []weighted[string]{{"safe_migration_advice", 6}, {"job_offer_check", 4}, {"suspected_trafficking", 2},
			{"missing_person", 1}})),
		Region:  ptr(pick(r, []weighted[string]{{"bishkek_city", 4}, {"osh", 3}, {"jalal_abad", 2}, {"chui", 2}, {"osh_city", 1}})),
		Country: ptr(pick(r, []weighted[string]{{"RU", 6}, {"KZ", 3}, {"TR", 1}, {"KR", 1}})),
		Outcome: ptr(pick(r, []weighted[string]{{"advice_given", 5}, {"no_action", 1}})),
	}
}

// dateCall moves contact c's record to at, within the hotline's own scope.
func dateCall(ctx context.Context, db *gorm.DB, op Worker, c contacts.Contact, at time.Time) error {
	return database.InTx(ctx, db, func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, op.OrganizationID.String()).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE contacts SET created_at = ?, updated_at = ? WHERE id = ?`, at, at, c.ID).Error
	})
}
