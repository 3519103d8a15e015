package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/organizations"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Approval kinds and statuses.
const (
	ApprovalPlan     = "plan"
	ApprovalClosure  = "closure"
	ApprovalTransfer = "transfer"

	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalReturned = "returned"
)

// TransferFields are the fields of a transfer referral, as a request for
// approval carries them until a supervisor approves it.
type TransferFields struct {
	ToOrganizationID uuid.UUID `json:"to_organization_id"`
	Categories       []string  `json:"categories"`
	ConsentID        uuid.UUID `json:"consent_id"`
	Urgency          string    `json:"urgency,omitempty"`
	Note             string    `json:"note,omitempty"`
}

// TransferSender sends transfer referrals for an approved request: the
// referral domain's own rules (package referrals), called in the caller's
// transaction (ADR 0010).
type TransferSender interface {
	// CheckTransfer checks that case caseID may be transferred as f says,
	// now: the fields, the recipient and a valid consent covering them.
	CheckTransfer(ctx context.Context, tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, f TransferFields) error
	// SendTransfer sends the transfer referral of case caseID as f says,
	// on behalf of p, and returns its id.
	SendTransfer(ctx context.Context, tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID, f TransferFields) (uuid.UUID, error)
}

// Approval is a request for a supervisor's approval: of the plan (at a
// version), of a closure (with its reason) or of a transfer (with the
// referral's fields).
type Approval struct {
	ID              uuid.UUID       `json:"id"`
	CaseID          uuid.UUID       `json:"case_id"`
	Kind            string          `json:"kind"`
	Status          string          `json:"status"`
	Comment         *string         `json:"comment,omitempty"`
	ClosureReason   *string         `json:"closure_reason,omitempty"`
	PlanVersion     *int            `json:"plan_version,omitempty"`
	Transfer        *TransferFields `json:"transfer,omitempty"`
	RequestedBy     uuid.UUID       `json:"requested_by"`
	RequestedAt     time.Time       `json:"requested_at"`
	DecidedBy       *uuid.UUID      `json:"decided_by"`
	DecidedAt       *time.Time      `json:"decided_at"`
	DecisionComment *string         `json:"decision_comment,omitempty"`
	ReferralID      *uuid.UUID      `json:"referral_id,omitempty"`
}

// ApprovalInput is the body of POST /cases/{id}/approvals: the kind, a
// comment, the closure reason of a closure and the referral's fields of a
// transfer.
type ApprovalInput struct {
	Kind             string     `json:"kind"`
	Comment          string     `json:"comment,omitempty" text:"multiline"`
	ClosureReason    *string    `json:"closure_reason,omitempty"`
	ToOrganizationID *uuid.UUID `json:"to_organization_id,omitempty"`
	Categories       []string   `json:"categories,omitempty"`
	ConsentID        *uuid.UUID `json:"consent_id,omitempty"`
	Urgency          string     `json:"urgency,omitempty"`
	Note             string     `json:"note,omitempty" text:"multiline"`
}

// DecisionInput is the body of POST /approvals/{id}/approve and /return.
type DecisionInput struct {
	Comment string `json:"comment,omitempty" text:"multiline"`
}

// approvalRequest is the sealed part of a request: the comment and the
// transfer's fields (its note is free text).
type approvalRequest struct {
	Comment  string          `json:"comment,omitempty"`
	Transfer *TransferFields `json:"transfer,omitempty"`
}

type approvalRow struct {
	ID               uuid.UUID
	CaseID           uuid.UUID
	Kind             string
	Status           string
	ClosureReason    *string
	PlanVersion      *int
	ToOrganizationID *uuid.UUID
	RequestEnc       []byte
	RequestedBy      uuid.UUID
	RequestedAt      time.Time
	DecidedBy        *uuid.UUID
	DecidedAt        *time.Time
	DecisionEnc      []byte
	ReferralID       *uuid.UUID
}

const approvalColumns = `id, case_id, kind, status, closure_reason, plan_version, to_organization_id, request_enc,
	requested_by, requested_at, decided_by, decided_at, decision_enc, referral_id`

