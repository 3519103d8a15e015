package htcds_test

import (
	"slices"
	"testing"

	"github.com/jardam-kg/jardam/internal/stats/htcds"
)

// TestCaseworkFields checks what structured casework adds to a person's
// rows: the relation of a linked perpetrator where the case records none,
// the linked perpetrators' recruitment channels, the vulnerabilities of the
// first needs assessment, a closed case still followed up.
func TestCaseworkFields(t *testing.T) {
	r := womanInRussia
	r.LinkedRecruiter, r.LinkedPerpetrator = "mother", "none"
	r.RecruitmentChannels = []string{"website", "in_person"}
	r.NeedsDomains = []string{"education_skills", "physical_health", "safety"}
	r.Stage, r.ClosureReason, r.FollowUpPending = "closed", "reintegrated", true
	res := anonymize(t, many(11, r), htcds.Levels{}, 11)
	for f, v := range map[string]string{
		"vic_RelationshipToTrafficker": "Familial", "vic_MethodOfRecruitment": "ThroughAnOnlineAdvertisement",
		"vic_Vulnerabilities": "DisabilityAndPhysicalHealth;Education", "cas_Status": "FollowUp",
	} {
		if got := column(res.HTCDS, f); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	if column(res.CTDC, "recruiterRelationFamily") != "1" {
		t.Errorf("CTDC row %v", res.CTDC.Rows[0])
	}

	// Only a trafficker linked: HTCDS names the relationship, the CTDC
	// recruiter flags (the recruiter's) stay empty.
	r.LinkedRecruiter, r.LinkedPerpetrator, r.FollowUpPending = "", "spouse", false
	res = anonymize(t, many(11, r), htcds.Levels{}, 11)
	if column(res.HTCDS, "vic_RelationshipToTrafficker") != "Acquainted" || column(res.HTCDS, "cas_Status") != "Closed" {
		t.Errorf("HTCDS row %v", res.HTCDS.Rows[0])
	}
	for _, f := range htcds.RecruiterFlags {
		if anyWritten(res.CTDC, f.Column) {
			t.Errorf("%s written for a trafficker who is not the recruiter", f.Column)
		}
	}
}

// TestNewFieldsDoNotSingleOut: a person alike to others in every older
// quasi-identifier but one of the new fields would be picked out by it;
// the field is withheld, or the person suppressed, instead.
func TestNewFieldsDoNotSingleOut(t *testing.T) {
	base := womanInRussia
	base.NeedsDomains, base.RecruiterRelation = []string{"income"}, "stranger"
	withRare := func(n int, change func(*htcds.Record)) []htcds.Record {
		odd := base
		change(&odd)
		return append(many(n, base), odd)
	}
	mentalHealth := func(r *htcds.Record) { r.NeedsDomains = []string{"income", "mental_health"} }
	// Her mother recruited her: the case's own relation is not recorded.
	mother := func(r *htcds.Record) { r.RecruiterRelation, r.LinkedRecruiter = "", "mother" }
	t.Run("VulnerabilitiesWithheld", func(t *testing.T) {
		// Twelve: suppressing one is above the 5% bound, so the whole
		// column goes.
		res := anonymize(t, withRare(11, mentalHealth), htcds.Levels{Vulnerabilities: 1}, 12)
		if anyWritten(res.HTCDS, "vic_Vulnerabilities") {
			t.Errorf("vic_Vulnerabilities written at %s", res.Levels)
		}
	})
	t.Run("RelationWithheldInBothFiles", func(t *testing.T) {
		res := anonymize(t, withRare(11, mother), htcds.Levels{Relation: 1}, 12)
		if anyWritten(res.HTCDS, "vic_RelationshipToTrafficker") ||
			slices.ContainsFunc(htcds.RecruiterFlags, func(f htcds.Flag) bool { return anyWritten(res.CTDC, f.Column) }) {
			t.Errorf("a relation written at %s: %v %v", res.Levels, res.CTDC.Rows[0], res.HTCDS.Rows[0])
		}
	})
	t.Run("OneOfManySuppressed", func(t *testing.T) {
		// Forty-one: the one stands out within the bound and is left out;
		// the others keep both fields.
		for _, change := range []func(*htcds.Record){mentalHealth, mother} {
			res := anonymize(t, withRare(40, change), htcds.Levels{}, 40)
			if res.Suppressed != 1 || column(res.HTCDS, "vic_Vulnerabilities") != "Poverty" ||
				column(res.HTCDS, "vic_RelationshipToTrafficker") != "Unaquainted" {
				t.Errorf("%d suppressed, rows %v", res.Suppressed, res.HTCDS.Rows[0])
			}
		}
	})
}

// TestImplicationsReadNoNewLadder: the anonymizer checks the implications
// once per node without the relation and vulnerability ladders, which holds
// only while no implication reads a column either withholds.
func TestImplicationsReadNoNewLadder(t *testing.T) {
	for _, l := range []htcds.Levels{{Relation: 1}, {Vulnerabilities: 1}} {
		for _, im := range htcds.Implications {
			if l.Withholds(im.If.Column) || l.Withholds(im.Then.Column) {
				t.Errorf("%s reads %s or %s, withheld at %s", im.Name, im.If.Column, im.Then.Column, l)
			}
		}
		if !l.Withholds("vic_RelationshipToTrafficker") && !l.Withholds("vic_Vulnerabilities") {
			t.Errorf("%s withholds neither new column", l)
		}
	}
}
