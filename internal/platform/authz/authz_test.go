package authz_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/policies"
)

// expected is the role x resource x action matrix, written out by hand. A
// change to policies/policy.csv must change this table too.
var expected = map[string][]string{
	authz.RoleCaseworker: {
		"activity.create", "activity.list", "approval.list", "approval.request", "assessment.create", "assessment.list",
		"flag.create", "follow_up.create", "follow_up.list", "follow_up.update", "person.create", "person.list", "person.update",
		"assistance.create", "assistance.list", "assistance.update",
		"case.create", "case.duplicate_check", "case.export", "case.list", "case.move_stage", "case.read", "case.search", "case.update",
		"consent.create", "consent.list", "consent.withdraw", "document.create", "document.list", "document.read",
		"legal_hold.read",
		"measure.list", "note.create", "note.list",
		"notification.list", "notification.update", "organization.list", "plan.read", "plan.update",
		"referral.create", "referral.list", "referral.respond", "self.read", "self.update", "work.list",
	},
	authz.RoleSupervisor: {
		"activity.create", "activity.list", "approval.decide", "approval.list", "approval.request", "assessment.create",
		"assessment.list", "flag.create", "flag.remove", "follow_up.create", "follow_up.list", "follow_up.update", "person.create", "person.list", "person.update",
		"assistance.create", "assistance.list", "assistance.update",
		"budget.read", "case.access_log", "case.assign", "case.close",
		"case.create", "case.duplicate_check", "case.export", "case.list", "case.move_stage", "case.read", "case.search",
		"case.subject_access", "case.update", "consent.create", "consent.list", "consent.withdraw", "erasure.decide", "erasure.list", "erasure.request",
		"document.create", "document.list", "document.read", "document.remove", "indicator.read", "legal_hold.read", "legal_hold.write", "measure.list", "note.create", "note.list",
		"notification.list", "notification.update", "organization.list", "plan.read", "plan.update",
		"referral.create", "referral.list", "referral.respond", "report.read", "report.write", "self.read", "self.update",
		"user.approve", "user.list", "work.list",
	},
	authz.RoleCoordinator: {
		"budget.read", "indicator.read", "measure.list", "notification.list", "notification.update", "organization.list",
		"report.read", "report.write", "self.read", "self.update", "stats.export", "stats.read", "work.list",
	},
	authz.RoleOrgAdmin: {
		"erasure.decide", "erasure.list", "measure.list", "notification.list", "notification.update", "organization.list",
		"self.read", "self.update", "user.create", "user.list", "user.mfa_reset", "user.update", "work.list",
	},
	authz.RoleAdmin: {
		"measure.list", "notification.list", "notification.update", "organization.create", "organization.list",
		"organization.update", "self.read", "self.update", "user.approve", "user.create", "user.list", "user.mfa_reset", "user.update", "work.list",
	},
	authz.RoleAuditor: {
		"audit.read", "audit.verify", "measure.list", "notification.list", "notification.update",
		"organization.list", "self.read", "self.update", "work.list",
	},
	authz.RoleHotlineOperator: {
		"contact.create", "contact.list", "contact.read", "contact.refer", "contact.update", "measure.list",
		"notification.list", "notification.update", "organization.list", "self.read", "self.update", "work.list",
	},
	authz.RoleHotlineSupervisor: {
		"contact.create", "contact.list", "contact.read", "contact.refer", "contact.update", "measure.list",
		"notification.list", "notification.update", "organization.list", "report.read", "report.write",
		"self.read", "self.update", "user.approve", "user.list", "work.list",
	},
}

func TestPolicyMatchesTheMatrix(t *testing.T) {
	en, err := authz.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range authz.Roles {
		t.Run(role, func(t *testing.T) {
			want := append([]string(nil), expected[role]...)
			sort.Strings(want)
			got := en.PermissionsOf(role)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("permissions of %s:\n got %v\nwant %v", role, got, want)
			}
		})
	}
}