// checkApprovalInput validates a request's fields for its kind.
func checkApprovalInput(in ApprovalInput) error {
	var v apperr.Validation
	kinds := []string{ApprovalPlan, ApprovalClosure, ApprovalTransfer}
	if !slices.Contains(kinds, in.Kind) {
		v.Add("kind", "must be one of: "+strings.Join(kinds, ", "))
	}
	if !apperr.IsTextWithin(in.Comment, 4000) {
		v.Add("comment", "must be at most 4000 characters")
	}
	if in.Kind == ApprovalClosure && (in.ClosureReason == nil || !contains(ClosureReasons, *in.ClosureReason)) {
		v.Add("closure_reason", "a closure needs a reason from: "+strings.Join(ClosureReasons, ", "))
	}
	if in.Kind != ApprovalClosure && in.ClosureReason != nil {
		v.Add("closure_reason", "is given for a closure only")
	}
	transfer := in.ToOrganizationID != nil || in.Categories != nil || in.ConsentID != nil || in.Urgency != "" || in.Note != ""
	if in.Kind == ApprovalTransfer && (in.ToOrganizationID == nil || in.ConsentID == nil) {
		v.Add("to_organization_id", "a transfer names its recipient and consent_id")
	}
	if in.Kind != ApprovalTransfer && transfer {
		v.Add("to_organization_id", "the referral's fields are given for a transfer only")
	}
	return v.Err()
}

// RequestApproval asks the owning organization's supervisors to approve a
// plan, a closure or a transfer, for the owning organization's side
// (access.RequireOwner). The case must be open (409), a transfer must be
// one that could be sent now (the referral's own checks), a plan must be
// written (409), and one request of a kind waits at a time (409).
func (s *Service) RequestApproval(ctx context.Context, caseID uuid.UUID, in ApprovalInput, idemKey string, body []byte) (Approval, error) {
	if err := checkApprovalInput(in); err != nil {
		return Approval{}, err
	}
	return access.Act(ctx, s.db, caseID, "approval.request", access.RequireOwner, func(tx *gorm.DB, p reqctx.Principal, rel access.Relation) (Approval, error) {
		id := uuid.New()
		replay, err := s.claim(tx, p, "POST /api/v1/cases/"+caseID.String()+"/approvals", idemKey, body, id)
		if err != nil {
			return Approval{}, err
		}
		if replay != uuid.Nil {
			out, err := s.readApprovals(ctx, tx, caseID, replay)
			if err != nil {
				return Approval{}, err
			}
			if len(out) == 0 {
				return Approval{}, apperr.Conflict("the idempotency key was used for another case")
			}
			return out[0], access.ErrReplayed
		}
		if _, err := lockOpenCase(tx, caseID); err != nil {
			return Approval{}, err
		}
		req := approvalRequest{Comment: in.Comment}
		var planVersion *int
		switch in.Kind {
		case ApprovalTransfer:
			req.Transfer = &TransferFields{ToOrganizationID: *in.ToOrganizationID, Categories: in.Categories,
				ConsentID: *in.ConsentID, Urgency: in.Urgency, Note: in.Note}
			if s.Transfers == nil {
				return Approval{}, apperr.Conflict("transfers cannot be requested here")
			}
			if err := s.Transfers.CheckTransfer(ctx, tx, p, caseID, *req.Transfer); err != nil {
				return Approval{}, err
			}
		case ApprovalPlan:
			var pl struct{ Version int }
			if err := tx.Raw(`SELECT version FROM case_plans WHERE case_id = ?`, caseID).Scan(&pl).Error; err != nil {
				return Approval{}, err
			}
			if pl.Version == 0 {
				return Approval{}, apperr.Conflict("the case has no plan to approve")
			}
			planVersion = &pl.Version
		}
		sealer, k, err := s.liveSealer(ctx, tx, caseID)
		if err != nil {
			return Approval{}, err
		}
		enc, err := sealJSON(sealer, req, ad("case_approvals", "request", id, k.KeyVersion))
		if err != nil {
			return Approval{}, err
		}
		res := tx.Exec(`INSERT INTO case_approvals (id, case_id, kind, closure_reason, plan_version, to_organization_id,
				request_enc, requested_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, kind) WHERE status = 'pending' DO NOTHING`,
			id, caseID, in.Kind, in.ClosureReason, planVersion, in.ToOrganizationID, enc, p.UserID)
		if res.Error != nil {
			return Approval{}, res.Error
		}
		if res.RowsAffected == 0 {
			return Approval{}, apperr.Conflict("a request of this kind already waits for approval", "kind")
		}
		if err := notifications.NotifyOwnerRoles(ctx, tx, caseID, p.UserID, notifications.KindApprovalRequested, authz.RoleSupervisor); err != nil {
			return Approval{}, err
		}
		out, err := s.readApprovals(ctx, tx, caseID, id)
		if err != nil {
			return Approval{}, err
		}
		return out[0], nil
	})
}

// openCase is what a request for approval reads of its case.
type openCase struct {
	Code   string
	Stage  string
	Status string
	Source string
}

