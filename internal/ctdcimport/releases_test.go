package ctdcimport_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/ctdcimport"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// imported reads the cases of an import series (such as SEZIM-2011-H) as
// one line each, in code order, as the superuser.
func (e *env) imported(prefix string) []string {
	e.t.Helper()
	ctx := context.Background()
	u, _ := url.Parse(e.d.SuperURL)
	pw, _ := u.User.Password()
	conn, err := pgx.Connect(ctx, dbtest.URLFor(e.d.SuperURL, u.User.Username(), pw, e.d.Name))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT concat_ws(' ', sex, age_bracket, coalesce(is_minor::text, 'minor?'),
			coalesce(citizenship, 'cit?'), countries_of_exploitation::text, exploitation_types::text, means_of_control::text,
			coalesce(labour_sector, 'sector?'), coalesce(recruiter_relation, 'relation?'), coalesce(recruitment_method, 'method?'),
			coalesce(identification_channel, 'channel?'), to_char(identified_at AT TIME ZONE 'Asia/Bishkek', 'YYYY-MM-DD'))
		FROM cases WHERE code LIKE $1 || '%' AND source = 'import' ORDER BY code`, prefix)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// alpha3 swaps the fixtures' alpha-2 codes for alpha-3 ones.
var alpha3 = map[string]string{"KG": "KGZ", "RU": "RUS", "KZ": "KAZ"}

// code writes a fixture's alpha-2 code through countries (alpha-2 as it
// is when countries is nil).
func code(countries map[string]string) func(string) string {
	return func(a2 string) string {
		if countries != nil {
			return countries[a2]
		}
		return a2
	}
}

// kAnonRows are three persons in the k-anonymized release's terms and what
// Jardam records of each.
func kAnonRows(year int, countries map[string]string) ([]record, []string) {
	c := code(countries)
	y := fmt.Sprint(year)
	rows := []record{{
		"yearOfRegistration": y, "Datasource": "Hotline", "gender": "Female", "ageBroad": "9--17", "majorityStatus": "Minor",
		"majorityStatusAtExploit": "Minor", "majorityEntry": "Minor", "citizenship": c("KG"), "CountryOfExploitation": c("RU"),
		"meansOfControlThreats": "1", "meansOfControlRestrictsMovement": "1", "meansOfControlDebtBondage": "0",
		"meansOfControlConcatenated": "Threats;Restricts movement", "isForcedMarriage": "1", "isForcedMilitary": "1",
		"isForcedLabour": "0", "typeOfExploitConcatenated": "Forced marriage;Forced military", "isAbduction": "1",
		"recruiterRelationFamily": "1", "RecruiterRelationship": "Family",
	}, {
		"yearOfRegistration": y, "Datasource": "Case Management", "gender": "Male", "majorityStatus": "Adult",
		"isSexAndLabour": "1", "typeOfLabourConstruction": "1", "typeOfLabourAgriculture": "1",
		"typeOfLabourIllicitActivities": "1", "typeOfLabourConcatenated": "Agriculture;Construction;Illicit activities",
		"meansOfControlPsychoactiveSubstances": "1", "meansOfControlWithholdsDocuments": "1",
	}, {
		"yearOfRegistration": y, "gender": "-99", "ageBroad": "48+", "citizenship": c("KZ"), "CountryOfExploitation": c("KZ"),
		"isSlaveryAndPractices": "1", "typeOfSexPrivateSexualServices": "1", "typeOfSexConcatenated": "Private sexual services",
		"meansOfControlNotSpecified": "1", "recruiterRelationUnknown": "1", "RecruiterRelationship": "Unknown",
	}}
	d := fmt.Sprintf("%d-07-01", year)
	want := []string{
		"female 9-17 true KG {RU} {forced_marriage,other} {threats,restricts_movement} sector? family abduction hotline " + d,
		"male unknown false cit? {} {forced_labour,sexual_exploitation,forced_criminality} {psychoactive_substances,withholds_documents} agriculture relation? method? channel? " + d,
		"unknown 48+ false KZ {KZ} {sexual_exploitation,servitude} {} sector? relation? method? channel? " + d,
	}
	return rows, want
}

// syntheticRows are two persons in the synthetic release's terms and what
// Jardam records of each.
func syntheticRows(year int, countries map[string]string) ([]record, []string) {
	c := code(countries)
	y := fmt.Sprint(year)
	rows := []record{{
		"yearOfRegistration": y, "gender": "Woman", "ageBroad": "9--17", "citizenship": c("KG"), "CountryOfExploitation": c("RU"),
		"traffickMonths": "13--24 (1-2 yrs)", "meansThreats": "1", "meansWithholdDocs": "1", "isForcedLabour": "1",
		"typeOfLabourDomesticWork": "1", "recruiterRelationFriend": "1", "isSexualExploit": "0",
	}, {
		"yearOfRegistration": y, "gender": "Trans/Transgender/NonConforming", "typeOfSexPornography": "1",
		"isSexualExploit": "1", "meansDebtBondageEarnings": "1", "meansAbusePsyPhySex": "1",
		"recruiterRelationIntimatePartner": "1", "recruiterRelationOther": "1",
	}}
	d := fmt.Sprintf("%d-07-01", year)
	want := []string{
		"female 9-17 true KG {RU} {forced_labour} {threats,withholds_documents} domestic_work friend method? channel? " + d,
		"other unknown minor? cit? {} {sexual_exploitation} {debt_bondage,psychological_abuse} sector? intimate_partner method? channel? " + d,
	}
	return rows, want
}

func TestBothReleasesImport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, tc := range []struct {
		name      string
		layout    layout
		countries map[string]string
		kanon     bool
	}{
		{"KAnonymizedSemicolonAlpha2", kAnonSemicolon, nil, true},
		{"KAnonymizedCommaAlpha3", kAnonComma, alpha3, true},
		{"SyntheticCommaAlpha3", synthComma, alpha3, false},
		{"SyntheticSemicolonAlpha2", synthSemicolon, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			year := 2011 + i
			rows, want := syntheticRows(year, tc.countries)
			ignore := []string{"traffickMonths"}
			if tc.kanon {
				rows, want = kAnonRows(year, tc.countries)
				ignore = kAnonIgnore
			}
			file := tc.layout.write(rows...)
			if tc.layout.sep == ';' && !strings.Contains(file, `"Threats;Restricts movement"`) && tc.kanon {
				t.Fatal("the fixture does not quote a field holding the separator")
			}
			// Without --ignore-columns the file is refused, naming each
			// column Jardam has no place for, and nothing is written.
			before := e.state()
			_, err := e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM"})
			var refused *ctdcimport.RefusedError
			if !errors.As(err, &refused) || len(refused.Problems) != len(ignore) {
				t.Fatalf("without --ignore-columns: %v", err)
			}
			for j, p := range refused.Problems {
				col := slices.Index(tc.layout.columns, ignore[j]) + 1
				if tc.layout.lead {
					col++
				}
				if p.Line != 1 || p.Column != col || p.Field != ignore[j] || !strings.Contains(p.Reason, "--ignore-columns "+ignore[j]) {
					t.Errorf("problem %d: %s", j, p)
				}
			}
			if after := e.state(); after != before {
				t.Fatalf("the database changed: %s -> %s", before, after)
			}

			rep, err := e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: ignore})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != len(rows) || rep.Separator != string(tc.layout.sep) || !slices.Equal(rep.Ignored, ignore) {
				t.Fatalf("report %+v", rep)
			}
			if tc.kanon && strings.Join(rep.Derived, ",") != "meansOfControlConcatenated,typeOfExploitConcatenated,"+
				"typeOfLabourConcatenated,typeOfSexConcatenated,RecruiterRelationship" {
				t.Errorf("derived columns %v", rep.Derived)
			}
			if len(rep.Notes) != 1 {
				t.Errorf("notes %v, want the one reduced labour sector or relation", rep.Notes)
			}
			got := e.imported(fmt.Sprintf("SEZIM-%d-H", year))
			if !slices.Equal(got, want) {
				t.Fatalf("imported:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestParseLayouts(t *testing.T) {
	now := mustTime(t, "2026-03-01T00:00:00Z")
	t.Run("QuotedSeparatorsAndMissingValues", func(t *testing.T) {
		file := "\xef\xbb\xbf" + termsCell + ";yearOfRegistration;gender;ageBroad;citizenship;CountryOfExploitation;" +
			"meansOfControlThreats;meansOfControlConcatenated\n" +
			`;2019;Female;18--20;-99;"RU";1;"Threats;Other"` + "\n" +
			`;2019;;;;;;""` + "\n" +
			";;;;;;;\n"
		p, err := ctdcimport.Parse([]byte(file), now, nil)
		if err != nil || len(p.Problems) != 0 || len(p.Persons) != 2 || p.Separator != ";" {
			t.Fatalf("%+v %v", p, err)
		}
		a, b := p.Persons[0], p.Persons[1]
		if a.Sex != "female" || a.AgeBracket != "18-20" || a.Citizenship != nil || !slices.Equal(a.Countries, []string{"RU"}) ||
			!slices.Equal(a.MeansOfControl, []string{"threats"}) || a.Line != 2 {
			t.Errorf("first row %+v", a)
		}
		if b.Sex != "unknown" || b.AgeBracket != "unknown" || b.IsMinor != nil || b.Citizenship != nil || len(b.Countries) != 0 {
			t.Errorf("second row %+v", b)
		}
	})
	t.Run("CommaWithQuotedSemicolons", func(t *testing.T) {
		file := ",yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,typeOfSexConcatenated,typeOfSexPornography\n" +
			`,2019,Male,48+,UZB,KAZ,"Prostitution;Pornography",1` + "\n"
		p, err := ctdcimport.Parse([]byte(file), now, nil)
		if err != nil || len(p.Problems) != 0 || len(p.Persons) != 1 || p.Separator != "," {
			t.Fatalf("%+v %v", p, err)
		}
		if q := p.Persons[0]; *q.Citizenship != "UZ" || q.Countries[0] != "KZ" || q.ExploitationTypes[0] != "sexual_exploitation" {
			t.Errorf("row %+v", q)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBadKAnonymizedFileNamesEveryProblem(t *testing.T) {
	e := newEnv(t)
	good := record{"yearOfRegistration": "2019", "gender": "Female", "ageBroad": "18--20", "citizenship": "KG",
		"CountryOfExploitation": "RU", "meansOfControlConcatenated": "Threats;Other"}
	bad := func(changes record) record {
		r := record{}
		for k, v := range good {
			r[k] = v
		}
		for k, v := range changes {
			r[k] = v
		}
		return r
	}
	file := kAnonSemicolon.write(good,
		bad(record{"gender": "F", "meansOfControlThreats": "yes"}),                                   // line 3
		bad(record{"ageBroad": "9--17", "majorityStatus": "Adult"}),                                  // line 4: conflicts
		bad(record{"citizenship": "KGX", "CountryOfExploitation": "Russia", "Datasource": "Police"}), // line 5
		good,
	)
	lines := strings.Split(file, "\r\n")
	lines[5] = "x" + lines[5]                           // line 6: a value under the terms-of-use cell
	lines = append(lines[:len(lines)-1], "2019;Female") // line 7: two fields
	file = strings.Join(lines, "\r\n") + "\r\n"
	col := func(name string) int { return slices.Index(kAnonColumns, name) + 2 }
	want := []ctdcimport.Problem{
		{Line: 3, Column: col("gender"), Field: "gender"},
		{Line: 3, Column: col("meansOfControlThreats"), Field: "meansOfControlThreats"},
		{Line: 4, Column: col("majorityStatus"), Field: "majorityStatus"},
		{Line: 5, Column: col("Datasource"), Field: "Datasource"},
		{Line: 5, Column: col("citizenship"), Field: "citizenship"},
		{Line: 5, Column: col("CountryOfExploitation"), Field: "CountryOfExploitation"},
		{Line: 6, Column: 1, Field: "terms of use"},
		{Line: 7, Field: "row"},
	}
	before := e.state()
	_, err := e.imp.Import(context.Background(), []byte(file), ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: kAnonIgnore})
	var refused *ctdcimport.RefusedError
	if !errors.As(err, &refused) || len(refused.Problems) != len(want) {
		t.Fatalf("got %v, want %d problems", err, len(want))
	}
	for i, w := range want {
		p := refused.Problems[i]
		if p.Line != w.Line || p.Column != w.Column || p.Field != w.Field || p.Reason == "" {
			t.Errorf("problem %d: %s, want line %d, column %d: %s", i, p, w.Line, w.Column, w.Field)
		}
	}
	if !strings.Contains(refused.Problems[2].Reason, "conflicts with ageBroad") {
		t.Errorf("the minor status conflict: %s", refused.Problems[2])
	}
	if after := e.state(); after != before {
		t.Fatalf("the database changed: %s -> %s", before, after)
	}

	t.Run("MalformedQuote", func(t *testing.T) {
		file := kAnonSemicolon.write(good) + `;2019;"Female;18--20` + "\r\n"
		_, err := e.imp.Import(context.Background(), []byte(file), ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: kAnonIgnore})
		if !errors.As(err, &refused) || len(refused.Problems) != 1 || refused.Problems[0].Line != 3 ||
			!strings.Contains(refused.Problems[0].Reason, "malformed CSV") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("IgnoreNamesAMissingColumn", func(t *testing.T) {
		_, err := e.imp.Import(context.Background(), []byte(kAnonSemicolon.write(good)), ctdcimport.Options{Organization: "SEZIM",
			IgnoreColumns: append(slices.Clone(kAnonIgnore), "majoritystatusatexploit ", "nosuchColumn")})
		if !errors.As(err, &refused) || len(refused.Problems) != 1 || refused.Problems[0].String() !=
			"line 1: nosuchColumn: --ignore-columns names a column the file does not have" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("DerivedColumnWithoutItsFlags", func(t *testing.T) {
		file := "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,meansOfControlConcatenated\n" +
			`2019,Female,18--20,KG,RU,"Threats;Other"` + "\n"
		_, err := e.imp.Import(context.Background(), []byte(file), ctdcimport.Options{Organization: "SEZIM"})
		if !errors.As(err, &refused) || len(refused.Problems) != 1 || !strings.HasPrefix(refused.Problems[0].String(),
			"line 1, column 6: meansOfControlConcatenated: repeats as text flags the file does not hold") {
			t.Fatalf("got %v", err)
		}
	})
}
