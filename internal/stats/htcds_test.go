package stats_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/stats/htcds/htcdstest"
)

// The quasi-identifiers each file must make 11-anonymous, written out here.
var (
	ctdcQIs = []string{"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
		"isForcedLabour", "isSexualExploit", "isOtherExploit", "recruiterRelationIntimatePartner", "recruiterRelationFriend",
		"recruiterRelationFamily", "recruiterRelationOther"}
	htcdsQIs = []string{"prs_Gender", "prs_Citizenship", "vic_TypeOfExploitation", "hte_Country", "vic_RelationshipToTrafficker",
		"vic_Vulnerabilities"}
)

// hcase is a case of the export fixtures, with the kind of its consent.
type hcase struct {
	identifiedAt string
	sex, age     string
	citizenship  string
	country      string
	exploitation []string
	means        []string
	sector       string
	method       string
	relation     string
	status       string // trafficking status, or empty
	stage        string // the current stage (default identification)
	closure      string // the closure reason of a closed case
	// moves are stage moves: to_stage@moved_at[@closure_reason].
	moves   []string
	consent string // valid, withdrawn, expired, sharing (a data-sharing consent only), none
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// addH inserts count cases like c, each with its consent and stage moves,
// as the superuser.
func (f *fixture) addH(count int, c hcase) {
	f.t.Helper()
	if c.means == nil {
		c.means = []string{}
	}
	if c.stage == "" {
		c.stage = "identification"
	}
	status := "open"
	if c.stage == "closed" {
		status = "closed"
	}
	for i := 0; i < count; i++ {
		f.n++
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
		f.env.DB.Exec(f.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
			closure_reason, identified_at, sex, age_bracket, citizenship, exploitation_types, countries_of_exploitation,
			means_of_control, labour_sector, recruitment_method, recruiter_relation, trafficking_status, identity_enc, contact_enc)
			VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '\xdeadbeef', '\xdeadbeef')`,
			id, fmt.Sprintf("SEZIM-H-%04d", f.n), f.env.OrgID("SEZIM"), c.stage, status, nullable(c.closure), c.identifiedAt,
			c.sex, c.age, c.citizenship, c.exploitation, []string{c.country}, c.means, nullable(c.sector), nullable(c.method),
			nullable(c.relation), nullable(c.status))
		for _, m := range c.moves {
			p := append(strings.Split(m, "@"), "")
			f.env.DB.Exec(f.t, `INSERT INTO case_stage_moves (case_id, to_stage, moved_at, closure_reason) VALUES ($1, $2, $3, $4)`,
				id, p[0], p[1], nullable(p[2]))
		}
		f.consent(id, c)
	}
}

// consent records the statistics consent of a fixture case, of its kind.
func (f *fixture) consent(id string, c hcase) {
	var purpose, expires, withdrawn any = "statistics", nil, nil
	switch c.consent {
	case "none":
		return
	case "withdrawn":
		withdrawn = "2025-01-10T00:00:00Z"
	case "expired":
		expires = "2025-01-10T00:00:00Z"
	case "sharing":
		purpose = "data_sharing"
	}
	f.env.DB.Exec(f.t, `INSERT INTO consents (id, case_id, purpose, recipient_organization_id, categories, given_by, given_at,
		expires_at, withdrawn_at, recorded_by)
		VALUES (gen_random_uuid(), $1, $2, $3, '{}', 'person', $4::timestamptz + interval '1 hour', $5, $6, $7)`,
		id, purpose, f.env.OrgID("MLSSM-SOC"), c.identifiedAt, expires, withdrawn, f.user)
}

func parseCSV(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not a CSV file: %v\n%s", err, body)
	}
	return recs[0], recs[1:]
}

// exportFile downloads one layout's file of a year and checks what every
// file must be: its layout's names and values, every class of at least
// 11, every implication held.
func exportFile(t *testing.T, env *apitest.Env, tok, layout string, year int) ([]string, [][]string) {
	t.Helper()
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/api/v1/stats/export/%s?year=%d", layout, year), Token: tok})
	if r.Status != http.StatusOK {
		t.Fatalf("%s %d: %d %s", layout, year, r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="jardam-%s-%d.csv"`, layout, year) {
		t.Fatalf("content disposition %q", cd)
	}
	header, rows := parseCSV(t, r.Body)
	var problems []string
	if layout == "ctdc" {
		problems = append(htcdstest.CheckCTDC(header, rows, year), htcdstest.CheckK(header, rows, ctdcQIs, 11)...)
	} else {
		problems = append(htcdstest.CheckHTCDS(header, rows), htcdstest.CheckK(header, rows, htcdsQIs, 11)...)
	}
	problems = append(problems, htcdstest.CheckImplications(header, rows)...)
	for _, p := range problems {
		t.Errorf("%s %d: %s", layout, year, p)
	}
	return header, rows
}

