package users

import (
	"slices"

	"github.com/jardam-kg/jardam/internal/platform/authz"
)

// GrantableRoles lists the roles an account of role in an organization of
// kind orgKind may give an account of its own organization (MayGrant: an
// org admin in its own organization only; FitsKind), none for a role that
// grants none.
func GrantableRoles(role, orgKind string) []string {
	out := []string{}
	for _, r := range grantable[role] {
		if role == authz.RoleAdmin || FitsKind(r, orgKind) {
			out = append(out, r)
		}
	}
	return out
}

// caseRoles read case data; they belong to organizations that hold cases.
var caseRoles = []string{authz.RoleCaseworker, authz.RoleSupervisor}

// hotlineRoles take calls; they belong to hotlines, which hold no case.
var hotlineRoles = []string{authz.RoleHotlineOperator, authz.RoleHotlineSupervisor}

// FitsKind reports whether an account of role may belong to an
// organization of kind: hotline operators and supervisors work at a
// hotline, and a hotline, which holds no case, has no caseworker or
// (case) supervisor.
func FitsKind(role, kind string) bool {
	const hotline = "hotline"
	switch {
	case slices.Contains(hotlineRoles, role):
		return kind == hotline
	case slices.Contains(caseRoles, role):
		return kind != hotline
	}
	return true
}
