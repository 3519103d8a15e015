package access

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Rule is what an action asks of the caller's relation to a case it sees.
type Rule struct {
	allow  func(Relation) bool
	detail string
}

// The rules on a case. Each answers for a visible case only: a case the
// caller does not see is refused as not found before any rule is asked.
var (
	// SeeCase: every relation that sees the case (reading what the
	// relation allows, writing one's own notes and assistance).
	SeeCase = Rule{allow: Relation.Visible}
	// RequireOwner: the owning organization's side (assigned or
	// supervising). A referred organization reads the consented categories;
	// it does not change the case, its stage, plan or consents, nor refer it.
	RequireOwner = Rule{allow: Relation.Owner, detail: "only the owning organization may do this"}
	// RequireOwningSupervisor: a supervisor of the owning organization (who
	// read or changed the case).
	RequireOwningSupervisor = Rule{allow: func(r Relation) bool { return r.Kind == Supervising },
		detail: "only a supervisor of the owning organization may do this"}
)

// Refusal is an action refused by a rule of this package: the status the
// caller gets and the audit entry the refusal leaves. InTx writes the entry
// (after rolling back whatever the action had done) and answers the error.
type Refusal struct {
	// Err is what the caller gets: not found or forbidden.
	Err *apperr.Error
	// Action, ObjectType and ObjectID name the audit entry.
	Action, ObjectType, ObjectID string
	// Outcome is audit.NotFound or audit.Denied.
	Outcome string
}

func (r *Refusal) Error() string { return r.Err.Error() }

// Unwrap returns the error the caller gets.
func (r *Refusal) Unwrap() error { return r.Err }

// NotFound refuses action on an object the caller does not see (or that
// does not exist: the same answer), auditing it as not_found.
func NotFound(what, action, objectType, objectID string) *Refusal {
	return &Refusal{Err: apperr.NotFound(what), Action: action, ObjectType: objectType, ObjectID: objectID, Outcome: audit.NotFound}
}

// Deny refuses action on an object the caller sees but whose role,
// relation or part rules the action out, auditing it as denied.
func Deny(detail, action, objectType, objectID string) *Refusal {
	return &Refusal{Err: apperr.Forbidden(detail), Action: action, ObjectType: objectType, ObjectID: objectID, Outcome: audit.Denied}
}

// Check returns the caller's relation to caseID, read through tx, when rule
// allows action on it; otherwise a *Refusal: not found when the case is
// missing or not visible (the same answer for both), denied when it is
// visible but the rule rules the action out.
func Check(ctx context.Context, tx *gorm.DB, caseID uuid.UUID, action string, rule Rule) (Relation, error) {
	rel, err := Of(ctx, tx, caseID)
	if err != nil {
		return rel, err
	}
	if !rel.Visible() {
		return rel, NotFound("case", action, "case", caseID.String())
	}
	if !rule.allow(rel) {
		return rel, Deny(rule.detail, action, "case", caseID.String())
	}
	return rel, nil
}

// InTx runs fn in one transaction scoped to the caller
// (database.InCallerTx). When fn returns a *Refusal, its transaction is
// rolled back, so nothing fn wrote stays, and the refusal's audit entry is
// written in a transaction of its own; the caller gets the refusal's error.
func InTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, p reqctx.Principal) error) error {
	err := database.InCallerTx(ctx, db, fn)
	var r *Refusal
	if !errors.As(err, &r) {
		return err
	}
	if aerr := database.InCallerTx(ctx, db, func(tx *gorm.DB, _ reqctx.Principal) error {
		return audit.Record(ctx, tx, r.Action, r.ObjectType, r.ObjectID, r.Outcome)
	}); aerr != nil {
		return aerr
	}
	return r.Err
}

// InCase runs fn in one transaction (InTx) with the caller's relation to
// caseID, once Check found that rule allows action on it. A refused call
// does not run fn; it answers not found or forbidden and leaves one audit
// entry on the case, as Check and InTx describe.
func InCase(ctx context.Context, db *gorm.DB, caseID uuid.UUID, action string, rule Rule,
	fn func(tx *gorm.DB, p reqctx.Principal, rel Relation) error) error {
	return InTx(ctx, db, func(tx *gorm.DB, p reqctx.Principal) error {
		rel, err := Check(ctx, tx, caseID, action, rule)
		if err != nil {
			return err
		}
		return fn(tx, p, rel)
	})
}

// MayReadAssistance reports whether a caller with relation rel sees an
// assistance record of the case given by provider (an organization) and of
// category: the owner's side sees all of it, a referred organization its
// own records and those of the consented categories.
func MayReadAssistance(p reqctx.Principal, rel Relation, provider uuid.UUID, category string) bool {
	return rel.Owner() || (rel.Visible() && (provider == p.OrganizationID || rel.May(category)))
}

// MayWriteAssistance reports whether a caller with relation rel records or
// changes assistance given by provider: the owner's side any, a referred
// organization its own only.
func MayWriteAssistance(p reqctx.Principal, rel Relation, provider uuid.UUID) bool {
	return rel.Owner() || (rel.Visible() && provider == p.OrganizationID)
}

