package ctdcimport_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/ctdcimport"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/seed"
	"github.com/jardam-kg/jardam/internal/stats"
)

const header = "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,traffickMonths," +
	"isForcedLabour,isSexualExploit,isOtherExploit,meansThreats,meansAbusePsyPhySex,typeOfLabourConstruction," +
	"typeOfSexProstitution,recruiterRelationFriend,localNote\n"

// ignore are the fixture's columns Jardam has no place for.
var ignore = []string{"traffickMonths", "localNote"}

// fixture writes a file in the codebook's layout: twelve women of 2019
// exploited in Russia, two men of 2020, and the bad rows given (each a
// full line), after the good ones. It returns the file and the line
// numbers of the bad rows.
func fixture(bad ...string) (string, []int) {
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 12; i++ {
		b.WriteString("2019,Woman,18-20,KGZ,RUS,0-12,1,,,1,,1,,1,x\n")
	}
	b.WriteString("2020,Man,30-38,KGZ,KAZ,13-24,1,0,0,,1,,,-99,\n")
	b.WriteString("2020,Male,30--38,-99,,,,,1,,,,1,,\n")
	var lines []int
	for i, l := range bad {
		b.WriteString(l + "\n")
		lines = append(lines, 2+14+i)
	}
	return b.String(), lines
}

type env struct {
	t   testing.TB
	d   *dbtest.DB
	imp *ctdcimport.Importer
}

func newEnv(t testing.TB) *env {
	d := dbtest.New(t)
	if err := seed.Demo(context.Background(), d.App, passwd.NewHasher(1), true); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, d: d, imp: ctdcimport.New(d.App)}
}

// state counts what an import may write.
func (e *env) state() string {
	e.t.Helper()
	return fmt.Sprintf("cases=%d imports=%d counters=%d successes=%d",
		e.d.Count(e.t, `SELECT count(*) FROM cases`), e.d.Count(e.t, `SELECT count(*) FROM case_imports`),
		e.d.Count(e.t, `SELECT count(*) FROM case_import_code_counters`),
		e.d.Count(e.t, `SELECT count(*) FROM audit_entries WHERE action = 'case.import' AND outcome = 'success'`))
}

func (e *env) failures() int64 {
	return e.d.Count(e.t, `SELECT count(*) FROM audit_entries WHERE action = 'case.import' AND outcome = 'failure'`)
}

func TestBadRowsRefuseTheWholeFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file, lines := fixture(
		"2019,F,18-20,KGZ,RUS,,1,,,,,,,,",      // wrong gender
		"19,Woman,18-20,KGZ,RUS,,1,,,,,,,,",    // bad year
		"2019,Woman,18-20,XYZ,RUS,,1,,,,,,,,",  // unknown citizenship
		"2030,Woman,17-19,KGZ,RX,,yes,,,,,,,,", // four problems
	)
	before := e.state()
	ctx := context.Background()
	_, err := e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: ignore})
	var refused *ctdcimport.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("got %v, want a refusal", err)
	}
	checkProblems(t, refused, lines)
	// The message names no value of a row.
	if strings.Contains(err.Error(), "XYZ") || strings.Contains(err.Error(), "17-19") {
		t.Fatalf("the report echoes the file's values: %v", err)
	}
	if after := e.state(); after != before {
		t.Fatalf("the database changed: %s -> %s", before, after)
	}
	if n := e.failures(); n != 1 {
		t.Fatalf("%d failed case.import entries, want 1", n)
	}

	t.Run("DryRunWritesNothing", func(t *testing.T) {
		rep, err := e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM", SkipBad: true, DryRun: true,
			IgnoreColumns: ignore})
		if err != nil || rep.Imported != 14 || rep.Skipped != 4 || len(rep.Problems) != 7 {
			t.Fatalf("%+v %v", rep, err)
		}
		if after := e.state(); after != before {
			t.Fatalf("the database changed: %s -> %s", before, after)
		}
	})

	t.Run("SkipBadImportsTheGoodRows", func(t *testing.T) {
		rep, err := e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM", SkipBad: true, IgnoreColumns: ignore})
		if err != nil || rep.Imported != 14 || rep.Skipped != 4 || rep.Rows != 18 || rep.ImportID == nil {
			t.Fatalf("%+v %v", rep, err)
		}
		if strings.Join(rep.Ignored, ",") != "traffickMonths,localNote" {
			t.Fatalf("ignored columns %v", rep.Ignored)
		}
		checkImportedCases(t, e, rep.ImportID.String())
		checkCountedInStats(t, e)
		// The same file again is refused: its persons would count twice.
		before := e.state()
		_, err = e.imp.Import(ctx, []byte(file), ctdcimport.Options{Organization: "SEZIM", SkipBad: true, IgnoreColumns: ignore})
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "already") {
			t.Fatalf("second import: %v", err)
		}
		if after := e.state(); after != before {
			t.Fatalf("the database changed: %s -> %s", before, after)
		}
		// Another file continues the code series.
		more := header + "2019,Woman,48+,KGZ,KAZ,,,,1,,,,,,\n"
		if _, err := e.imp.Import(ctx, []byte(more), ctdcimport.Options{Organization: "SEZIM", IgnoreColumns: ignore}); err != nil {
			t.Fatal(err)
		}
		if n := e.d.Count(t, `SELECT count(*) FROM cases WHERE code = 'SEZIM-2019-H0013' AND age_bracket = '48+'`); n != 1 {
			t.Fatal("the code series does not continue")
		}
	})
}

