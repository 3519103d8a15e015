// Package foureyes holds the four-eyes rule on grants (ADR 0008): a grant
// that lets an account read case data or sign in again (an account's
// approval, a role raise, the reset of a second factor) is approved by a
// second person, who is not the account, not whoever asked for the grant,
// and not whoever created or last set the password of the asker's account
// (they could sign in as the asker). Which role approves what stays with
// the package of the grant; this package decides only who is a second
// person, so that every grant applies the same rule. It imports no domain.
package foureyes

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Grant is what a second person approves.
type Grant struct {
	// Account is the account the grant is for.
	Account uuid.UUID
	// Requester asked for the grant; nil when no account did (the
	// command line).
	Requester *uuid.UUID
	// RequesterCreatedBy and RequesterPasswordSetBy created the
	// requester's account and last set its password; nil when nobody
	// recorded did.
	RequesterCreatedBy, RequesterPasswordSetBy *uuid.UUID
}

// Requested returns the grant for account asked for by requester (nil:
// nobody), with who created and last set the password of the requester's
// account, read in tx. It returns the database's errors.
func Requested(tx *gorm.DB, account uuid.UUID, requester *uuid.UUID) (Grant, error) {
	g := Grant{Account: account, Requester: requester}
	if requester == nil {
		return g, nil
	}
	var q struct{ CreatedBy, PasswordSetBy *uuid.UUID }
	if err := tx.Raw(`SELECT created_by, password_set_by FROM users WHERE id = ?`, *requester).Scan(&q).Error; err != nil {
		return Grant{}, err
	}
	g.RequesterCreatedBy, g.RequesterPasswordSetBy = q.CreatedBy, q.PasswordSetBy
	return g, nil
}

// Refusal says why approver is not a second person for g, or "" when the
// rule allows approver to approve it. The reasons name nobody.
func Refusal(approver uuid.UUID, g Grant) string {
	switch {
	case approver == g.Account:
		return "nobody approves their own account"
	case same(g.Requester, approver):
		return "you asked for this grant: a second person approves it"
	case same(g.RequesterCreatedBy, approver) || same(g.RequesterPasswordSetBy, approver):
		return "you created or last set the password of the account that asked for this grant"
	}
	return ""
}

func same(id *uuid.UUID, caller uuid.UUID) bool { return id != nil && *id == caller }
