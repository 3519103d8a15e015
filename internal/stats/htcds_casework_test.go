package stats_test

import (
	"slices"
	"testing"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// seedCasework writes eleven women of Tajikistan identified in 2024, closed
// as reintegrated in 2024, with no recruiter relation of their own: a
// first needs assessment (housing urgent, income serious, legal a little)
// and a later one with no need; a mother linked as the recruiter, through
// social media; a follow-up planned and not done; and a person linked in
// 2025, after the year, as the trafficker.
func seedCasework(f *fixture) {
	f.addH(11, hcase{identifiedAt: "2024-02-10T06:00:00Z", sex: "female", age: "24-26", citizenship: "TJ", country: "RU",
		exploitation: []string{"forced_labour"}, stage: "closed", closure: "reintegrated",
		moves: []string{"closed@2024-09-01T06:00:00Z@reintegrated"}, consent: "valid"})
	f.env.DB.Exec(f.t, `INSERT INTO case_assessments (id, case_id, kind, definition_version, assessed_on, answers, score, created_by)
		SELECT gen_random_uuid(), id, 'needs', 1, d::date, a::jsonb, 1, $1 FROM cases,
		(VALUES ('2024-03-01', '{"housing": {"score": 3}, "income": {"score": 2}, "legal": {"score": 1}, "family": {"score": 0}}'),
		        ('2024-06-01', '{"housing": {"score": 0}, "income": {"score": 0}, "legal": {"score": 0}, "family": {"score": 0}}')) v(d, a)
		WHERE citizenship = 'TJ'`, f.user)
	f.env.DB.Exec(f.t, `INSERT INTO case_persons (id, case_id, relation, perpetrator_role, recruitment_channel, created_by, created_at)
		SELECT gen_random_uuid(), id, r, p, ch, $1, at::timestamptz FROM cases,
		(VALUES ('mother', 'recruiter', 'social_media', '2024-03-01T06:00:00Z'), ('none', 'trafficker', 'agency', '2025-02-01T06:00:00Z'),
		        ('sibling', NULL, NULL, '2024-03-01T06:00:00Z')) v(r, p, ch, at)
		WHERE citizenship = 'TJ'`, f.user)
	f.env.DB.Exec(f.t, `INSERT INTO case_follow_ups (id, case_id, planned_on, kind, months, created_by, created_at)
		SELECT gen_random_uuid(), id, '2025-03-01', 'visit', 6, $1, '2024-09-01T06:00:00Z' FROM cases WHERE citizenship = 'TJ'`, f.user)
}

// TestExportsCarryCasework: the HTCDS export writes what structured
// casework records, and once one of the eleven is told apart by it alone
// (her recruiter becomes nobody to her) she does not stand out: the
// relation is withheld from both files.
func TestExportsCarryCasework(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	f := newFixture(t, env)
	seedCasework(f)
	tok := env.Token(coordinator)

	header, rows := exportFile(t, env, tok, "htcds", 2024)
	want := map[string]string{"prs_Citizenship": "TJK", "vic_RelationshipToTrafficker": "Familial",
		"vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks", "vic_Vulnerabilities": "Poverty;Homelessness",
		"cas_Status": "FollowUp"}
	if n := count(header, rows, want); n != 11 || len(rows) != 11 {
		t.Fatalf("%d rows of %v in %d: %v", n, want, len(rows), rows)
	}
	header, rows = exportFile(t, env, tok, "ctdc", 2024)
	if n := count(header, rows, map[string]string{"recruiterRelationFamily": "1"}); n != 11 {
		t.Errorf("%d rows with recruiterRelationFamily", n)
	}

	f.env.DB.Exec(t, `UPDATE case_persons SET relation = 'none'
		WHERE perpetrator_role = 'recruiter' AND case_id = (SELECT min(id::text)::uuid FROM cases WHERE citizenship = 'TJ')`)
	for _, layout := range []string{"htcds", "ctdc"} {
		header, rows = exportFile(t, env, tok, layout, 2024)
		for _, c := range []string{"vic_RelationshipToTrafficker", "recruiterRelationFamily", "recruiterRelationOther"} {
			if i := slices.Index(header, c); i >= 0 && slices.ContainsFunc(rows, func(r []string) bool { return r[i] != "" }) {
				t.Errorf("%s: %s written though one person's would single her out", layout, c)
			}
		}
		if len(rows) != 11 {
			t.Errorf("%s: %d rows", layout, len(rows))
		}
	}
}
