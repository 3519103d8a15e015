package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access/foureyes"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Notification kinds of factor resets (they name no one: the link leads to
// the account list).
const (
	NotifyMFAResetRequested = "mfa.reset_requested"
	NotifyMFAResetApproved  = "mfa.reset_approved"
)

// MFAReset is a requested reset of someone's second factor.
type MFAReset struct {
	UserID      uuid.UUID `json:"user_id"`
	Status      string    `json:"status"`
	RequestedAt time.Time `json:"requested_at"`
}

// mfaTarget locks the account whose factor is reset, when the caller
// manages it: the admin every account, an org admin those of its own
// organization. Others answer not found.
func mfaTarget(ctx context.Context, tx *gorm.DB, id uuid.UUID) (uuid.UUID, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	var u struct{ OrganizationID uuid.UUID }
	if err := tx.Raw(`SELECT organization_id FROM users WHERE id = ? FOR UPDATE`, id).Scan(&u).Error; err != nil {
		return uuid.Nil, err
	}
	org := u.OrganizationID
	if org == uuid.Nil || !(caller.Role == authz.RoleAdmin || (caller.Role == authz.RoleOrgAdmin && org == caller.OrganizationID)) {
		return uuid.Nil, apperr.NotFound("user")
	}
	return org, nil
}

// notifyMFAReset tells the organization's supervisors and org admins, in
// the app, that a factor reset was asked for or carried out.
func notifyMFAReset(tx *gorm.DB, org uuid.UUID, kind string) error {
	return tx.Exec(`INSERT INTO notifications (user_id, kind, ref_code, link)
		SELECT id, ?, '', '/users' FROM users
		WHERE organization_id = ? AND role IN ('supervisor', 'hotline_supervisor', 'org_admin') AND disabled_at IS NULL`, kind, org).Error
}

// RequestMFAReset asks for the reset of a user's second factor; it takes
// effect when someone else approves it (ApproveMFAReset). An account the
// caller does not manage answers not found; one without a factor, or with
// a reset already pending, a conflict.
func (s *Service) RequestMFAReset(ctx context.Context, userID uuid.UUID) (MFAReset, error) {
	caller, _ := reqctx.PrincipalFrom(ctx)
	out := MFAReset{UserID: userID, Status: "pending"}
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		org, err := mfaTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		var on, pending bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = ? AND confirmed_at IS NOT NULL)`, userID).Scan(&on).Error; err != nil {
			return err
		}
		if !on {
			return apperr.Conflict("this account has no second factor")
		}
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM mfa_reset_requests WHERE user_id = ? AND approved_at IS NULL)`, userID).Scan(&pending).Error; err != nil {
			return err
		}
		if pending {
			return apperr.Conflict("a reset of this account's second factor is already pending")
		}
		if err := tx.Raw(`INSERT INTO mfa_reset_requests (user_id, requested_by) VALUES (?, ?) RETURNING requested_at`,
			userID, caller.UserID).Scan(&out.RequestedAt).Error; err != nil {
			return err
		}
		if err := notifyMFAReset(tx, org, NotifyMFAResetRequested); err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionMFAResetRequest, "user", userID.String(), audit.Success)
	})
	out.RequestedAt = out.RequestedAt.UTC()
	return out, apperr.Wrap(err)
}

// ApproveMFAReset carries out the pending reset of a user's second factor:
// the factor and its recovery codes are removed and the user's sessions
// end, so the next sign-in is with the password alone (and, where a factor
// is required, straight to enrollment). The approver must be a second
// person (package foureyes): not the user, not who asked, not whoever
// created or last set the password of the asker's account (403, audited). An account the caller does not manage
// answers not found; no pending reset a conflict.
func (s *Service) ApproveMFAReset(ctx context.Context, userID uuid.UUID) error {
	caller, _ := reqctx.PrincipalFrom(ctx)
	denied := false
	err := database.InTx(ctx, s.db, func(tx *gorm.DB) error {
		org, err := mfaTarget(ctx, tx, userID)
		if err != nil {
			return err
		}
		var req struct {
			ID          uuid.UUID
			RequestedBy uuid.UUID
		}
		if err := tx.Raw(`SELECT id, requested_by FROM mfa_reset_requests WHERE user_id = ? AND approved_at IS NULL FOR UPDATE`,
			userID).Scan(&req).Error; err != nil {
			return err
		}
		if req.ID == uuid.Nil {
			return apperr.Conflict("no reset of this account's second factor is pending")
		}
		g, err := foureyes.Requested(tx, userID, &req.RequestedBy)
		if err != nil {
			return err
		}
		if reason := foureyes.Refusal(caller.UserID, g); reason != "" {
			denied = true
			return apperr.Forbidden(reason)
		}
		return s.resetFactor(ctx, tx, userID, req.ID, org)
	})
	if denied {
		_ = database.InTx(ctx, s.db, func(tx *gorm.DB) error {
			return audit.Record(ctx, tx, ActionMFAResetApprove, "user", userID.String(), audit.Denied)
		})
	}
	return apperr.Wrap(err)
}

func (s *Service) resetFactor(ctx context.Context, tx *gorm.DB, userID, requestID, org uuid.UUID) error {
	caller, _ := reqctx.PrincipalFrom(ctx)
	if err := execAll(tx,
		stmt{`UPDATE mfa_reset_requests SET approved_by = ?, approved_at = now() WHERE id = ?`, []any{caller.UserID, requestID}},
		stmt{`DELETE FROM totp_factors WHERE user_id = ?`, []any{userID}},
		stmt{`DELETE FROM mfa_challenges WHERE user_id = ?`, []any{userID}},
		stmt{`UPDATE sessions SET revoked_at = now(), revoked_reason = 'mfa_reset' WHERE user_id = ? AND revoked_at IS NULL`, []any{userID}},
	); err != nil {
		return err
	}
	if err := notifyMFAReset(tx, org, NotifyMFAResetApproved); err != nil {
		return err
	}
	return audit.Record(ctx, tx, ActionMFAResetApprove, "user", userID.String(), audit.Success)
}