// lockOpenCase locks case id and returns it; a closed or imported case
// answers a conflict.
func lockOpenCase(tx *gorm.DB, id uuid.UUID) (openCase, error) {
	var c openCase
	if err := tx.Raw(`SELECT code, stage, status, source FROM cases WHERE id = ? FOR UPDATE`, id).Scan(&c).Error; err != nil {
		return c, err
	}
	if c.Source == "import" {
		return c, apperr.Conflict("imported historical cases hold statistics only")
	}
	if c.Status != "open" {
		return c, apperr.Conflict("the case is closed")
	}
	return c, nil
}

// ListApprovals returns the requests for approval of a case, newest first,
// for the owning organization's side (access.RequireOwner).
func (s *Service) ListApprovals(ctx context.Context, caseID uuid.UUID) ([]Approval, error) {
	return access.Act(ctx, s.db, caseID, "approval.list", access.RequireOwner, func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]Approval, error) {
		return s.readApprovals(ctx, tx, caseID, uuid.Nil)
	})
}

// Approve approves a pending request and carries it out in the same
// transaction: a plan is marked approved at the version asked for (409 if
// it changed since), a closure closes the case through the stage move, a
// transfer sends the transfer referral (package referrals). Only a
// supervisor of the owning organization decides (403 for others who see
// the case), never on their own request (403); a request already decided
// answers 409.
func (s *Service) Approve(ctx context.Context, id uuid.UUID, in DecisionInput) (Approval, error) {
	return s.decide(ctx, id, in, "approval.approve", func(tx *gorm.DB, p reqctx.Principal, r approvalRow, c openCase, req approvalRequest) (*uuid.UUID, error) {
		switch r.Kind {
		case ApprovalClosure:
			return nil, s.move(ctx, tx, p, r.CaseID, c.Stage, moveClose, MoveInput{Stage: StageClosed, Reason: *r.ClosureReason})
		case ApprovalTransfer:
			if s.Transfers == nil || req.Transfer == nil {
				return nil, apperr.Conflict("transfers cannot be sent here")
			}
			// The referral is sent on behalf of the worker who asked: the
			// recipient's answer goes back to them.
			sender := p
			sender.UserID = r.RequestedBy
			ref, err := s.Transfers.SendTransfer(ctx, tx, sender, r.CaseID, *req.Transfer)
			return &ref, err
		case ApprovalPlan:
			var pl struct{ Version int }
			if err := tx.Raw(`SELECT version FROM case_plans WHERE case_id = ?`, r.CaseID).Scan(&pl).Error; err != nil {
				return nil, err
			}
			if r.PlanVersion == nil || pl.Version != *r.PlanVersion {
				return nil, apperr.Conflict("the plan changed since the request; return it and ask again")
			}
		}
		return nil, nil
	})
}

// Return sends a pending request back to the worker who asked, with the
// supervisor's comment; the rules on who decides are Approve's.
func (s *Service) Return(ctx context.Context, id uuid.UUID, in DecisionInput) (Approval, error) {
	if strings.TrimSpace(in.Comment) == "" {
		return Approval{}, apperr.Invalid("comment", "is required: say what to change")
	}
	return s.decide(ctx, id, in, "approval.return", nil)
}

