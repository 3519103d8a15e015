package access

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

var (
	ownOrg   = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	otherOrg = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
)

func rel(k Kind, categories ...string) Relation {
	r := Relation{Kind: k, Categories: map[string]bool{}}
	for _, c := range categories {
		r.Categories[c] = true
	}
	return r
}

// TestCaseRulesByRelation is the table of the case rules: who may act on
// a case they see.
func TestCaseRulesByRelation(t *testing.T) {
	t.Parallel()
	rules := map[string]Rule{"SeeCase": SeeCase, "RequireOwner": RequireOwner, "RequireOwningSupervisor": RequireOwningSupervisor}
	want := map[string]map[Kind]bool{
		"SeeCase":                 {None: false, Referred: true, Assigned: true, Supervising: true},
		"RequireOwner":            {None: false, Referred: false, Assigned: true, Supervising: true},
		"RequireOwningSupervisor": {None: false, Referred: false, Assigned: false, Supervising: true},
	}
	for name, rule := range rules {
		for kind, allowed := range want[name] {
			if got := rule.allow(rel(kind)); got != allowed {
				t.Errorf("%s for relation %d: allowed %v, want %v", name, kind, got, allowed)
			}
		}
		if name != "SeeCase" && rule.detail == "" {
			t.Errorf("%s refuses without saying why", name)
		}
	}
}

func TestAssistanceRules(t *testing.T) {
	t.Parallel()
	p := reqctx.Principal{OrganizationID: otherOrg, Role: authz.RoleCaseworker}
	tests := []struct {
		name            string
		rel             Relation
		provider        uuid.UUID
		category        string
		mayRead, mayRec bool
	}{
		{"OwnerReadsAndWritesAnyRecord", rel(Assigned), ownOrg, CategoryHealth, true, true},
		{"ReferredReadsAndWritesItsOwn", rel(Referred), otherOrg, CategoryHealth, true, true},
		{"ReferredReadsAConsentedCategoryOnly", rel(Referred, CategoryHealth), ownOrg, CategoryHealth, true, false},
		{"ReferredDoesNotSeeAnotherCategory", rel(Referred, CategoryHealth), ownOrg, CategoryLegal, false, false},
		{"NoRelationSeesNothingEvenItsOwn", rel(None), otherOrg, CategoryHealth, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MayReadAssistance(p, tc.rel, tc.provider, tc.category); got != tc.mayRead {
				t.Errorf("MayReadAssistance = %v", got)
			}
			if got := MayWriteAssistance(p, tc.rel, tc.provider); got != tc.mayRec {
				t.Errorf("MayWriteAssistance = %v", got)
			}
		})
	}
}

func TestSideOf(t *testing.T) {
	t.Parallel()
	third := uuid.New()
	for org, want := range map[uuid.UUID]Side{ownOrg: Sender, otherOrg: Recipient, third: NotAParty} {
		if got := SideOf(reqctx.Principal{OrganizationID: org}, ownOrg, otherOrg); got != want {
			t.Errorf("organization %s: side %d, want %d", org, got, want)
		}
	}
}

// TestRecipientReadsTheNoteWhileWorkingOnTheReferral covers the
// recipient's side of MayReadReferralNote (the sender's side reads the
// case relation: TestSenderReadsTheNoteAsOwner) and MayReadDeclineReason.
func TestRecipientReadsTheNoteWhileWorkingOnTheReferral(t *testing.T) {
	t.Parallel()
	worker := reqctx.Principal{OrganizationID: otherOrg, Role: authz.RoleCaseworker}
	sup := reqctx.Principal{OrganizationID: otherOrg, Role: authz.RoleSupervisor}
	third := reqctx.Principal{OrganizationID: uuid.New(), Role: authz.RoleSupervisor}
	tests := []struct {
		name                  string
		p                     reqctx.Principal
		working, assigned     bool
		wantNote, wantDecline bool
	}{
		{"AssignedWorkerWhileWorking", worker, true, true, true, true},
		{"UnassignedWorkerNever", worker, true, false, false, true},
		{"AssignedWorkerBeforeAccepting", worker, false, true, false, true},
		{"SupervisorWhileWorking", sup, true, false, true, true},
		{"SupervisorBeforeAccepting", sup, false, false, false, true},
		{"ThirdOrganizationNever", third, true, true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Referral{CaseID: uuid.New(), From: ownOrg, To: otherOrg, Working: tc.working, AssignedToCaller: tc.assigned}
			note, err := MayReadReferralNote(t.Context(), nil, tc.p, r)
			if err != nil || note != tc.wantNote {
				t.Fatalf("note: %v, %v; want %v", note, err, tc.wantNote)
			}
			if got := MayReadDeclineReason(tc.p, r, note); got != tc.wantDecline {
				t.Fatalf("decline reason: %v, want %v", got, tc.wantDecline)
			}
		})
	}
}

func TestRequireRole(t *testing.T) {
	t.Parallel()
	caseID := uuid.New()
	if err := RequireRole(reqctx.Principal{Role: authz.RoleSupervisor}, authz.RoleSupervisor, "x", "case.move_stage", caseID); err != nil {
		t.Fatalf("supervisor refused: %v", err)
	}
	err := RequireRole(reqctx.Principal{Role: authz.RoleCaseworker}, authz.RoleSupervisor, "only supervisors close", "case.move_stage", caseID)
	var r *Refusal
	if !errors.As(err, &r) || r.Outcome != "denied" || r.ObjectID != caseID.String() || r.Err.Kind != apperr.KindForbidden {
		t.Fatalf("caseworker: %#v", err)
	}
}

// A referred organization reads documents of its consented categories, and
// a signed consent form only when the form was given to it (and it holds
// identity); the owner's side reads every one.
func TestDocumentRules(t *testing.T) {
	for _, c := range []struct {
		name     string
		rel      Relation
		category string
		formFor  bool
		want     bool
	}{
		{"OwnerReadsAForm", rel(Assigned), DocumentConsentForm, false, true},
		{"ReferredReadsItsOwnForm", rel(Referred, CategoryIdentity), DocumentConsentForm, true, true},
		{"ReferredNotAnotherOrganizationsForm", rel(Referred, CategoryIdentity), DocumentConsentForm, false, false},
		{"ReferredNotItsFormWithoutIdentity", rel(Referred, CategoryHealth), DocumentConsentForm, true, false},
		{"ReferredReadsAConsentedCategory", rel(Referred, CategoryHealth), CategoryHealth, false, true},
		{"ReferredNotAnotherCategory", rel(Referred, CategoryIdentity), CategoryHealth, false, false},
		{"NobodyElse", rel(None), CategoryIdentity, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := MayReadDocument(c.rel, c.category, c.formFor); got != c.want {
				t.Errorf("MayReadDocument = %v, want %v", got, c.want)
			}
		})
	}
}
