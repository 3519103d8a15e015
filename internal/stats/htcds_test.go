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
)

// The CTDC codebook's columns, written out here rather than taken from the
// code under test.
var codebookColumns = []string{
	"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation", "traffickMonths",
	"meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex", "meansFalsePromises", "meansDrugsAlcohol",
	"meansDenyBasicNeeds", "meansExcessiveWorkHours", "meansWithholdDocuments",
	"isForcedLabour", "isSexualExploit", "isOtherExploit",
	"typeOfLabourAgriculture", "typeOfLabourConstruction", "typeOfLabourDomesticWork", "typeOfLabourHospitality",
	"typeOfSexProstitution", "typeOfSexPornography",
	"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther",
}

// The quasi-identifiers the export must make 11-anonymous.
var quasiIdentifiers = []string{"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
	"isForcedLabour", "isSexualExploit", "isOtherExploit"}

// hcase is a case of the export fixtures, with the kind of its consent.
type hcase struct {
	identifiedAt string
	sex, age     string
	citizenship  string
	country      string
	exploitation []string
	means        []string
	sector       string
	status       string // trafficking status, or empty
	consent      string // valid, withdrawn, expired, sharing (a data-sharing consent only), none
}

// addH inserts count cases like c, each with its consent, as the superuser.
func (f *fixture) addH(count int, c hcase) {
	f.t.Helper()
	if c.means == nil {
		c.means = []string{}
	}
	for i := 0; i < count; i++ {
		f.n++
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
		var status, sector any
		if c.status != "" {
			status = c.status
		}
		if c.sector != "" {
			sector = c.sector
		}
		f.env.DB.Exec(f.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
			identified_at, sex, age_bracket, citizenship, exploitation_types, countries_of_exploitation, means_of_control,
			labour_sector, trafficking_status, identity_enc, contact_enc)
			VALUES ($1, $2, $3, $3, 'identification', 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, '\xdeadbeef', '\xdeadbeef')`,
			id, fmt.Sprintf("SEZIM-H-%04d", f.n), f.env.OrgID("SEZIM"), c.identifiedAt, c.sex, c.age, c.citizenship,
			c.exploitation, []string{c.country}, c.means, sector, status)
		var purpose, expires, withdrawn any = "statistics", nil, nil
		switch c.consent {
		case "none":
			continue
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
}

func parseCSV(t *testing.T, body []byte) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not a CSV file: %v\n%s", err, body)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

func TestHTCDSExport(t *testing.T) {
	env := apitest.New(t)
	f := newFixture(t, env)
	// Consented persons: three groups of at least 11 alike, and three rare
	// older men who only blend in with the group of Kyrgyz men exploited in
	// Kazakhstan once ages, years and countries are generalized.
	f.addH(15, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "KG", country: "RU",
		exploitation: []string{"forced_labour"}, means: []string{"withholds_documents"}, sector: "construction", consent: "valid"})
	f.addH(12, hcase{identifiedAt: "2023-05-10T06:00:00Z", sex: "male", age: "30-38", citizenship: "KG", country: "KZ",
		exploitation: []string{"forced_labour"}, sector: "agriculture", consent: "valid"})
	f.addH(11, hcase{identifiedAt: "2024-06-10T06:00:00Z", sex: "female", age: "18-20", citizenship: "KG", country: "TR",
		exploitation: []string{"sexual_exploitation"}, means: []string{"threats", "physical_abuse"}, consent: "valid"})
	f.addH(3, hcase{identifiedAt: "2022-08-10T06:00:00Z", sex: "male", age: "48+", citizenship: "KG", country: "AE",
		exploitation: []string{"forced_labour"}, consent: "valid"})
	// Persons who must not leave the system, each group marked by a
	// citizenship on another continent, numerous enough to form a class of
	// their own if they leaked.
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "BR", country: "BR",
		exploitation: []string{"forced_labour"}, consent: "none"})
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "NG", country: "NG",
		exploitation: []string{"forced_labour"}, consent: "withdrawn"})
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "AU", country: "AU",
		exploitation: []string{"forced_labour"}, consent: "expired"})
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "US", country: "US",
		exploitation: []string{"forced_labour"}, consent: "sharing"})
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "ZA", country: "ZA",
		exploitation: []string{"forced_labour"}, status: "not_a_victim", consent: "valid"})
	// After the year asked for: 00:30 on 1 January 2025 in Bishkek.
	f.addH(12, hcase{identifiedAt: "2024-12-31T18:30:00Z", sex: "female", age: "21-23", citizenship: "MX", country: "MX",
		exploitation: []string{"forced_labour"}, consent: "valid"})

	// Imported historical cases never leave, even with a consent on record.
	f.addH(12, hcase{identifiedAt: "2024-03-10T06:00:00Z", sex: "female", age: "21-23", citizenship: "CA", country: "CA",
		exploitation: []string{"forced_labour"}, consent: "valid"})
	env.DB.Exec(t, `UPDATE cases SET source = 'import', identity_enc = NULL, contact_enc = NULL WHERE citizenship = 'CA'`)

	tok := env.Token(coordinator)
	r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/export/htcds?year=2024", Token: tok})
	if r.Status != http.StatusOK {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="jardam-htcds-2024.csv"` {
		t.Fatalf("content disposition %q", cd)
	}
	header, rows := parseCSV(t, r.Body)
	if !slices.Equal(header, codebookColumns) {
		t.Fatalf("header %v", header)
	}

	t.Run("EveryCombinationAtLeastEleven", func(t *testing.T) {
		classes := map[string]int{}
		for _, row := range rows {
			var key []string
			for _, q := range quasiIdentifiers {
				key = append(key, row[q])
			}
			classes[strings.Join(key, "|")]++
		}
		if len(classes) < 2 {
			t.Fatalf("%d classes: the export says next to nothing", len(classes))
		}
		for k, n := range classes {
			if n < 11 {
				t.Errorf("class %s has %d rows", k, n)
			}
		}
	})
	t.Run("EveryConsentedPersonAndNoOther", func(t *testing.T) {
		// The 41 consented persons: the three rare ones blend in rather
		// than being suppressed.
		if len(rows) != 41 {
			t.Fatalf("%d rows, want 41", len(rows))
		}
		for _, row := range rows {
			for _, col := range []string{"citizenship", "CountryOfExploitation"} {
				switch row[col] {
				case "KGZ", "RUS", "KAZ", "TUR", "ARE", "Central Asia", "Eastern Europe", "Western Asia", "Asia", "Europe", "":
				default:
					t.Fatalf("%s %q comes from a case without a valid statistics consent", col, row[col])
				}
			}
		}
	})
	t.Run("CodebookValues", func(t *testing.T) {
		women, threats := 0, 0
		for _, row := range rows {
			if row["citizenship"] != "" && row["citizenship"] != "KGZ" {
				t.Errorf("citizenship %q, want KGZ (alpha-3, not generalized: every person is Kyrgyz)", row["citizenship"])
			}
			if row["gender"] == "Woman" {
				women++
			}
			if row["meansThreats"] == "1" && row["meansAbusePsyPhySex"] == "1" && row["isSexualExploit"] == "1" {
				threats++
			}
			for _, c := range codebookColumns[6:] {
				if v := row[c]; v != "" && v != "1" {
					t.Errorf("flag %s = %q", c, v)
				}
			}
		}
		if women != 26 || threats != 11 {
			t.Fatalf("%d women (want 26), %d with threats and abuse (want 11)", women, threats)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		n := env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'stats.export' AND object_type = 'stats_export'
			AND object_id = 'htcds:2024' AND role = 'coordinator' AND outcome = 'success'`)
		if n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
	t.Run("YearChecked", func(t *testing.T) {
		now := time.Now().In(time.FixedZone("Bishkek", 6*3600))
		for _, y := range []string{fmt.Sprint(now.Year()), fmt.Sprint(now.Year() + 1), "1999", "24", "2024-H1"} {
			r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/export/htcds?year=" + y, Token: tok, Invalid: true})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"year"`) {
				t.Errorf("year %s: %d %s", y, r.Status, r.Body)
			}
		}
	})
	t.Run("AnEarlierYearLeavesLaterCasesOut", func(t *testing.T) {
		r := env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/export/htcds?year=2023", Token: tok})
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		_, rows := parseCSV(t, r.Body)
		// 12 men of 2023 and 3 of 2022, who are 15 together with the year
		// generalized to two-year spans (ending with 2023).
		if len(rows) != 15 {
			t.Fatalf("%d rows, want 15", len(rows))
		}
		for _, row := range rows {
			if row["yearOfRegistration"] != "2022-2023" || row["ageBroad"] != "18+" || row["CountryOfExploitation"] != "Asia" {
				t.Fatalf("row %v, want 2022-2023, 18+, Asia", row)
			}
		}
	})
}
