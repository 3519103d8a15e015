// Package access decides, in one place, the caller's relation to a case:
// assigned to it, supervising its organization, referred to it with the
// consented categories, or none; and what each relation may do: only the
// owner may (RequireOwner), only the owning organization's supervisors may
// (RequireOwningSupervisor), who reads an assistance record, who reads a
// referral's note (MayReadReferralNote), which side of a referral acts
// (SideOf). The case, referral and assistance code all ask here, so the
// need-to-know rule cannot drift between them.
//
// One rule decides between "not found" and "forbidden":
//
//   - 404 only when the object is not visible to the caller: it does not
//     exist, or belongs to a case the caller has no relation to. Both give
//     the same answer and the same single audit entry (outcome not_found),
//     so neither tells them apart.
//   - 403 when the caller sees the object but the role, the relation (a
//     referred organization changing the owner's case) or the caller's part
//     (the sender answering its own referral) rules the action out. The
//     refusal is audited (outcome denied).
//
// A service runs an action on a case with Act (the transaction, the
// relation, the rule and the action's audit entry in one call; InCase
// without the entry); actions on an object of a case (an assistance record,
// a consent, a referral) run in Do (or InTx) and refuse with NotFound or
// Deny. Either way a refusal rolls back what the action wrote and leaves
// its audit entry.
package access

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Kind is the caller's relation to a case.
type Kind int

// Relations, from none to the widest.
const (
	None Kind = iota
	// Referred: a worker assigned to an accepted referral (or a supervisor
	// of the receiving organization), limited to the consented categories.
	Referred
	// Assigned: a caseworker assigned to the case.
	Assigned
	// Supervising: a supervisor of the owning organization.
	Supervising
)

// Data categories a relation may see.
const (
	CategoryIdentity          = "identity"
	CategoryContact           = "contact"
	CategoryHealth            = "health"
	CategoryLegal             = "legal"
	CategoryAssistanceHistory = "assistance_history"
)

// AllCategories lists every category.
var AllCategories = []string{CategoryIdentity, CategoryContact, CategoryHealth, CategoryLegal, CategoryAssistanceHistory}

// Relation is what the caller may see of one case.
type Relation struct {
	Kind       Kind
	CaseID     uuid.UUID
	OwnerOrgID uuid.UUID
	// Categories the caller may read; every category for the owner's side.
	Categories map[string]bool
}

// Visible reports whether the caller may see the case at all.
func (r Relation) Visible() bool { return r.Kind != None }

// Owner reports whether the caller reads the case as its owning
// organization (assigned or supervising).
func (r Relation) Owner() bool { return r.Kind == Assigned || r.Kind == Supervising }

// May reports whether the caller may read a category.
func (r Relation) May(category string) bool { return r.Categories[category] }

// MayReadEventDetails reports whether the caller may read the place and
// details of the case's trafficking events. They are the owner's side only:
// no consented category covers them, since they describe the exploitation
// itself and often name third parties.
func (r Relation) MayReadEventDetails() bool { return r.Owner() }

// MayReadLinkedPerson reports which parts of a person linked to the case
// the caller may read: family members, guardians and acquaintances fall
// under the identity and contact categories; anyone with a perpetrator
// role falls under legal, whatever the relation (a mother can be the
// trafficker), both parts at once. The owner's side reads everything.
func (r Relation) MayReadLinkedPerson(perpetrator bool) (identity, contact bool) {
	if perpetrator {
		ok := r.May(CategoryLegal)
		return ok, ok
	}
	return r.May(CategoryIdentity), r.May(CategoryContact)
}

func all() map[string]bool {
	m := make(map[string]bool, len(AllCategories))
	for _, c := range AllCategories {
		m[c] = true
	}
	return m
}

