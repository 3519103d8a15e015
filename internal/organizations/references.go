package organizations

// What other domains ask of the organizations, in their own transaction:
// the code of what an organization opens (NextCode), and whether a body
// names an organization (CheckNamed).

import (
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
)

// NextCode numbers what organization orgID opens in a year (its cases, its
// referrals) in the caller's transaction tx: it moves on the organization's
// counter for year in the table counters (each domain keeps its own; the
// name is the caller's constant, never input) and returns the code: the
// organization's code, marker and the year, and the number written with at
// least four digits (SEZIM-2025-0042, SEZIM-R2025-0007). It returns the
// database's errors.
func NextCode(tx *gorm.DB, counters string, orgID uuid.UUID, marker string, year int) (string, error) {
	var r struct {
		Code string
		Last int
	}
	err := tx.Raw(`WITH n AS (
			INSERT INTO `+counters+` (organization_id, year, last) VALUES (?, ?, 1)
			ON CONFLICT (organization_id, year) DO UPDATE SET last = `+counters+`.last + 1
			RETURNING last)
		SELECT o.code, n.last FROM n, organizations o WHERE o.id = ?`, orgID, year, orgID).Scan(&r).Error
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%s%d-%04d", r.Code, marker, year, r.Last), nil
}

// CheckNamed answers a validation error naming field unless organization
// id exists (and, when active is set, is active), read in the caller's
// transaction tx: for a body that names an organization (a provider, a
// recipient, an account's organization). It returns the database's errors.
func CheckNamed(tx *gorm.DB, field string, id uuid.UUID, active bool) error {
	var exists bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ? AND (active OR NOT ?))`, id, active).Scan(&exists).Error; err != nil {
		return err
	}
	switch {
	case exists:
		return nil
	case active:
		return apperr.Invalid(field, "names no active organization")
	}
	return apperr.Invalid(field, "names no organization")
}
