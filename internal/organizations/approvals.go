package organizations

import (
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// ApprovalKinds are the requests an organization may require a
// supervisor's approval for: a plan, a closure, a transfer.
var ApprovalKinds = []string{"plan", "closure", "transfer"}

// NeedsApproval reports whether organization org requires a supervisor's
// approval for requests of kind (its approval_kinds; closure and transfer
// unless the organization chose otherwise), read in tx.
func NeedsApproval(tx *gorm.DB, org uuid.UUID, kind string) (bool, error) {
	var o struct {
		ApprovalKinds []string `gorm:"type:text[]"`
	}
	if err := tx.Raw(`SELECT approval_kinds FROM organizations WHERE id = ?`, org).Scan(&o).Error; err != nil {
		return false, err
	}
	return slices.Contains(o.ApprovalKinds, kind), nil
}
