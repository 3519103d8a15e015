package foureyes_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/access/foureyes"
)

func TestRefusal(t *testing.T) {
	account, requester, creator, setter, other := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	g := foureyes.Grant{Account: account, Requester: &requester, RequesterCreatedBy: &creator, RequesterPasswordSetBy: &setter}
	tests := []struct {
		name     string
		approver uuid.UUID
		grant    foureyes.Grant
		refused  bool
	}{
		{"AnotherPersonApproves", other, g, false},
		{"TheAccountIsRefused", account, g, true},
		{"TheRequesterIsRefused", requester, g, true},
		{"TheRequestersCreatorIsRefused", creator, g, true},
		{"TheRequestersLastPasswordSetterIsRefused", setter, g, true},
		{"WithoutARequesterOnlyTheAccountIsRefused", creator, foureyes.Grant{Account: account}, false},
		{"WithoutARequesterTheAccountIsStillRefused", account, foureyes.Grant{Account: account}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := foureyes.Refusal(tc.approver, tc.grant); (got != "") != tc.refused {
				t.Fatalf("refusal %q, want refused %v", got, tc.refused)
			}
		})
	}
}