func TestEveryRoleIsCheckedAgainstEveryPermission(t *testing.T) {
	en, err := authz.Load()
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, perms := range expected {
		for _, p := range perms {
			all[p] = true
		}
	}
	for _, role := range authz.Roles {
		has := map[string]bool{}
		for _, p := range expected[role] {
			has[p] = true
		}
		for name := range all {
			res, act, _ := strings.Cut(name, ".")
			if got := en.Allowed(role, authz.Permission{Resource: res, Action: act}); got != has[name] {
				t.Errorf("%s may %s: got %v, want %v", role, name, got, has[name])
			}
		}
	}
}

func TestIsolation(t *testing.T) {
	en, err := authz.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		role string
		perm authz.Permission
	}{
		{"CoordinatorCannotReadCases", authz.RoleCoordinator, authz.CaseRead},
		{"AuditorCannotReadCases", authz.RoleAuditor, authz.CaseRead},
		{"AdminCannotReadCases", authz.RoleAdmin, authz.CaseRead},
		{"OrgAdminCannotReadCases", authz.RoleOrgAdmin, authz.CaseRead},
		{"CaseworkerCannotCloseCases", authz.RoleCaseworker, authz.CaseClose},
		{"CaseworkerCannotCreateUsers", authz.RoleCaseworker, authz.UserCreate},
		{"SupervisorCannotReadAudit", authz.RoleSupervisor, authz.AuditRead},
		{"HotlineOperatorCannotReadCases", authz.RoleHotlineOperator, authz.CaseRead},
		{"HotlineOperatorCannotAnswerReferrals", authz.RoleHotlineOperator, authz.ReferralRespond},
		{"HotlineSupervisorCannotReadCases", authz.RoleHotlineSupervisor, authz.CaseRead},
		{"HotlineSupervisorCannotListCases", authz.RoleHotlineSupervisor, authz.CaseList},
		{"HotlineSupervisorCannotCreateCases", authz.RoleHotlineSupervisor, authz.CaseCreate},
		{"HotlineSupervisorCannotListReferrals", authz.RoleHotlineSupervisor, authz.ReferralList},
		{"HotlineSupervisorCannotReadDocuments", authz.RoleHotlineSupervisor, authz.DocumentRead},
		{"HotlineSupervisorCannotDecideApprovals", authz.RoleHotlineSupervisor, authz.ApprovalDecide},
		{"HotlineSupervisorCannotReadStats", authz.RoleHotlineSupervisor, authz.StatsRead},
		{"CaseworkerCannotReadContacts", authz.RoleCaseworker, authz.ContactRead},
		{"CoordinatorCannotReadContacts", authz.RoleCoordinator, authz.ContactRead},
		{"UnknownRoleCannotDoAnything", "root", authz.SelfRead},
		{"GroupNameIsNotARole", "signed_in", authz.SelfRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if en.Allowed(tc.role, tc.perm) {
				t.Fatalf("%s allowed %s", tc.role, tc.perm)
			}
		})
	}
}

// The decision table taken at load answers what casbin answers: a role's
// own rules and those of the group it belongs to, nothing the policy does
// not name, nothing for a group or an unknown role asked directly.
func TestDecisionsAreCasbins(t *testing.T) {
	en, err := authz.LoadFrom(policies.Model, `
p, signed_in, self, read
p, caseworker, case, read
g, caseworker, signed_in
g, supervisor, signed_in
`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		role string
		perm authz.Permission
		want bool
	}{
		{authz.RoleCaseworker, authz.CaseRead, true},
		{authz.RoleCaseworker, authz.SelfRead, true},
		{authz.RoleSupervisor, authz.SelfRead, true},
		{authz.RoleSupervisor, authz.CaseRead, false},
		{authz.RoleCaseworker, authz.CaseClose, false},
		{authz.RoleAdmin, authz.SelfRead, false},
		{"signed_in", authz.SelfRead, false},
		{"root", authz.CaseRead, false},
	}
	for _, tc := range tests {
		if got := en.Allowed(tc.role, tc.perm); got != tc.want {
			t.Errorf("%s may %s: got %v, want %v", tc.role, tc.perm, got, tc.want)
		}
	}
}
