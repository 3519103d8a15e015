package cases

import (
	"github.com/jardam-kg/jardam/internal/access"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Actions on a case, as named in a case's allowed_actions.
const (
	ActionUpdate           = "update"            // PATCH the case: attributes and identity
	ActionMoveStage        = "move_stage"        // to one of allowed_stages
	ActionClose            = "close"             // move to closed, or reopen a closed case
	ActionAssign           = "assign"            // change the assigned workers
	ActionPlanRead         = "plan_read"         // read the assistance plan
	ActionPlanEdit         = "plan_edit"         // change the assistance plan
	ActionConsentList      = "consent_list"      // read the consents
	ActionConsentCreate    = "consent_create"    // record a consent
	ActionConsentWithdraw  = "consent_withdraw"  // withdraw a consent
	ActionReferralList     = "referral_list"     // read the referrals of the case
	ActionRefer            = "refer"             // refer the case to another organization
	ActionAssistanceList   = "assistance_list"   // read assistance records
	ActionAssistanceCreate = "assistance_create" // record assistance (a referred organization: its own)
	ActionNoteList         = "note_list"         // read one's organization's notes
	ActionNoteCreate       = "note_create"       // write a note
	ActionAccessLog        = "access_log"        // read who read or changed the case
	ActionAssessmentList   = "assessment_list"   // read the assessments
	ActionAssessmentCreate = "assessment_create" // record an assessment
	ActionFlagCreate       = "flag_create"       // flag the case
	ActionFlagRemove       = "flag_remove"       // remove a flag
	ActionApprovalList     = "approval_list"     // read the requests for approval
	ActionApprovalRequest  = "approval_request"  // ask a supervisor to approve a plan, closure or transfer
	ActionApprovalDecide   = "approval_decide"   // approve or return others' requests
	ActionFollowUpList     = "follow_up_list"    // read the follow-ups
	ActionFollowUpCreate   = "follow_up_create"  // plan a follow-up (and record one done)
	ActionPersonList       = "person_list"       // read the linked persons (a referred organization: as consented)
	ActionPersonCreate     = "person_create"     // link a person to the case
	ActionDocumentList     = "document_list"     // read the documents (a referred organization: its consented categories)
	ActionDocumentCreate   = "document_create"   // upload a document
	ActionDocumentRemove   = "document_remove"   // destroy a document's content
	ActionErasure          = "erasure_request"   // ask for the erasure of the identity
	ActionLegalHold        = "legal_hold"        // place or lift a legal hold
	ActionCaseFile         = "case_file"         // print the full case file
	ActionCaseHandover     = "case_handover"     // print the case file for a consented recipient
	ActionSubjectAccess    = "subject_access"    // print what is held on the person, for them
)

// Allowed is what the caller may do on one case, computed from the rules
// the services enforce: the role's permissions (policies/policy.csv), the
// caller's relation to the case (internal/access), the stage moves of
// CheckMove and the state of the case (imported, closed, identity erased).
// A client offers these actions only; the server checks each again.
type Allowed struct {
	Actions []string `json:"allowed_actions"`
	// Stages are the stages the caller may move the case to (empty without
	// move_stage).
	Stages []string `json:"allowed_stages"`
}

// AllowedFor returns what p, with relation rel to cs and permissions may
// (the role policy), may do on cs.
func AllowedFor(p reqctx.Principal, rel access.Relation, cs Case, may func(role string, perm authz.Permission) bool) Allowed {
	out := Allowed{Actions: []string{}, Stages: []string{}}
	add := func(action string, ok bool) {
		if ok {
			out.Actions = append(out.Actions, action)
		}
	}
	can := func(perm authz.Permission, rule access.Rule) bool {
		return may != nil && may(p.Role, perm) && rule.Allows(rel)
	}
	supervisor := p.Role == authz.RoleSupervisor
	imported := cs.Source == "import"
	open := cs.Status == "open"

	owner := can(authz.CaseUpdate, access.RequireOwner) && !imported
	add(ActionUpdate, owner && !cs.IdentityErased)
	if can(authz.CaseMoveStage, access.RequireOwner) && !imported {
		for _, to := range Stages {
			kind, err := CheckMove(cs.Stage, to)
			if err != nil || ((kind == moveClose || kind == moveReopen) && !supervisor) {
				continue
			}
			out.Stages = append(out.Stages, to)
		}
	}
	add(ActionMoveStage, len(out.Stages) > 0)
	add(ActionClose, len(out.Stages) > 0 && supervisor && can(authz.CaseClose, access.RequireOwner))
	add(ActionAssign, owner && !cs.IdentityErased && supervisor && can(authz.CaseAssign, access.RequireOwner))
	add(ActionPlanRead, can(authz.PlanRead, access.RequireOwner))
	add(ActionPlanEdit, can(authz.PlanUpdate, access.RequireOwner))
	add(ActionConsentList, can(authz.ConsentList, access.RequireOwner))
	add(ActionConsentCreate, can(authz.ConsentCreate, access.RequireOwner))
	add(ActionConsentWithdraw, can(authz.ConsentWithdraw, access.RequireOwner))
	add(ActionReferralList, can(authz.ReferralList, access.SeeCase))
	add(ActionRefer, can(authz.ReferralCreate, access.RequireOwner) && open)
	add(ActionAssistanceList, can(authz.AssistanceList, access.SeeCase))
	add(ActionAssistanceCreate, can(authz.AssistanceCreate, access.SeeCase))
	add(ActionNoteList, can(authz.NoteList, access.SeeCase))
	add(ActionNoteCreate, can(authz.NoteCreate, access.SeeCase))
	add(ActionAccessLog, can(authz.CaseAccessLog, access.RequireOwningSupervisor))
	add(ActionAssessmentList, can(authz.AssessmentList, access.RequireOwner))
	add(ActionAssessmentCreate, can(authz.AssessmentCreate, access.RequireOwner) && !imported)
	add(ActionFlagCreate, can(authz.FlagCreate, access.RequireOwner) && !imported)
	add(ActionFlagRemove, can(authz.FlagRemove, access.RequireOwningSupervisor))
	add(ActionApprovalList, can(authz.ApprovalList, access.RequireOwner))
	add(ActionApprovalRequest, can(authz.ApprovalRequest, access.RequireOwner) && open && !imported && !cs.IdentityErased)
	add(ActionApprovalDecide, can(authz.ApprovalDecide, access.RequireOwningSupervisor))
	add(ActionFollowUpList, can(authz.FollowUpList, access.RequireOwner))
	add(ActionFollowUpCreate, can(authz.FollowUpCreate, access.RequireOwner) && !imported)
	add(ActionPersonList, can(authz.PersonList, access.SeeCase))
	add(ActionPersonCreate, can(authz.PersonCreate, access.RequireOwner) && !imported && !cs.IdentityErased)
	add(ActionDocumentList, can(authz.DocumentList, access.SeeCase))
	add(ActionDocumentCreate, can(authz.DocumentCreate, access.RequireOwner) && !imported && !cs.IdentityErased)
	add(ActionDocumentRemove, can(authz.DocumentRemove, access.RequireOwningSupervisor))
	add(ActionErasure, can(authz.ErasureRequest, access.RequireOwningSupervisor) && !cs.IdentityErased && !imported)
	add(ActionLegalHold, can(authz.LegalHoldWrite, access.RequireOwningSupervisor) && !cs.IdentityErased && !imported)
	add(ActionCaseFile, can(authz.CaseExport, access.RequireOwningSupervisor))
	add(ActionCaseHandover, can(authz.CaseExport, access.RequireOwner))
	add(ActionSubjectAccess, can(authz.CaseSubjectAccess, access.RequireOwningSupervisor) && !imported)
	return out
}