// Of returns the caller's relation to caseID, read through tx (a
// transaction scoped to the caller's organization, so row-level security
// already hides other organizations' cases). A missing case and a hidden one
// both give None.
func Of(ctx context.Context, tx *gorm.DB, caseID uuid.UUID) (Relation, error) {
	rels, err := OfMany(ctx, tx, []uuid.UUID{caseID})
	if err != nil {
		return Relation{}, err
	}
	return rels[caseID], nil
}

// OfMany returns the caller's relation to each of caseIDs in one query (a
// list's cases), as Of would one by one; every id is in the map.
func OfMany(ctx context.Context, tx *gorm.DB, caseIDs []uuid.UUID) (map[uuid.UUID]Relation, error) {
	out := make(map[uuid.UUID]Relation, len(caseIDs))
	for _, id := range caseIDs {
		out[id] = Relation{CaseID: id}
	}
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok || len(caseIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ID                  uuid.UUID
		OwnerOrganizationID uuid.UUID
		Kind                string
		Categories          []string `gorm:"type:text[]"`
	}
	ids := make(database.Array[string], len(caseIDs))
	for i, id := range caseIDs {
		ids[i] = id.String()
	}
	err := tx.Raw(`SELECT c.id, c.owner_organization_id, `+RelationColumns("@user", "@org", "@role")+`
		FROM cases c `+RelationJoin("@user", "@org", "@role")+` WHERE c.id = ANY(CAST(@cases AS uuid[]))`,
		map[string]any{"user": p.UserID, "org": p.OrganizationID, "role": p.Role, "cases": ids}).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = RelationFrom(r.ID, r.OwnerOrganizationID, r.Kind, r.Categories)
	}
	return out, nil
}

// RelationColumns is the select list, on cases aliased c joined with
// RelationJoin, of the caller's relation to each case: kind ('supervising',
// 'assigned', 'referred' or 'none') and categories (text[], the categories
// shared with the caller when 'referred'), given the SQL placeholders of the
// caller's user, organization and role. Row-level security already hides
// the cases of other organizations that no accepted referral shares.
// RelationFrom turns a row into a Relation; OfMany and the pipelined reads
// share both, so that one expression decides who sees a case and the audit
// entry's outcome.
func RelationColumns(user, org, role string) string {
	return `CASE
		WHEN ` + role + ` = 'supervisor' AND c.owner_organization_id = ` + org + ` THEN 'supervising'
		WHEN ` + role + ` = 'caseworker' AND c.owner_organization_id = ` + org + `
			AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = ` + user + `) THEN 'assigned'
		WHEN rel.categories IS NOT NULL THEN 'referred'
		ELSE 'none' END AS kind,
		rel.categories`
}

// RelationJoin is the join, after the cases c in a FROM list, that
// RelationColumns reads: for a case of another organization, the
// referrals that share it with a caseworker or supervisor
// (jardam_case_referral, migration 0042: NULL when none does, else their
// categories). It is a function called for those cases only, so that a
// statement reading a case of the caller's own organization starts no plan
// of the referral rule; OFFSET 0 keeps it to one call a case.
func RelationJoin(user, org, role string) string {
	return `CROSS JOIN LATERAL (SELECT CASE WHEN ` + role + ` IN ('caseworker', 'supervisor') AND c.owner_organization_id <> ` + org + `
		THEN jardam_case_referral(c.id, ` + user + `, ` + org + `, ` + role + ` = 'supervisor') END AS categories OFFSET 0) rel`
}

// RelationFrom is the relation of a row of RelationColumns to case id owned
// by owner.
func RelationFrom(id, owner uuid.UUID, kind string, categories []string) Relation {
	rel := Relation{CaseID: id, OwnerOrgID: owner}
	switch kind {
	case "supervising":
		rel.Kind, rel.Categories = Supervising, all()
	case "assigned":
		rel.Kind, rel.Categories = Assigned, all()
	case "referred":
		rel.Kind, rel.Categories = Referred, map[string]bool{}
		for _, c := range categories {
			rel.Categories[c] = true
		}
	}
	return rel
}