// count counts the rows that have every value of want.
func count(header []string, rows [][]string, want map[string]string) int {
	n := 0
	for _, r := range rows {
		ok := true
		for c, v := range want {
			ok = ok && r[slices.Index(header, c)] == v
		}
		if ok {
			n++
		}
	}
	return n
}

// seedExports writes the fixture of TestPersonLevelExports.
func seedExports(f *fixture) {
	// 2024: three groups of at least 11 alike, and one rare older man,
	// suppressed (one record of 39 is within the 5% bound).
	f.addH(15, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "KG", country: "RU",
		exploitation: []string{"forced_labour"}, means: []string{"withholds_documents"}, sector: "construction",
		method: "job_offer", relation: "acquaintance", status: "actual", stage: "shelter", consent: "valid"})
	f.addH(11, hcase{identifiedAt: "2024-06-10T06:00:00Z", sex: "female", age: "18-20", citizenship: "KG", country: "TR",
		exploitation: []string{"sexual_exploitation"}, means: []string{"threats", "physical_abuse"}, method: "through_acquaintance",
		relation: "intimate_partner", status: "possible", stage: "closed", closure: "transferred",
		moves: []string{"reintegration@2024-10-01T06:00:00Z", "closed@2025-02-01T06:00:00Z@transferred"}, consent: "valid"})
	f.addH(12, hcase{identifiedAt: "2024-05-10T06:00:00Z", sex: "male", age: "30-38", citizenship: "KG", country: "KZ",
		exploitation: []string{"forced_labour"}, sector: "agriculture", relation: "stranger", stage: "closed", closure: "transferred",
		consent: "valid"})
	f.addH(1, hcase{identifiedAt: "2024-08-10T06:00:00Z", sex: "male", age: "48+", citizenship: "KG", country: "AE",
		exploitation: []string{"forced_labour"}, consent: "valid"})
	// 2023: six in forced labour in agriculture and six sexually exploited,
	// alike otherwise: only withholding the exploitation joins them.
	f.addH(6, hcase{identifiedAt: "2023-05-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "KG", country: "RU",
		exploitation: []string{"forced_labour"}, sector: "agriculture", consent: "valid"})
	f.addH(6, hcase{identifiedAt: "2023-05-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "KG", country: "RU",
		exploitation: []string{"sexual_exploitation"}, consent: "valid"})
	// Persons who must not leave the system, each group marked by a
	// citizenship on another continent, numerous enough to form a class of
	// their own if they leaked.
	for country, consent := range map[string]string{"BR": "none", "NG": "withdrawn", "AU": "expired", "US": "sharing"} {
		f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: country, country: country,
			exploitation: []string{"forced_labour"}, consent: consent})
	}
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "ZA", country: "ZA",
		exploitation: []string{"forced_labour"}, status: "not_a_victim", consent: "valid"})
	// Of 2025: 00:30 on 1 January 2025 in Bishkek.
	f.addH(12, hcase{identifiedAt: "2024-12-31T18:30:00Z", sex: "female", age: "21-23", citizenship: "MX", country: "MX",
		exploitation: []string{"forced_labour"}, consent: "valid"})
	// Imported historical cases never leave, even with a consent on record.
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "CA", country: "CA",
		exploitation: []string{"forced_labour"}, consent: "valid"})
	f.env.DB.Exec(f.t, `UPDATE cases SET source = 'import', identity_enc = NULL, contact_enc = NULL WHERE citizenship = 'CA'`)
}

