package users

import "slices"

// GrantableRoles lists the roles an account of role may give an account
// (MayGrant: an org admin in its own organization only), none for a role
// that grants none.
func GrantableRoles(role string) []string {
	out := slices.Clone(grantable[role])
	if out == nil {
		out = []string{}
	}
	return out
}