// referredSQL is the condition, on cases aliased c, that an accepted
// referral shares the case with the caller (jardam_case_referral).
const referredSQL = `jardam_case_referral(c.id, @user, @org, @supervisor) IS NOT NULL`

// VisibleCasesSQL is the condition (on cases aliased c) selecting the cases
// the caller sees in lists, with its named arguments (@org, @user,
// @supervisor). Row-level security already limits rows to the caller's
// organization and its accepted referrals.
func VisibleCasesSQL(p reqctx.Principal) (string, map[string]any) {
	args := map[string]any{"user": p.UserID, "org": p.OrganizationID, "supervisor": p.Role == authz.RoleSupervisor}
	switch p.Role {
	case authz.RoleSupervisor:
		return "(c.owner_organization_id = @org OR " + referredSQL + ")", args
	case authz.RoleCaseworker:
		return "((c.owner_organization_id = @org AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = @user)) OR " + referredSQL + ")", args
	}
	return "false", args
}

// referredCasesSQL selects the ids of the cases referred to the caller's
// organization that the caller works on: the rule of jardam_case_referral
// (migration 0042) as a set, for a list to start from the referrals
// (TestListPagesExactlyTheVisibleCases holds the two together). The
// organization's accepted referrals come first, materialized: a generic
// plan, which does not know how many there are, would otherwise start from
// every consent the caller sees and look for a referral of each.
const referredCasesSQL = `WITH received AS MATERIALIZED (
		SELECT r.id, r.case_id, r.consent_id FROM referrals r
		WHERE r.to_organization_id = @org AND r.status = 'accepted')
	SELECT r.case_id FROM received r JOIN consents k ON k.id = r.consent_id
	WHERE k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
	AND (@supervisor OR EXISTS (SELECT 1 FROM referral_assignments ra WHERE ra.referral_id = r.id AND ra.user_id = @user))`

// Branch is one part of the cases a caller sees in lists: the rows of From
// (which names the cases c) satisfying Where, in list order by the keys
// KeyTime and KeyID (equal to c.created_at and c.id, on an index that gives
// that order).
type Branch struct {
	From, Where, KeyTime, KeyID string
}

// VisibleCasesBranches splits VisibleCasesSQL into two branches that never
// hold the same case and together hold exactly the cases VisibleCasesSQL
// selects: the cases seen as the owning organization, and those seen
// through a referral only. A list reads each branch newest first on its own
// index (the organization's cases for a supervisor, the caseworker's
// assignments, the referrals) and merges them, where the single
// condition's OR would scan every case row-level security lets through.
// The named arguments are those of VisibleCasesSQL.
func VisibleCasesBranches(p reqctx.Principal) (owned, referred Branch, args map[string]any) {
	args = map[string]any{"user": p.UserID, "org": p.OrganizationID, "supervisor": p.Role == authz.RoleSupervisor}
	byCase := Branch{From: "cases c", KeyTime: "c.created_at", KeyID: "c.id"}
	var ownedCond string
	switch p.Role {
	case authz.RoleSupervisor:
		ownedCond = "c.owner_organization_id = @org"
		owned = byCase
		owned.Where = ownedCond
	case authz.RoleCaseworker:
		ownedCond = "(c.owner_organization_id = @org AND EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id AND a.user_id = @user))"
		// The caseworker's assignments (one per case: the key is (case,
		// user)) carry their case's creation time (migration 0011).
		owned = Branch{From: "case_assignments ca JOIN cases c ON c.id = ca.case_id",
			Where: "ca.user_id = @user AND c.owner_organization_id = @org", KeyTime: "ca.case_created_at", KeyID: "ca.case_id"}
	default:
		none := byCase
		none.Where = "false"
		return none, none, args
	}
	referred = byCase
	referred.Where = "(c.id IN (" + referredCasesSQL + ") AND NOT " + ownedCond + ")"
	return owned, referred, args
}
