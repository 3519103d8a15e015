package users

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// handOver gives the cases assigned to account u, which is being disabled,
// to the worker to (an active caseworker or supervisor of the same
// organization; anyone else answers a validation error naming reassign_to)
// or, with nobody named, leaves them unassigned: the organization's
// supervisors see them so in their case list and assign them. Each case's
// change is audited on the case. It runs in tx under the row-level
// security scope of u's organization, for the rest of tx.
func handOver(ctx context.Context, tx *gorm.DB, u row, to *uuid.UUID) error {
	if to != nil {
		var ok bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND id <> ? AND organization_id = ?
			AND status = 'active' AND role IN ('caseworker', 'supervisor'))`, *to, u.ID, u.OrganizationID).Scan(&ok).Error; err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid("reassign_to", "must name another active caseworker or supervisor of the same organization")
		}
	}
	if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, u.OrganizationID.String()).Error; err != nil {
		return err
	}
	var by *uuid.UUID
	if p, ok := reqctx.PrincipalFrom(ctx); ok {
		by = &p.UserID
	}
	released, err := cases.HandOver(tx, u.ID, to, by)
	if err != nil {
		return err
	}
	for _, id := range released {
		if err := audit.Record(ctx, tx, "case.assign", "case", id.String(), audit.Success); err != nil {
			return err
		}
	}
	return nil
}
