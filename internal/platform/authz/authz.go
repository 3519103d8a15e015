// Package authz owns the coarse authorization check: may a role do an action
// on a kind of resource. The casbin model and policy live in policies/;
// permissions are named constants here, written `resource.action`, the same
// names /me reports and the audit trail uses.
package authz

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/jardam-kg/jardam/policies"
)

// Roles.
const (
	RoleCaseworker  = "caseworker"
	RoleSupervisor  = "supervisor"
	RoleCoordinator = "coordinator"
	RoleOrgAdmin    = "org_admin"
	RoleAdmin       = "admin"
	RoleAuditor     = "auditor"
	// RoleHotlineOperator records the contacts of a hotline and refers
	// callers to a crisis center; it reads no case.
	RoleHotlineOperator = "hotline_operator"
	// RoleHotlineSupervisor takes calls as an operator does, approves its
	// hotline's accounts and reports for its hotline on the Program's
	// measures; it reads no case.
	RoleHotlineSupervisor = "hotline_supervisor"
)

// Roles lists every role an account may hold.
var Roles = []string{RoleCaseworker, RoleSupervisor, RoleCoordinator, RoleOrgAdmin, RoleAdmin, RoleAuditor, RoleHotlineOperator, RoleHotlineSupervisor}

// IsRole reports whether s names a role.
func IsRole(s string) bool {
	for _, r := range Roles {
		if r == s {
			return true
		}
	}
	return false
}

// Permission is an action on a kind of resource.
type Permission struct {
	Resource string
	Action   string
}

// String returns the `resource.action` name.
func (p Permission) String() string { return p.Resource + "." + p.Action }

// Permissions used by routes.
var (
	SelfRead           = Permission{"self", "read"}
	SelfUpdate         = Permission{"self", "update"}
	OrganizationList   = Permission{"organization", "list"}
	OrganizationCreate = Permission{"organization", "create"}
	OrganizationUpdate = Permission{"organization", "update"}
	UserList           = Permission{"user", "list"}
	UserCreate         = Permission{"user", "create"}
	UserUpdate         = Permission{"user", "update"}
	UserMFAReset       = Permission{"user", "mfa_reset"}
	UserApprove        = Permission{"user", "approve"}
	AuditRead          = Permission{"audit", "read"}
	AuditVerify        = Permission{"audit", "verify"}

	CaseCreate         = Permission{"case", "create"}
	CaseList           = Permission{"case", "list"}
	CaseRead           = Permission{"case", "read"}
	CaseUpdate         = Permission{"case", "update"}
	CaseSearch         = Permission{"case", "search"}
	CaseMoveStage      = Permission{"case", "move_stage"}
	CaseClose          = Permission{"case", "close"}
	CaseAssign         = Permission{"case", "assign"}
	CaseAccessLog      = Permission{"case", "access_log"}
	CaseDuplicateCheck = Permission{"case", "duplicate_check"}
	ErasureRequest     = Permission{"erasure", "request"}
	ErasureDecide      = Permission{"erasure", "decide"}
	ErasureList        = Permission{"erasure", "list"}
	LegalHoldRead      = Permission{"legal_hold", "read"}
	LegalHoldWrite     = Permission{"legal_hold", "write"}
	PlanRead           = Permission{"plan", "read"}
	PlanUpdate         = Permission{"plan", "update"}
	AssistanceCreate   = Permission{"assistance", "create"}
	AssistanceList     = Permission{"assistance", "list"}
	AssistanceUpdate   = Permission{"assistance", "update"}
	NoteCreate         = Permission{"note", "create"}
	NoteList           = Permission{"note", "list"}
	AssessmentCreate   = Permission{"assessment", "create"}
	AssessmentList     = Permission{"assessment", "list"}
	FlagCreate         = Permission{"flag", "create"}
	FlagRemove         = Permission{"flag", "remove"}
	ApprovalRequest    = Permission{"approval", "request"}
	ApprovalList       = Permission{"approval", "list"}
	ApprovalDecide     = Permission{"approval", "decide"}
	FollowUpCreate     = Permission{"follow_up", "create"}
	FollowUpList       = Permission{"follow_up", "list"}
	FollowUpUpdate     = Permission{"follow_up", "update"}
	PersonCreate       = Permission{"person", "create"}
	PersonList         = Permission{"person", "list"}
	PersonUpdate       = Permission{"person", "update"}
	ConsentCreate      = Permission{"consent", "create"}
	ConsentList        = Permission{"consent", "list"}
	ConsentWithdraw    = Permission{"consent", "withdraw"}
	DocumentCreate     = Permission{"document", "create"}
	DocumentList       = Permission{"document", "list"}
	DocumentRead       = Permission{"document", "read"}
	DocumentRemove     = Permission{"document", "remove"}
	CaseExport         = Permission{"case", "export"}
	CaseSubjectAccess  = Permission{"case", "subject_access"}
	ReferralCreate     = Permission{"referral", "create"}
	ReferralList       = Permission{"referral", "list"}
	ReferralRespond    = Permission{"referral", "respond"}
	NotificationList   = Permission{"notification", "list"}
	NotificationUpdate = Permission{"notification", "update"}
	WorkList           = Permission{"work", "list"}
	StatsRead          = Permission{"stats", "read"}
	StatsExport        = Permission{"stats", "export"}
	MeasureList        = Permission{"measure", "list"}
	ActivityCreate     = Permission{"activity", "create"}
	ActivityList       = Permission{"activity", "list"}
	IndicatorRead      = Permission{"indicator", "read"}
	ReportRead         = Permission{"report", "read"}
	ReportWrite        = Permission{"report", "write"}
	BudgetRead         = Permission{"budget", "read"}
	ContactCreate      = Permission{"contact", "create"}
	ContactList        = Permission{"contact", "list"}
	ContactRead        = Permission{"contact", "read"}
	ContactUpdate      = Permission{"contact", "update"}
	ContactRefer       = Permission{"contact", "refer"}
)