// expectHTCDS2024 checks the names and values of the HTCDS export of 2024.
func expectHTCDS2024(t *testing.T, env *apitest.Env, tok string) {
	header, rows := exportFile(t, env, tok, "htcds", 2024)
	for _, f := range []string{"prs_Gender", "prs_Citizenship", "vic_TraffickingStatus", "vic_RelationshipToTrafficker",
		"vic_MethodOfRecruitment", "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry", "cas_Status"} {
		if !slices.Contains(header, f) {
			t.Errorf("no %s in %v", f, header)
		}
	}
	for _, g := range []struct {
		want map[string]string
		n    int
	}{
		{map[string]string{"prs_Gender": "Feminine", "prs_Citizenship": "KGZ", "vic_TraffickingStatus": "ActualVictimOfTrafficking",
			"vic_RelationshipToTrafficker": "Acquainted", "vic_MethodOfRecruitment": "", "vic_MethodsOfControl": "WithholdsDocuments",
			"vic_TypeOfExploitation": "ForcedLabour", "vic_ForcedLabourIndustry": "F_Construction", "hte_Type": "Exploitation",
			"hte_Country": "RUS", "cas_Status": "Active"}, 15},
		// Closed in 2025: at the end of 2024 the case was following up.
		{map[string]string{"prs_Gender": "Feminine", "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
			"vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents", "vic_MethodsOfControl": "PhysicalThreats;PhysicalAbuse",
			"vic_TypeOfExploitation": "SexualExploitation", "vic_ForcedLabourIndustry": "", "hte_Country": "TUR", "cas_Status": "FollowUp"}, 11},
		{map[string]string{"prs_Gender": "Masculine", "vic_RelationshipToTrafficker": "Unaquainted", "vic_TraffickingStatus": "",
			"vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing", "hte_Country": "KAZ", "cas_Status": "ClosedReferred"}, 12},
	} {
		if n := count(header, rows, g.want); n != g.n {
			t.Errorf("%d rows of %v, want %d", n, g.want, g.n)
		}
	}
	if len(rows) != 38 {
		t.Errorf("%d rows, want the 38 consented persons of 2024 who blend in", len(rows))
	}
}

func TestPersonLevelExports(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	seedExports(newFixture(t, env))
	tok := env.Token(coordinator)

	t.Run("HTCDSNamesAndValues", func(t *testing.T) { expectHTCDS2024(t, env, tok) })
	t.Run("CTDCLayoutKept", func(t *testing.T) {
		header, rows := exportFile(t, env, tok, "ctdc", 2024)
		for want, n := range map[string]int{"gender=Woman": 26, "typeOfLabourConstruction=1": 15, "typeOfLabourAgriculture=1": 12,
			"isForcedLabour=1": 27, "meansThreats=1": 11, "ageBroad=18-20": 11, "CountryOfExploitation=KAZ": 12} {
			p := strings.Split(want, "=")
			if got := count(header, rows, map[string]string{p[0]: p[1]}); got != n {
				t.Errorf("%s in %d rows, want %d", want, got, n)
			}
		}
		if len(rows) != 38 {
			t.Errorf("%d rows, want 38", len(rows))
		}
	})
	t.Run("OnlyThatYear", func(t *testing.T) {
		// The twelve of 2023 are in 2023's files and no other; the sectors
		// are withheld with the forced labour they tell.
		for _, layout := range []string{"ctdc", "htcds"} {
			header, rows := exportFile(t, env, tok, layout, 2023)
			if len(rows) != 12 {
				t.Fatalf("%s 2023: %d rows, want 12", layout, len(rows))
			}
			for _, c := range []string{"isForcedLabour", "typeOfLabourAgriculture", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry"} {
				if i := slices.Index(header, c); i >= 0 && slices.ContainsFunc(rows, func(r []string) bool { return r[i] != "" }) {
					t.Errorf("%s 2023: %s written while the exploitation is withheld", layout, c)
				}
			}
			_, rows = exportFile(t, env, tok, layout, 2022)
			if len(rows) != 0 {
				t.Errorf("%s 2022: %d rows", layout, len(rows))
			}
		}
	})
	t.Run("Audited", func(t *testing.T) {
		for _, id := range []string{"htcds:2024", "ctdc:2024", "htcds:2023", "ctdc:2023"} {
			n := env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'stats.export' AND object_type = 'stats_export'
				AND object_id = $1 AND role = 'coordinator' AND outcome = 'success'`, id)
			if n != 1 {
				t.Errorf("%s: %d audit entries", id, n)
			}
		}
	})
	t.Run("YearChecked", func(t *testing.T) {
		now := time.Now().In(time.FixedZone("Bishkek", 6*3600))
		for _, layout := range []string{"ctdc", "htcds"} {
			for _, y := range []string{fmt.Sprint(now.Year()), fmt.Sprint(now.Year() + 1), "1999", "24", "2024-H1", "2023-2024"} {
				r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/export/" + layout + "?year=" + y, Token: tok, Invalid: true})
				if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"year"`) {
					t.Errorf("%s year %s: %d %s", layout, y, r.Status, r.Body)
				}
			}
		}
	})
}