// Side is the caller's organization's part in a referral.
type Side int

// Parts in a referral.
const (
	// NotAParty: neither the sender nor the recipient (row-level security
	// hides such a referral).
	NotAParty Side = iota
	// Sender: the referring organization.
	Sender
	// Recipient: the receiving organization.
	Recipient
)

// SideOf returns the caller's part in a referral from one organization to
// another.
func SideOf(p reqctx.Principal, from, to uuid.UUID) Side {
	switch p.OrganizationID {
	case from:
		return Sender
	case to:
		return Recipient
	}
	return NotAParty
}

// Referral is what the rules on a referral's texts know of it.
type Referral struct {
	CaseID   uuid.UUID
	From, To uuid.UUID
	// Working: the recipient accepted it (or completed it: it keeps the
	// note once done); not before accepting, nor after the sender
	// cancelled or the consent ended.
	Working bool
	// AssignedToCaller: the caller is one of the recipient's workers on it.
	AssignedToCaller bool
}

// MayReadReferralNote reports whether the caller reads a referral's note
// (and outcome): on the sender's side, whoever reads the case as its owner;
// on the recipient's side, while the referral is worked on, the workers
// assigned to it and the recipient's supervisors. tx reads the sender's
// relation to the case.
func MayReadReferralNote(ctx context.Context, tx *gorm.DB, p reqctx.Principal, r Referral) (bool, error) {
	switch SideOf(p, r.From, r.To) {
	case Sender:
		rel, err := Of(ctx, tx, r.CaseID)
		return rel.Owner(), err
	case Recipient:
		return r.Working && (r.AssignedToCaller || p.Role == authz.RoleSupervisor), nil
	}
	return false, nil
}

// MayReadDeclineReason reports whether the caller reads why a referral was
// declined: whoever reads its note, and the recipient's workers.
func MayReadDeclineReason(p reqctx.Principal, r Referral, mayReadNote bool) bool {
	return mayReadNote || SideOf(p, r.From, r.To) == Recipient
}

// RequireRole refuses action on caseID (Deny, with detail) unless the
// caller has role: for the steps of an action on a case that only some
// roles take (closing and reopening a case, assigning its workers).
func RequireRole(p reqctx.Principal, role, detail, action string, caseID uuid.UUID) error {
	if p.Role != role {
		return Deny(detail, action, "case", caseID.String())
	}
	return nil
}

// ErrReplayed is returned, with its result, by an action given to Do or Act
// that only replayed an earlier request under the same idempotency key: the
// result is returned and committed without a second audit entry. It is a
// signal, not a failure (as fs.SkipDir is to a walk).
var ErrReplayed = errors.New("access: the request replays an earlier one")

// Do runs fn in one transaction (InTx) and, once fn succeeded, records
// action with outcome success on the case whose id fn returns, in the same
// transaction; it returns fn's result. A refusal answers as InTx
// describes; an error of fn, or of the audit entry, returns the zero T and
// commits nothing.
func Do[T any](ctx context.Context, db *gorm.DB, action string,
	fn func(tx *gorm.DB, p reqctx.Principal) (T, uuid.UUID, error)) (T, error) {
	var out T
	err := InTx(ctx, db, func(tx *gorm.DB, p reqctx.Principal) error {
		res, caseID, err := fn(tx, p)
		if err != nil && !errors.Is(err, ErrReplayed) {
			return err
		}
		out = res
		if err != nil {
			return nil
		}
		return audit.Record(ctx, tx, action, "case", caseID.String(), audit.Success)
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// Act runs fn on caseID once rule allows action on it (as InCase), and
// records action on the case as Do does: the one shape of every action on
// a case, a read or a change. fn states only what the action does.
func Act[T any](ctx context.Context, db *gorm.DB, caseID uuid.UUID, action string, rule Rule,
	fn func(tx *gorm.DB, p reqctx.Principal, rel Relation) (T, error)) (T, error) {
	return Do(ctx, db, action, func(tx *gorm.DB, p reqctx.Principal) (T, uuid.UUID, error) {
		rel, err := Check(ctx, tx, caseID, action, rule)
		if err != nil {
			var zero T
			return zero, caseID, err
		}
		out, err := fn(tx, p, rel)
		return out, caseID, err
	})
}

// DocumentConsentForm is the category of a signed consent form kept as a
// document; the other documents fall under a data category.
const DocumentConsentForm = "consent_form"

// MayReadDocument reports whether a caller with relation rel reads a
// document of category: the owner's side every one, a referred
// organization those of the categories its referral's consent covers. A
// signed consent form names the person and the organization it was given
// to: a referred organization reads one only when it was given to it
// (formForReader: a consent to the reader's organization points to the
// form) and it holds the identity category, never the forms of consents to
// other organizations (which say where else the person was placed).
func MayReadDocument(rel Relation, category string, formForReader bool) bool {
	if rel.Owner() {
		return true
	}
	if category == DocumentConsentForm {
		return formForReader && rel.Visible() && rel.May(CategoryIdentity)
	}
	return rel.Visible() && rel.May(category)
}
