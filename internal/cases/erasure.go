package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Erasure of a person's identity, with two people: a supervisor of the
// owning organization asks (RequestErasure), another supervisor or the
// organization's org admin approves (DecideErasure), and once the delay has
// passed (Settings.ErasureDelay) the case's data key is destroyed by
// CarryOutErasures, run by the scheduler. A legal hold (PutLegalHold) or
// legal help in progress stops it; the one rule is the database function
// jardam_erasure_blocker. Retention (RunRetention) erases, by the same
// path, the identities of cases closed long ago.

// Erasure request reasons and statuses.
var (
	ErasureReasons = []string{"person_request", "retention", "court_order", "other"}
)

// Erasure request statuses.
const (
	ErasurePending   = "pending"
	ErasureScheduled = "scheduled"
	ErasureRejected  = "rejected"
	ErasureCancelled = "cancelled"
	ErasureErased    = "erased"
)

// Audit actions of erasure and legal holds; every entry names the case.
const (
	ActionErasureRequest = "case.erasure_request"
	ActionErasureList    = "case.erasure_list"
	ActionErasureApprove = "case.erasure_approve"
	ActionErasureReject  = "case.erasure_reject"
	ActionErasureCancel  = "case.erasure_cancel"
	ActionLegalHoldRead  = "case.legal_hold_read"
	ActionLegalHoldPut   = "case.legal_hold"
	ActionLegalHoldLift  = "case.legal_hold_lift"
)

// Notification kinds of erasure: they name the case code only.
const (
	KindErasureRequested = "erasure.requested"
	KindErasureScheduled = "erasure.scheduled"
	KindErasureRejected  = "erasure.rejected"
	KindErasureCancelled = "erasure.cancelled"
)

// ErasureBatch is the number of due erasures one transaction carries out.
const ErasureBatch = 100

// retentionBatch is the number of cases a day's retention run erases at
// most; more wait for the next day.
const retentionBatch = 1000

// retentionJob names the daily retention run (database.OncePerDay).
const retentionJob = "retention"