// Enforcer answers role checks from the embedded policy. The policy does
// not change while the process runs, so casbin's answer for every role and
// every permission the policy names is taken once, when it is loaded, into
// a decision table: a check on a request's path is a map lookup, not an
// expression evaluated anew (it was a third of a case read's CPU time). A
// permission the policy does not name is denied, as casbin would deny it.
type Enforcer struct {
	e       *casbin.Enforcer
	allowed map[decision]bool
}

// decision is one entry of the decision table: role may do permission.
type decision struct {
	role string
	perm Permission
}

// Load builds the enforcer from the embedded model and policy. It returns an
// error when either does not parse.
func Load() (*Enforcer, error) {
	return LoadFrom(policies.Model, policies.Policy)
}

// LoadFrom builds an enforcer from model and policy text.
func LoadFrom(modelText, policyText string) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("policy model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(stripComments(policyText)))
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	allowed, err := decide(e)
	if err != nil {
		return nil, err
	}
	return &Enforcer{e: e, allowed: allowed}, nil
}

// decide asks e for every role and every permission its policy names and
// returns the permissions allowed.
func decide(e *casbin.Enforcer) (map[decision]bool, error) {
	rules, err := e.GetPolicy()
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	out := map[decision]bool{}
	for _, r := range rules {
		if len(r) < 3 {
			continue
		}
		p := Permission{Resource: r[1], Action: r[2]}
		for _, role := range Roles {
			ok, err := e.Enforce(role, p.Resource, p.Action)
			if err != nil {
				return nil, fmt.Errorf("policy: %s for %s: %w", p, role, err)
			}
			if ok {
				out[decision{role, p}] = true
			}
		}
	}
	return out, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Allowed reports whether role may do p. Unknown roles may do nothing.
func (en *Enforcer) Allowed(role string, p Permission) bool {
	return en.allowed[decision{role, p}]
}

// PermissionsOf lists the `resource.action` names role may do, sorted.
func (en *Enforcer) PermissionsOf(role string) []string {
	if !IsRole(role) {
		return []string{}
	}
	perms, err := en.e.GetImplicitPermissionsForUser(role)
	if err != nil {
		return []string{}
	}
	seen := map[string]bool{}
	out := []string{}
	for _, p := range perms {
		if len(p) < 3 {
			continue
		}
		name := p[1] + "." + p[2]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