// checkProblems checks the problems of the refusal of fixture's four bad
// rows, at lines: each named by line, column and field, in order.
func checkProblems(t *testing.T, refused *ctdcimport.RefusedError, lines []int) {
	t.Helper()
	want := []string{
		fmt.Sprintf("line %d, column 2: gender:", lines[0]),
		fmt.Sprintf("line %d, column 1: yearOfRegistration:", lines[1]),
		fmt.Sprintf("line %d, column 4: citizenship:", lines[2]),
		fmt.Sprintf("line %d, column 1: yearOfRegistration:", lines[3]),
		fmt.Sprintf("line %d, column 3: ageBroad:", lines[3]),
		fmt.Sprintf("line %d, column 5: CountryOfExploitation:", lines[3]),
		fmt.Sprintf("line %d, column 7: isForcedLabour:", lines[3]),
	}
	if len(refused.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(refused.Problems), len(want), refused)
	}
	for i, w := range want {
		if !strings.HasPrefix(refused.Problems[i].String(), w) {
			t.Errorf("problem %d: %q, want %q...", i, refused.Problems[i], w)
		}
	}
}

// checkImportedCases checks the fourteen good rows of fixture as imported
// by the import importID: closed statistical cases of Sezim without
// identity or keys, with the attributes the codebook gives.
func checkImportedCases(t *testing.T, e *env, importID string) {
	t.Helper()
	if n := e.d.Count(t, `SELECT count(*) FROM cases WHERE source = 'import' AND status = 'closed' AND stage = 'closed'
		AND closure_reason = 'other' AND identity_enc IS NULL AND contact_enc IS NULL AND created_by IS NULL
		AND owner_organization_id = (SELECT id FROM organizations WHERE code = 'SEZIM')`); n != 14 {
		t.Fatalf("%d imported cases, want 14", n)
	}
	if n := e.d.Count(t, `SELECT count(*) FROM case_keys`); n != 0 {
		t.Fatalf("%d data keys", n)
	}
	// The attributes as the codebook says.
	if n := e.d.Count(t, `SELECT count(*) FROM cases WHERE code LIKE 'SEZIM-2019-H%' AND sex = 'female' AND age_bracket = '18-20'
		AND is_minor = false AND citizenship = 'KG' AND countries_of_exploitation = '{RU}' AND exploitation_types = '{forced_labour}'
		AND means_of_control = '{threats}' AND labour_sector = 'construction' AND recruiter_relation = 'friend'
		AND identified_at = '2019-07-01T06:00:00Z'`); n != 12 {
		t.Fatalf("%d cases of 2019 as written, want 12", n)
	}
	if n := e.d.Count(t, `SELECT count(*) FROM cases WHERE code IN ('SEZIM-2020-H0001', 'SEZIM-2020-H0002') AND sex = 'male'
		AND age_bracket = '30-38'`); n != 2 {
		t.Fatalf("%d cases of 2020", n)
	}
	if n := e.d.Count(t, `SELECT count(*) FROM cases WHERE code = 'SEZIM-2020-H0002' AND citizenship IS NULL
		AND countries_of_exploitation = '{}' AND exploitation_types = '{sexual_exploitation,other}' AND recruiter_relation IS NULL`); n != 1 {
		t.Fatal("missing values and the sexual exploitation type are not read as the codebook says")
	}
	if n := e.d.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'case.import' AND outcome = 'success'
		AND object_type = 'case_import' AND object_id = $1`, importID); n != 1 {
		t.Fatalf("%d audit entries", n)
	}

}

// checkCountedInStats checks that the twelve women imported for 2019
// count in that year's table.
func checkCountedInStats(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	svc := stats.NewService(e.d.App, stats.Settings{}, nil)
	cctx := reqctx.WithPrincipal(ctx, reqctx.Principal{UserID: uuid.New(), OrganizationID: uuid.New(), Role: "coordinator"})
	tb, err := svc.Table(cctx, "persons_by_sex_age", "2019")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range tb.Rows {
		if r.Dims[0].Value == "female" && r.Dims[1].Value == "18-20" {
			found = r.Count != nil && *r.Count == 12
		}
	}
	if !found || tb.Totals.Count == nil || *tb.Totals.Count != 12 {
		t.Fatalf("2019: %+v", tb)
	}
}

func TestFileLevelRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := e.state()
	for name, tc := range map[string]struct {
		file, org string
		ignore    []string
		want      string
	}{
		"MissingRequiredColumn": {"yearOfRegistration,gender,citizenship,CountryOfExploitation\n2019,Woman,KGZ,RUS\n", "SEZIM", nil,
			"line 1: ageBroad: required column missing"},
		"RepeatedColumn": {"yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,Gender\n", "SEZIM", nil,
			"line 1, column 6: Gender: the column appears twice"},
		"Empty":               {"", "SEZIM", nil, "line 1: header:"},
		"UnknownOrganization": {header, "NOPE", ignore, "organization: no organization"},
		"ShortRow":            {header + "2019,Woman\n", "SEZIM", ignore, "line 2: row: has 2 fields"},
		"UnmappedColumn": {header, "SEZIM", []string{"traffickMonths"},
			"line 1, column 15: localNote: not a column of the CTDC codebooks (docs/ctdc-import.md): give --ignore-columns localNote"},
		"RequiredColumnIgnored": {header, "SEZIM", []string{"traffickMonths", "localNote", "gender"}, "line 1: gender: a required column cannot be ignored"},
	} {
		t.Run(name, func(t *testing.T) {
			// --skip-bad does not save a file refused as a whole.
			_, err := e.imp.Import(ctx, []byte(tc.file), ctdcimport.Options{Organization: tc.org, SkipBad: name != "ShortRow",
				IgnoreColumns: tc.ignore})
			var refused *ctdcimport.RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if after := e.state(); after != before {
		t.Fatalf("the database changed: %s -> %s", before, after)
	}
}