// ErasureRequest is a request to erase a case's identity.
type ErasureRequest struct {
	ID       uuid.UUID `json:"id"`
	CaseID   uuid.UUID `json:"case_id"`
	CaseCode string    `json:"case_code"`
	Reason   string    `json:"reason"`
	// Details are read by the owning organization's supervisors while the
	// case's data key lives.
	Details     *string    `json:"details,omitempty"`
	Status      string     `json:"status"`
	RequestedBy *uuid.UUID `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedBy   *uuid.UUID `json:"decided_by"`
	DecidedAt   *time.Time `json:"decided_at"`
	// DecisionNote is the reason given when the request was rejected or
	// cancelled (sealed like Details).
	DecisionNote *string    `json:"decision_note,omitempty"`
	EraseAfter   *time.Time `json:"erase_after"`
	ErasedAt     *time.Time `json:"erased_at"`
	// BlockedBy says what stops the erasure now: legal_hold or
	// legal_assistance (absent when nothing does).
	BlockedBy *string `json:"blocked_by,omitempty"`
	Version   int     `json:"version"`
}

// ErasureInput is the body of POST /cases/{id}/erasure-requests.
type ErasureInput struct {
	Reason  string `json:"reason"`
	Details string `json:"details" text:"multiline"`
}

// ErasureDecision is the body of approving, rejecting or cancelling an
// erasure request: a reason, required to reject or cancel.
type ErasureDecision struct {
	Reason string `json:"reason" text:"multiline"`
}

// LegalHold is a case's legal hold.
type LegalHold struct {
	CaseID uuid.UUID `json:"case_id"`
	// Active is true while the hold stands; the other fields are those of
	// the last hold placed, if any.
	Active   bool       `json:"active"`
	Reason   *string    `json:"reason,omitempty"`
	Until    *string    `json:"until"`
	PlacedBy *uuid.UUID `json:"placed_by,omitempty"`
	PlacedAt *time.Time `json:"placed_at,omitempty"`
	LiftedAt *time.Time `json:"lifted_at,omitempty"`
	Version  int        `json:"version"`
}

// LegalHoldInput is the body of PUT /cases/{id}/legal-hold.
type LegalHoldInput struct {
	Reason string  `json:"reason" text:"multiline"`
	Until  *string `json:"until"`
}

const erasureColumns = `e.id, e.case_id, c.code AS case_code, e.reason, e.details_enc, e.status, e.requested_by,
	e.requested_at, e.decided_by, e.decided_at, e.decision_note_enc, e.erase_after, e.erased_at, e.version,
	CASE WHEN e.status IN ('pending', 'scheduled') THEN jardam_erasure_blocker(e.case_id) END AS blocked_by,
	c.owner_organization_id`

type erasureRow struct {
	ID                  uuid.UUID
	CaseID              uuid.UUID
	CaseCode            string
	Reason              string
	DetailsEnc          []byte
	Status              string
	RequestedBy         *uuid.UUID
	RequestedAt         time.Time
	DecidedBy           *uuid.UUID
	DecidedAt           *time.Time
	DecisionNoteEnc     []byte
	EraseAfter          *time.Time
	ErasedAt            *time.Time
	Version             int
	BlockedBy           *string
	OwnerOrganizationID uuid.UUID
}

// open returns the request; its sealed texts are opened with sealer (nil:
// left out).
func (r erasureRow) open(sealer *jcrypto.Sealer, k caseKey) (ErasureRequest, error) {
	out := ErasureRequest{ID: r.ID, CaseID: r.CaseID, CaseCode: r.CaseCode, Reason: r.Reason, Status: r.Status,
		RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC(), DecidedBy: r.DecidedBy, DecidedAt: utc(r.DecidedAt),
		EraseAfter: utc(r.EraseAfter), ErasedAt: utc(r.ErasedAt), BlockedBy: r.BlockedBy, Version: r.Version}
	if sealer == nil {
		return out, nil
	}
	var err error
	if r.DetailsEnc != nil {
		if out.Details, err = openText(sealer, r.DetailsEnc, ad("case_erasure_requests", "details", r.ID, k.KeyVersion)); err != nil {
			return out, err
		}
	}
	if r.DecisionNoteEnc != nil {
		if out.DecisionNote, err = openText(sealer, r.DecisionNoteEnc, ad("case_erasure_requests", "decision_note", r.ID, k.KeyVersion)); err != nil {
			return out, err
		}
	}
	return out, nil
}

// blocker answers what stops erasing case id now ("" when nothing does),
// read in tx.
func blocker(tx *gorm.DB, id uuid.UUID) (string, error) {
	var b struct{ Blocker *string }
	if err := tx.Raw(`SELECT jardam_erasure_blocker(?) AS blocker`, id).Scan(&b).Error; err != nil {
		return "", err
	}
	if b.Blocker == nil {
		return "", nil
	}
	return *b.Blocker, nil
}

// errBlocked is the conflict of an erasure that blocker stops.
func errBlocked(b string) error {
	if b == "legal_hold" {
		return apperr.Conflict("a legal hold stands on this case: it cannot be erased while the hold lasts", "legal_hold")
	}
	return apperr.Conflict("legal assistance on this case is in progress: it cannot be erased before it ends", "assistance")
}

func checkReasonText(field, text string, required bool) error {
	if required && strings.TrimSpace(text) == "" {
		return apperr.Invalid(field, "is required")
	}
	if !apperr.IsTextWithin(text, 4000) {
		return apperr.Invalid(field, "must be text of at most 4000 characters")
	}
	return nil
}

// RequestErasure asks for the erasure of case caseID's identity: a
// supervisor of the owning organization, for a case not yet erased, with
// no other open request and nothing blocking it. The other supervisors and
// the org admins of the organization are told; another of them decides.
func (s *Service) RequestErasure(ctx context.Context, caseID uuid.UUID, in ErasureInput) (ErasureRequest, error) {
	if !contains(ErasureReasons, in.Reason) {
		return ErasureRequest{}, apperr.Invalid("reason", "must be one of "+strings.Join(ErasureReasons, ", "))
	}
	if err := checkReasonText("details", in.Details, false); err != nil {
		return ErasureRequest{}, err
	}
	return access.Act(ctx, s.db, caseID, ActionErasureRequest, access.RequireOwningSupervisor,
		func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (ErasureRequest, error) {
			sealer, k, err := s.liveSealer(ctx, tx, caseID)
			if err != nil {
				return ErasureRequest{}, err
			}
			if b, err := blocker(tx, caseID); err != nil || b != "" {
				if err == nil {
					err = errBlocked(b)
				}
				return ErasureRequest{}, err
			}
			id := uuid.New()
			var details []byte
			if strings.TrimSpace(in.Details) != "" {
				if details, err = sealer.Seal([]byte(in.Details), ad("case_erasure_requests", "details", id, k.KeyVersion)); err != nil {
					return ErasureRequest{}, err
				}
			}
			res := tx.Exec(`INSERT INTO case_erasure_requests (id, case_id, reason, details_enc, status, requested_by)
				VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`, id, caseID, in.Reason, details, p.UserID)
			if res.Error != nil {
				return ErasureRequest{}, res.Error
			}
			if res.RowsAffected == 0 {
				return ErasureRequest{}, apperr.Conflict("an erasure request for this case is already open", "status")
			}
			if err := notifications.NotifyOwnerRoles(ctx, tx, caseID, p.UserID, KindErasureRequested, authz.RoleSupervisor, authz.RoleOrgAdmin); err != nil {
				return ErasureRequest{}, err
			}
			return s.erasureByID(tx, id, sealer, k)
		})
}

// erasureByID reads request id in tx, its texts opened with sealer.
func (s *Service) erasureByID(tx *gorm.DB, id uuid.UUID, sealer *jcrypto.Sealer, k caseKey) (ErasureRequest, error) {
	var r erasureRow
	if err := tx.Raw(`SELECT `+erasureColumns+` FROM case_erasure_requests e JOIN cases c ON c.id = e.case_id WHERE e.id = ?`,
		id).Scan(&r).Error; err != nil {
		return ErasureRequest{}, err
	}
	return r.open(sealer, k)
}

// ListCaseErasures returns the erasure requests of case caseID, newest
// first, for the owning organization's supervisors.
func (s *Service) ListCaseErasures(ctx context.Context, caseID uuid.UUID) ([]ErasureRequest, error) {
	return access.Act(ctx, s.db, caseID, ActionErasureList, access.RequireOwningSupervisor,
		func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) ([]ErasureRequest, error) {
			var rows []erasureRow
			if err := tx.Raw(`SELECT `+erasureColumns+` FROM case_erasure_requests e JOIN cases c ON c.id = e.case_id
				WHERE e.case_id = ? ORDER BY e.requested_at DESC, e.id DESC`, caseID).Scan(&rows).Error; err != nil {
				return nil, err
			}
			sealer, k, erased, err := s.caseSealer(ctx, tx, caseID)
			if err != nil {
				return nil, err
			}
			if erased {
				sealer = nil
			}
			out := make([]ErasureRequest, 0, len(rows))
			for _, r := range rows {
				e, err := r.open(sealer, k)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			return out, nil
		})
}

// ListOpenErasures returns the organization's open erasure requests
// (pending and scheduled), oldest first, for its supervisors and org
// admins: what waits for a second person. The requests carry no details
// (they are read on the case) and name the case by its code.
func (s *Service) ListOpenErasures(ctx context.Context) ([]ErasureRequest, error) {
	var out []ErasureRequest
	err := access.InTx(ctx, s.db, func(tx *gorm.DB, p reqctx.Principal) error {
		var rows []erasureRow
		if err := tx.Raw(`SELECT `+erasureColumns+` FROM case_erasure_requests e JOIN cases c ON c.id = e.case_id
			WHERE c.owner_organization_id = ? AND e.status IN ('pending', 'scheduled')
			ORDER BY e.requested_at, e.id`, p.OrganizationID).Scan(&rows).Error; err != nil {
			return err
		}
		out = make([]ErasureRequest, 0, len(rows))
		for _, r := range rows {
			e, _ := r.open(nil, caseKey{})
			out = append(out, e)
		}
		return audit.Record(ctx, tx, ActionErasureList, "organization", p.OrganizationID.String(), audit.Success)
	})
	return out, err
}

// Decisions on an erasure request.
const (
	decideApprove = "approve"
	decideReject  = "reject"
	decideCancel  = "cancel"
)

// ApproveErasure schedules request id: by a supervisor or the org admin of
// the case's organization other than the requester (403 for the
// requester), while it is pending and nothing blocks the erasure. The
// erasure is due after the configured delay (at once without one); every
// supervisor of the organization is told.
func (s *Service) ApproveErasure(ctx context.Context, id uuid.UUID, in ErasureDecision) (ErasureRequest, error) {
	return s.decideErasure(ctx, id, decideApprove, in)
}

// RejectErasure ends pending request id with a reason: by a supervisor or
// the org admin of the case's organization other than the requester.
func (s *Service) RejectErasure(ctx context.Context, id uuid.UUID, in ErasureDecision) (ErasureRequest, error) {
	return s.decideErasure(ctx, id, decideReject, in)
}

// CancelErasure ends request id before it is carried out, with a reason:
// by the requester or another supervisor of the case's organization.
func (s *Service) CancelErasure(ctx context.Context, id uuid.UUID, in ErasureDecision) (ErasureRequest, error) {
	return s.decideErasure(ctx, id, decideCancel, in)
}

func (s *Service) decideErasure(ctx context.Context, id uuid.UUID, decision string, in ErasureDecision) (ErasureRequest, error) {
	action := map[string]string{decideApprove: ActionErasureApprove, decideReject: ActionErasureReject, decideCancel: ActionErasureCancel}[decision]
	if err := checkReasonText("reason", in.Reason, decision != decideApprove); err != nil {
		return ErasureRequest{}, err
	}
	return access.Do(ctx, s.db, action, func(tx *gorm.DB, p reqctx.Principal) (ErasureRequest, uuid.UUID, error) {
		var r erasureRow
		if err := tx.Raw(`SELECT `+erasureColumns+` FROM case_erasure_requests e JOIN cases c ON c.id = e.case_id
			WHERE e.id = ? FOR UPDATE OF e`, id).Scan(&r).Error; err != nil {
			return ErasureRequest{}, uuid.Nil, err
		}
		// Only the case's own organization sees its requests: a supervisor
		// or, to approve or reject, its org admin.
		mayDecide := p.Role == authz.RoleSupervisor || (p.Role == authz.RoleOrgAdmin && decision != decideCancel)
		if r.ID == uuid.Nil || r.OwnerOrganizationID != p.OrganizationID || !mayDecide {
			return ErasureRequest{}, uuid.Nil, access.NotFound("erasure request", action, "erasure_request", id.String())
		}
		own := r.RequestedBy != nil && *r.RequestedBy == p.UserID
		if own && decision != decideCancel {
			return ErasureRequest{}, r.CaseID, access.Deny("the requester cannot decide their own erasure request: another supervisor or the org admin does",
				action, "case", r.CaseID.String())
		}
		open := r.Status == ErasurePending || (decision == decideCancel && r.Status == ErasureScheduled)
		if !open {
			return ErasureRequest{}, r.CaseID, apperr.Conflict("the request is "+r.Status+": it can no longer be "+
				map[string]string{decideApprove: "approved", decideReject: "rejected", decideCancel: "cancelled"}[decision], "status")
		}
		var sealer *jcrypto.Sealer
		var k caseKey
		var err error
		if decision != decideApprove || p.Role == authz.RoleSupervisor {
			if sealer, k, err = s.liveSealer(ctx, tx, r.CaseID); err != nil {
				return ErasureRequest{}, r.CaseID, err
			}
		}
		switch decision {
		case decideApprove:
			if b, err := blocker(tx, r.CaseID); err != nil || b != "" {
				if err == nil {
					err = errBlocked(b)
				}
				return ErasureRequest{}, r.CaseID, err
			}
			if err := tx.Exec(`UPDATE case_erasure_requests SET status = 'scheduled', decided_by = ?, decided_at = now(),
				erase_after = now() + make_interval(secs => ?), version = version + 1 WHERE id = ?`,
				p.UserID, s.set.ErasureDelay.Seconds(), id).Error; err != nil {
				return ErasureRequest{}, r.CaseID, err
			}
			if err := notifications.NotifyOwnerRoles(ctx, tx, r.CaseID, uuid.Nil, KindErasureScheduled, authz.RoleSupervisor); err != nil {
				return ErasureRequest{}, r.CaseID, err
			}
			if s.set.ErasureDelay <= 0 {
				if _, err := carryOut(ctx, tx, &id, 1); err != nil {
					return ErasureRequest{}, r.CaseID, err
				}
			}
		default:
			status := map[string]string{decideReject: ErasureRejected, decideCancel: ErasureCancelled}[decision]
			note, err := sealer.Seal([]byte(in.Reason), ad("case_erasure_requests", "decision_note", id, k.KeyVersion))
			if err != nil {
				return ErasureRequest{}, r.CaseID, err
			}
			if err := tx.Exec(`UPDATE case_erasure_requests SET status = ?, decided_by = ?, decided_at = now(),
				decision_note_enc = ?, version = version + 1 WHERE id = ?`, status, p.UserID, note, id).Error; err != nil {
				return ErasureRequest{}, r.CaseID, err
			}
			if decision == decideReject && r.RequestedBy != nil {
				if err := notifications.NotifyUser(ctx, tx, *r.RequestedBy, KindErasureRejected, r.CaseCode, r.CaseID); err != nil {
					return ErasureRequest{}, r.CaseID, err
				}
			}
		}
		// The new state, read back: its texts for the owning organization's
		// supervisors, while the case's key lives.
		if p.Role != authz.RoleSupervisor {
			sealer = nil
		}
		if sealer != nil {
			if _, _, erased, err := s.caseSealer(ctx, tx, r.CaseID); err != nil || erased {
				sealer = nil
			}
		}
		out, err := s.erasureByID(tx, id, sealer, k)
		return out, r.CaseID, err
	})
}

// ErasureRun counts what one run of the erasure job did.
type ErasureRun struct {
	Scheduled int `json:"scheduled"` // retention: cases scheduled now
	Erased    int `json:"erased"`
}

// carryOut carries out, in tx, the due erasures (only: that request alone),
// at most limit, and records case.erase on each case.
func carryOut(ctx context.Context, tx *gorm.DB, only *uuid.UUID, limit int) (int, error) {
	var done []struct {
		RequestID, CaseID, OrganizationID uuid.UUID
	}
	if err := tx.Raw(`SELECT request_id, case_id, organization_id FROM jardam_carry_out_erasures(?, ?)`, only, limit).
		Scan(&done).Error; err != nil {
		return 0, err
	}
	for _, d := range done {
		e := audit.Entry{Action: ActionCaseErase, ObjectType: "case", ObjectID: d.CaseID.String(), Outcome: audit.Success,
			OrganizationID: &d.OrganizationID}
		if p, ok := reqctx.PrincipalFrom(ctx); ok {
			e.ActorID, e.Role = &p.UserID, p.Role
		}
		if err := audit.RecordEntry(ctx, tx, e); err != nil {
			return 0, err
		}
	}
	return len(done), nil
}

// Erasures is the scheduled work of erasure: due erasures carried out, and
// once a day, the identities of cases closed longer than the retention
// period scheduled for erasure.
type Erasures struct {
	db             *gorm.DB
	retentionYears int
}

// NewErasures returns the erasure job on db (the service's connection).
func NewErasures(db *gorm.DB, retentionYears int) *Erasures {
	return &Erasures{db: db, retentionYears: retentionYears}
}

// RunOnce carries out up to one batch of due erasures; it reports how many
// it carried out (the scheduler runs it again at once while a full batch
// was done).
func (e *Erasures) RunOnce(ctx context.Context) (int, error) {
	n := 0
	err := e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		n, err = carryOut(ctx, tx, nil, ErasureBatch)
		return err
	})
	return n, err
}

// RetentionDue is a case retention would erase now.
type RetentionDue struct {
	CaseID   uuid.UUID `json:"case_id"`
	Code     string    `json:"code"`
	ClosedAt time.Time `json:"closed_at"`
}

// RetentionDue lists, oldest first, up to limit cases whose identity
// retention would erase now: closed more than the retention period ago, not
// erased, with no open request and nothing blocking.
func (e *Erasures) RetentionDue(ctx context.Context, limit int) ([]RetentionDue, error) {
	var out []RetentionDue
	err := e.db.WithContext(ctx).Raw(`SELECT case_id, code, closed_at FROM jardam_retention_due(?, ?)`,
		e.retentionYears, limit).Scan(&out).Error
	return out, err
}

// RunRetention schedules, due at once, the erasure of up to limit cases
// RetentionDue names (requests with reason retention and no requester) and
// carries them out, in one transaction.
func (e *Erasures) RunRetention(ctx context.Context, limit int) (ErasureRun, error) {
	var run ErasureRun
	err := e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		run, err = e.retain(ctx, tx, limit)
		return err
	})
	return run, err
}

// RetentionOnce is RunRetention once a day across replicas
// (database.OncePerDay), for the scheduler; it reports the cases erased.
func (e *Erasures) RetentionOnce(ctx context.Context) (int, error) {
	var run ErasureRun
	_, err := database.OncePerDay(ctx, e.db, retentionJob, func(tx *gorm.DB) error {
		var err error
		run, err = e.retain(ctx, tx, retentionBatch)
		return err
	})
	return run.Erased, err
}

func (e *Erasures) retain(ctx context.Context, tx *gorm.DB, limit int) (ErasureRun, error) {
	var n struct{ N int }
	if err := tx.Raw(`SELECT jardam_schedule_retention(?, ?) AS n`, e.retentionYears, limit).Scan(&n).Error; err != nil {
		return ErasureRun{}, err
	}
	erased, err := carryOut(ctx, tx, nil, max(limit, 1))
	return ErasureRun{Scheduled: n.N, Erased: erased}, err
}

// GetLegalHold returns the legal hold of case caseID (active false when
// none stands), for the owning organization's side.
func (s *Service) GetLegalHold(ctx context.Context, caseID uuid.UUID) (LegalHold, error) {
	return access.Act(ctx, s.db, caseID, ActionLegalHoldRead, access.RequireOwner,
		func(tx *gorm.DB, _ reqctx.Principal, _ access.Relation) (LegalHold, error) {
			return s.readHold(ctx, tx, caseID)
		})
}

// PutLegalHold places (or replaces) the legal hold of case caseID: the
// owning organization's supervisors. While it stands, the case is neither
// erased nor reached by retention; it cancels the case's open erasure
// requests, so that once the hold ends an erasure is asked for and
// approved again by two people (lifting a hold never re-arms an erasure
// decided before it), and the organization's supervisors are told.
func (s *Service) PutLegalHold(ctx context.Context, caseID uuid.UUID, in LegalHoldInput) (LegalHold, error) {
	if err := checkReasonText("reason", in.Reason, true); err != nil {
		return LegalHold{}, err
	}
	if in.Until != nil {
		t, ok := parseDate(*in.Until)
		if !ok {
			return LegalHold{}, apperr.Invalid("until", "must be a date written YYYY-MM-DD")
		}
		if t.Before(s.now().Truncate(24 * time.Hour)) {
			return LegalHold{}, apperr.Invalid("until", "must not be in the past")
		}
	}
	return access.Act(ctx, s.db, caseID, ActionLegalHoldPut, access.RequireOwningSupervisor,
		func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (LegalHold, error) {
			sealer, k, err := s.liveSealer(ctx, tx, caseID)
			if err != nil {
				return LegalHold{}, err
			}
			enc, err := sealer.Seal([]byte(in.Reason), ad("case_legal_holds", "reason", caseID, k.KeyVersion))
			if err != nil {
				return LegalHold{}, err
			}
			if err := tx.Exec(`INSERT INTO case_legal_holds (case_id, reason_enc, until, placed_by) VALUES (?, ?, ?, ?)
				ON CONFLICT (case_id) DO UPDATE SET reason_enc = EXCLUDED.reason_enc, until = EXCLUDED.until,
					placed_by = EXCLUDED.placed_by, placed_at = now(), lifted_by = NULL, lifted_at = NULL,
					version = case_legal_holds.version + 1`, caseID, enc, in.Until, p.UserID).Error; err != nil {
				return LegalHold{}, err
			}
			res := tx.Exec(`UPDATE case_erasure_requests SET status = 'cancelled', decided_by = ?, decided_at = now(),
				version = version + 1 WHERE case_id = ? AND status IN ('pending', 'scheduled')`, p.UserID, caseID)
			if res.Error != nil {
				return LegalHold{}, res.Error
			}
			if res.RowsAffected > 0 {
				if err := notifications.NotifyOwnerRoles(ctx, tx, caseID, uuid.Nil, KindErasureCancelled, authz.RoleSupervisor); err != nil {
					return LegalHold{}, err
				}
			}
			return s.readHold(ctx, tx, caseID)
		})
}

// LiftLegalHold ends the legal hold of case caseID: the owning
// organization's supervisors. Placing the hold cancelled the open erasure
// requests: lifting it re-arms none.
func (s *Service) LiftLegalHold(ctx context.Context, caseID uuid.UUID) (LegalHold, error) {
	return access.Act(ctx, s.db, caseID, ActionLegalHoldLift, access.RequireOwningSupervisor,
		func(tx *gorm.DB, p reqctx.Principal, _ access.Relation) (LegalHold, error) {
			res := tx.Exec(`UPDATE case_legal_holds SET lifted_by = ?, lifted_at = now(), version = version + 1
				WHERE case_id = ? AND lifted_at IS NULL`, p.UserID, caseID)
			if res.Error != nil {
				return LegalHold{}, res.Error
			}
			if res.RowsAffected == 0 {
				return LegalHold{}, apperr.Conflict("no legal hold stands on this case", "legal_hold")
			}
			return s.readHold(ctx, tx, caseID)
		})
}

func (s *Service) readHold(ctx context.Context, tx *gorm.DB, caseID uuid.UUID) (LegalHold, error) {
	var r struct {
		ReasonEnc []byte
		Until     *time.Time
		PlacedBy  *uuid.UUID
		PlacedAt  *time.Time
		LiftedAt  *time.Time
		Active    bool
		Version   int
	}
	if err := tx.Raw(`SELECT reason_enc, until, placed_by, placed_at, lifted_at, version,
			lifted_at IS NULL AND (until IS NULL OR until >= current_date) AS active
		FROM case_legal_holds WHERE case_id = ?`, caseID).Scan(&r).Error; err != nil {
		return LegalHold{}, err
	}
	out := LegalHold{CaseID: caseID, Active: r.Active, PlacedBy: r.PlacedBy, PlacedAt: utc(r.PlacedAt),
		LiftedAt: utc(r.LiftedAt), Version: r.Version}
	if r.Until != nil {
		d := r.Until.Format(time.DateOnly)
		out.Until = &d
	}
	if r.ReasonEnc != nil {
		sealer, k, erased, err := s.caseSealer(ctx, tx, caseID)
		if err != nil {
			return LegalHold{}, err
		}
		if !erased {
			if out.Reason, err = openText(sealer, r.ReasonEnc, ad("case_legal_holds", "reason", caseID, k.KeyVersion)); err != nil {
				return LegalHold{}, err
			}
		}
	}
	return out, nil
}
