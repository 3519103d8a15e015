package organizations

import (
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
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