// decide runs a decision on approval id as action: carry (nil for a
// return) carries an approved request out and returns the referral it
// sent, if any.
func (s *Service) decide(ctx context.Context, id uuid.UUID, in DecisionInput, action string,
	carry func(tx *gorm.DB, p reqctx.Principal, r approvalRow, c openCase, req approvalRequest) (*uuid.UUID, error)) (Approval, error) {
	if !apperr.IsTextWithin(in.Comment, 4000) {
		return Approval{}, apperr.Invalid("comment", "must be at most 4000 characters")
	}
	return access.Do(ctx, s.db, action, func(tx *gorm.DB, p reqctx.Principal) (Approval, uuid.UUID, error) {
		var r approvalRow
		if err := tx.Raw(`SELECT `+approvalColumns+` FROM case_approvals WHERE id = ? FOR UPDATE`, id).Scan(&r).Error; err != nil {
			return Approval{}, r.CaseID, err
		}
		if r.ID == uuid.Nil {
			return Approval{}, r.CaseID, access.NotFound("approval", action, "approval", id.String())
		}
		if _, err := checkOf(ctx, tx, r.CaseID, "approval", action, id, access.RequireOwningSupervisor); err != nil {
			return Approval{}, r.CaseID, err
		}
		if r.RequestedBy == p.UserID {
			return Approval{}, r.CaseID, access.Deny("a supervisor cannot decide on their own request", action, "case", r.CaseID.String())
		}
		if r.Status != ApprovalPending {
			return Approval{}, r.CaseID, apperr.Conflict("the request was already decided")
		}
		c, err := lockOpenCase(tx, r.CaseID)
		if err != nil && (carry != nil || c.Code == "") {
			return Approval{}, r.CaseID, err // a closed case's requests may still be returned
		}
		sealer, k, err := s.liveSealer(ctx, tx, r.CaseID)
		if err != nil {
			return Approval{}, r.CaseID, err
		}
		status, kind := ApprovalReturned, notifications.KindApprovalReturned
		var referral *uuid.UUID
		if carry != nil {
			var req approvalRequest
			if err := openJSON(sealer, r.RequestEnc, ad("case_approvals", "request", r.ID, k.KeyVersion), &req); err != nil {
				return Approval{}, r.CaseID, err
			}
			if referral, err = carry(tx, p, r, c, req); err != nil {
				return Approval{}, r.CaseID, err
			}
			status, kind = ApprovalApproved, notifications.KindApprovalApproved
		}
		var decision []byte
		if in.Comment != "" {
			if decision, err = sealer.Seal([]byte(in.Comment), ad("case_approvals", "decision", r.ID, k.KeyVersion)); err != nil {
				return Approval{}, r.CaseID, err
			}
		}
		if err := tx.Exec(`UPDATE case_approvals SET status = ?, decided_by = ?, decided_at = now(), decision_enc = ?, referral_id = ?
			WHERE id = ?`, status, p.UserID, decision, referral, r.ID).Error; err != nil {
			return Approval{}, r.CaseID, err
		}
		if err := notifications.NotifyUser(ctx, tx, r.RequestedBy, kind, c.Code, r.CaseID); err != nil {
			return Approval{}, r.CaseID, err
		}
		out, err := s.readApprovals(ctx, tx, r.CaseID, r.ID)
		if err != nil {
			return Approval{}, r.CaseID, err
		}
		return out[0], r.CaseID, nil
	})
}

// readApprovals reads the requests of case caseID (the one with id id when
// id is set), newest first, their texts opened.
func (s *Service) readApprovals(ctx context.Context, tx *gorm.DB, caseID, id uuid.UUID) ([]Approval, error) {
	var rows []approvalRow
	if err := tx.Raw(`SELECT `+approvalColumns+` FROM case_approvals WHERE case_id = @case
			AND (@id = CAST('00000000-0000-0000-0000-000000000000' AS uuid) OR id = @id)
		ORDER BY requested_at DESC, id DESC`, map[string]any{"case": caseID, "id": id}).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Approval, 0, len(rows))
	sealer, k, erased, err := s.caseSealer(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		a := Approval{ID: r.ID, CaseID: r.CaseID, Kind: r.Kind, Status: r.Status, ClosureReason: r.ClosureReason,
			PlanVersion: r.PlanVersion, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC(), DecidedBy: r.DecidedBy,
			DecidedAt: utc(r.DecidedAt), ReferralID: r.ReferralID}
		if !erased {
			if err := openApprovalTexts(sealer, k, r, &a); err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// openApprovalTexts opens the sealed comment, transfer and decision of r
// into a.
func openApprovalTexts(sealer *jcrypto.Sealer, k caseKey, r approvalRow, a *Approval) error {
	if r.RequestEnc != nil {
		var req approvalRequest
		if err := openJSON(sealer, r.RequestEnc, ad("case_approvals", "request", r.ID, k.KeyVersion), &req); err != nil {
			return err
		}
		if req.Comment != "" {
			a.Comment = &req.Comment
		}
		a.Transfer = req.Transfer
	}
	if r.DecisionEnc != nil {
		var err error
		if a.DecisionComment, err = openText(sealer, r.DecisionEnc, ad("case_approvals", "decision", r.ID, k.KeyVersion)); err != nil {
			return err
		}
	}
	return nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// closureNeedsApproval refuses a caseworker's closure (403), telling them
// to ask for approval (409 naming approval) where their organization
// requires one for closures.
func closureNeedsApproval(tx *gorm.DB, p reqctx.Principal, caseID uuid.UUID) error {
	if p.Role == authz.RoleSupervisor {
		return nil
	}
	need, err := organizations.NeedsApproval(tx, p.OrganizationID, ApprovalClosure)
	if err != nil {
		return err
	}
	if need {
		return apperr.Conflict("a closure needs a supervisor's approval: request one (POST /api/v1/cases/{id}/approvals)", "approval")
	}
	return access.RequireRole(p, authz.RoleSupervisor, "only supervisors close and reopen cases", "case.move_stage", caseID)
}
