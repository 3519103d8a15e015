package htcds_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/jardam-kg/jardam/internal/stats/htcds"
	"github.com/jardam-kg/jardam/internal/stats/htcds/htcdstest"
)

// The quasi-identifiers of each layout, written out here.
var (
	ctdcQIs = []string{"gender", "ageBroad", "citizenship", "CountryOfExploitation", "isForcedLabour", "isSexualExploit", "isOtherExploit",
		"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther"}
	htcdsQIs = []string{"prs_Gender", "prs_Citizenship", "vic_TypeOfExploitation", "hte_Country", "vic_RelationshipToTrafficker",
		"vic_Vulnerabilities"}
)

// verify checks a result: both files in their layout, every class of each
// file and of both joined at least K, every implication on every person.
func verify(t *testing.T, res htcds.Result, year int) {
	t.Helper()
	var problems []string
	problems = append(problems, htcdstest.CheckCTDC(res.CTDC.Header, res.CTDC.Rows, year)...)
	problems = append(problems, htcdstest.CheckHTCDS(res.HTCDS.Header, res.HTCDS.Rows)...)
	problems = append(problems, htcdstest.CheckK(res.CTDC.Header, res.CTDC.Rows, ctdcQIs, htcds.K)...)
	problems = append(problems, htcdstest.CheckK(res.HTCDS.Header, res.HTCDS.Rows, htcdsQIs, htcds.K)...)
	problems = append(problems, htcdstest.CheckImplications(res.CTDC.Header, res.CTDC.Rows)...)
	problems = append(problems, htcdstest.CheckImplications(res.HTCDS.Header, res.HTCDS.Rows)...)
	joined := map[string]int{}
	for _, p := range res.Persons() {
		v := htcds.NewView(p[0], p[1])
		for _, im := range htcds.Violations(v, res.Levels) {
			problems = append(problems, "at "+res.Levels.String()+": "+im.Name+": "+im.If.Column+" tells "+im.Then.Column)
		}
		var key []string
		for _, q := range append(slices.Clone(ctdcQIs), htcdsQIs...) {
			key = append(key, v[q])
		}
		joined[strings.Join(key, "|")]++
	}
	for k, n := range joined {
		if n < htcds.K {
			problems = append(problems, "joined class "+k+" is rarer than k")
		}
	}
	if len(res.CTDC.Rows) != len(res.HTCDS.Rows) || len(res.CTDC.Rows)+res.Suppressed != res.Records {
		problems = append(problems, "the files do not hold the same persons")
	}
	for _, p := range problems[:min(len(problems), 10)] {
		t.Error(p)
	}
}

var (
	sexes     = []string{"female", "male", "other", "unknown"}
	ages      = append(slices.Clone(htcds.AgeBrackets), "unknown")
	countries = []string{"KG", "KG", "KG", "UZ", "TJ", "RU", "KZ", "TR", "AE", "KR", "CN", ""}
	exploits  = []string{"forced_labour", "sexual_exploitation", "forced_marriage", "servitude", "child_labour", "forced_criminality",
		"forced_begging", "organ_removal"}
	means     = []string{"debt_bondage", "threats", "uses_children", "restricts_movement", "withholds_documents", "other"}
	sectors   = []string{"agriculture", "construction", "domestic_work", "hospitality", "begging", "peddling", "other", ""}
	methods   = []string{"job_offer", "online", "through_acquaintance", "abduction", "other", ""}
	relations = []string{"family", "friend", "intimate_partner", "employer", "stranger", "other", ""}
	stages    = []string{"identification", "shelter", "reintegration", "closed"}
	domains   = []string{"safety", "physical_health", "mental_health", "housing", "legal", "documents", "income",
		"education_skills", "family"}
	linked   = []string{"mother", "father", "spouse", "child", "sibling", "other_family", "guardian", "acquaintance", "none", "", "", ""}
	channels = []string{"website", "app", "social_media", "messenger", "in_person", "agency", "other"}
)

func randomRecord(rng *rand.Rand, spread int) htcds.Record {
	one := func(vs []string) string { return vs[rng.IntN(len(vs))] }
	stage, reason := one(stages), ""
	if stage == "closed" {
		reason = one([]string{"transferred", "reintegrated", "lost_contact"})
	}
	return htcds.Record{Sex: sexes[rng.IntN(spread%4+1)], AgeBracket: ages[rng.IntN(spread%len(ages)+1)],
		Citizenship: countries[rng.IntN(min(spread, 5))], Country: countries[3+rng.IntN(min(spread+1, len(countries)-3))],
		ExploitationTypes: []string{one(exploits), one(exploits)}, MeansOfControl: []string{one(means), one(means)},
		LabourSector: one(sectors), RecruitmentMethod: one(methods), RecruiterRelation: one(relations),
		TraffickingStatus: one([]string{"possible", "actual", ""}), Stage: stage, ClosureReason: reason,
		FollowUpPending: rng.IntN(3) == 0, LinkedRecruiter: one(linked), LinkedPerpetrator: one(linked),
		NeedsDomains: domains[:rng.IntN(min(spread, 3))], RecruitmentChannels: []string{one(channels)}}
}

func TestRandomCaseloadsComeOutKAnonymous(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 5, 40, 300, 3000, 8000} {
		for _, spread := range []int{1, 3, 9} {
			recs := make([]htcds.Record, n)
			for i := range recs {
				recs[i] = randomRecord(rng, spread)
			}
			res := htcds.Anonymize(recs, 2024, htcds.K, htcds.MaxSuppressedShare)
			verify(t, res, 2024)
			if n >= 3000 && len(res.CTDC.Rows) < n*9/10 {
				t.Errorf("n=%d spread %d: %d rows at %s: over-suppressed", n, spread, len(res.CTDC.Rows), res.Levels)
			}
			if n == 8000 && spread == 1 && res.Levels.Exploitation != 0 {
				t.Errorf("n=%d: %s: eight thousand records should keep the types", n, res.Levels)
			}
		}
	}
}

func many(n int, r htcds.Record) []htcds.Record {
	out := make([]htcds.Record, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// column reads a column of the first row of a table.
func column(tb htcds.Table, name string) string { return tb.Rows[0][slices.Index(tb.Header, name)] }

// anyWritten reports whether any row writes a column.
func anyWritten(tb htcds.Table, name string) bool {
	i := slices.Index(tb.Header, name)
	return slices.ContainsFunc(tb.Rows, func(r []string) bool { return r[i] != "" })
}

// womanInRussia and manInKazakhstan are the records the generalization
// tests vary.
var (
	womanInRussia = htcds.Record{Sex: "female", AgeBracket: "21-23", Citizenship: "KG", Country: "RU",
		ExploitationTypes: []string{"forced_labour"}, LabourSector: "construction"}
	manInKazakhstan = htcds.Record{Sex: "male", AgeBracket: "30-38", Citizenship: "KG", Country: "KZ",
		ExploitationTypes: []string{"forced_labour"}}
)

// anonymize runs the export's anonymization of recs for 2024 and checks
// the levels it chose and the rows it kept.
func anonymize(t *testing.T, recs []htcds.Record, want htcds.Levels, rows int) htcds.Result {
	t.Helper()
	res := htcds.Anonymize(recs, 2024, htcds.K, htcds.MaxSuppressedShare)
	verify(t, res, 2024)
	if res.Levels != want || len(res.CTDC.Rows) != rows {
		t.Fatalf("%s with %d rows, want %s with %d", res.Levels, len(res.CTDC.Rows), want, rows)
	}
	return res
}

func TestLeastGeneralization(t *testing.T) {
	a, b, run := womanInRussia, manInKazakhstan, anonymize
	t.Run("AlreadyAnonymous", func(t *testing.T) {
		res := run(t, append(many(11, a), many(12, b)...), htcds.Levels{}, 23)
		// Sorted each on its own: the men of Kazakhstan come first in one,
		// the women of Russia in the other.
		if r := res.CTDC.Rows[0]; r[0] != "2024" || r[3] != "KGZ" || r[4] != "KAZ" || column(res.HTCDS, "hte_Country") != "RUS" {
			t.Fatalf("rows %v, %v", r, res.HTCDS.Rows[0])
		}
	})
	t.Run("AnOutlierWithinTheBoundIsSuppressed", func(t *testing.T) {
		odd := b
		odd.Country = "AE"
		res := run(t, append(append(many(50, a), many(49, b)...), odd), htcds.Levels{}, 99)
		if res.Suppressed != 1 {
			t.Fatalf("%d suppressed", res.Suppressed)
		}
	})
	t.Run("CountryWithheldNotWidened", func(t *testing.T) {
		// Ten exploited in Russia and ten in Belarus: no region is written,
		// the country is withheld, and the event with it.
		by := a
		by.Country = "BY"
		res := run(t, append(many(10, a), many(10, by)...), htcds.Levels{Country: 1}, 20)
		if anyWritten(res.CTDC, "CountryOfExploitation") || anyWritten(res.HTCDS, "hte_Country") || anyWritten(res.HTCDS, "hte_Type") {
			t.Fatalf("rows %v %v", res.CTDC.Rows[0], res.HTCDS.Rows[0])
		}
	})
}

// TestWithheldAttributesTakeWhatTellsThem: an attribute withheld takes
// with it every other column that would tell it.
func TestWithheldAttributesTakeWhatTellsThem(t *testing.T) {
	a, run := womanInRussia, anonymize
	t.Run("TypesWithheldFlagsKept", func(t *testing.T) {
		// Forced marriage and servitude are both isOtherExploit: the CTDC
		// flag joins them, the HTCDS types are withheld.
		m, s := a, a
		m.ExploitationTypes, s.ExploitationTypes = []string{"forced_marriage"}, []string{"servitude"}
		res := run(t, append(many(6, m), many(6, s)...), htcds.Levels{Exploitation: 1}, 12)
		if column(res.CTDC, "isOtherExploit") != "1" || anyWritten(res.HTCDS, "vic_TypeOfExploitation") {
			t.Fatalf("rows %v %v", res.CTDC.Rows[0], res.HTCDS.Rows[0])
		}
	})
	t.Run("SectorsWithheldWithForcedLabour", func(t *testing.T) {
		// Six in forced labour on building sites, six sexually exploited:
		// withholding the exploitation withholds the sector that tells it.
		sx := a
		sx.ExploitationTypes, sx.LabourSector = []string{"sexual_exploitation"}, ""
		res := run(t, append(many(6, a), many(6, sx)...), htcds.Levels{Exploitation: 2}, 12)
		for _, c := range []string{"isForcedLabour", "typeOfLabourConstruction"} {
			if anyWritten(res.CTDC, c) {
				t.Errorf("%s written", c)
			}
		}
		if anyWritten(res.HTCDS, "vic_ForcedLabourIndustry") {
			t.Error("vic_ForcedLabourIndustry written")
		}
	})
	t.Run("ChildLabourWithheldWithTheAge", func(t *testing.T) {
		// Children of two brackets in child labour: withholding the age
		// alone would leave ChildLabour telling that they are minors.
		c1 := htcds.Record{Sex: "male", AgeBracket: "9-17", Citizenship: "KG", Country: "KZ", ExploitationTypes: []string{"child_labour"}}
		c2 := c1
		c2.AgeBracket = "0-8"
		res := run(t, append(many(6, c1), many(6, c2)...), htcds.Levels{Age: 1, Exploitation: 1}, 12)
		if anyWritten(res.HTCDS, "vic_TypeOfExploitation") || column(res.CTDC, "isOtherExploit") != "1" {
			t.Fatalf("rows %v %v", res.CTDC.Rows[0], res.HTCDS.Rows[0])
		}
	})
	t.Run("NothingToSave", func(t *testing.T) {
		res := htcds.Anonymize(many(5, a), 2024, htcds.K, htcds.MaxSuppressedShare)
		if len(res.CTDC.Rows) != 0 || len(res.HTCDS.Rows) != 0 || res.Suppressed != 5 {
			t.Fatalf("%d rows", len(res.CTDC.Rows))
		}
	})
}

// TestHTCDSRow checks one person's HTCDS row value by value, as the
// standard spells them.
func TestHTCDSRow(t *testing.T) {
	r := htcds.Record{Sex: "male", AgeBracket: "30-38", Citizenship: "KG", Country: "RU",
		ExploitationTypes: []string{"forced_criminality", "forced_labour", "other"},
		MeansOfControl:    []string{"withholds_documents", "threats", "debt_bondage", "restricts_movement", "other"},
		LabourSector:      "domestic_work", RecruitmentMethod: "through_acquaintance", RecruiterRelation: "stranger",
		TraffickingStatus: "actual", Stage: "closed", ClosureReason: "transferred",
		NeedsDomains: []string{"income", "legal", "mental_health", "housing"}, RecruitmentChannels: []string{"messenger", "app"},
		LinkedRecruiter: "mother", FollowUpPending: true}
	res := htcds.Anonymize(many(11, r), 2024, htcds.K, htcds.MaxSuppressedShare)
	want := map[string]string{
		"prs_Gender": "Masculine", "prs_Citizenship": "KGZ", "vic_TraffickingStatus": "ActualVictimOfTrafficking",
		"vic_RelationshipToTrafficker": "Unaquainted",
		"vic_MethodOfRecruitment":      "ThroughOnlineSocialNetworks;ThroughFriendsOrSocialEvents",
		"vic_MethodsOfControl":         "PhysicalThreats;DebtBondage;WithholdsDocuments;Other",
		"vic_TypeOfExploitation":       "ForcedLabour;Other", "vic_ForcedLabourIndustry": "T_ActivitiesOfHouseholdsAsEmployers",
		"hte_Type": "Exploitation", "hte_Country": "RUS", "cas_Status": "ClosedReferred",
		"vic_Vulnerabilities": "Poverty;MentalHealth;Homelessness",
	}
	if len(res.HTCDS.Header) != len(want) {
		t.Fatalf("header %v", res.HTCDS.Header)
	}
	for f, v := range want {
		if got := column(res.HTCDS, f); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	for c, v := range map[string]string{"gender": "Man", "ageBroad": "30-38", "typeOfLabourDomesticWork": "1", "isOtherExploit": "1",
		"recruiterRelationOther": "1", "meansWithholdDocuments": "1"} {
		if got := column(res.CTDC, c); got != v {
			t.Errorf("%s = %q, want %q", c, got, v)
		}
	}
}

// TestPicklistsAreTheStandards checks every value the code can write
// against the standard's field list.
func TestPicklistsAreTheStandards(t *testing.T) {
	std := htcdstest.Standard()
	for _, f := range htcds.Fields {
		if _, ok := std[f]; !ok {
			t.Errorf("%s is not an HTCDS 2.0 field", f)
		}
	}
	for f, m := range htcds.Picklists {
		for jardam, v := range m {
			if !slices.Contains(std[f].Values, v) {
				t.Errorf("%s: %s writes %q, not a value of the standard", f, jardam, v)
			}
		}
	}
	for _, stage := range []string{"identification", "shelter", "rehabilitation", "reintegration", "closed"} {
		for _, reason := range []string{"", "transferred", "reintegrated"} {
			for _, pending := range []bool{false, true} {
				if v := htcds.CaseStatus(stage, reason, pending); !slices.Contains(std["cas_Status"].Values, v) {
					t.Errorf("cas_Status %q", v)
				}
			}
		}
	}
	if !slices.Contains(std["hte_Type"].Values, htcds.EventExploitation) ||
		!slices.Contains(std["vic_RelationshipToTrafficker"].Values, "Unaquainted") {
		t.Error("hte_Type or the standard's Unaquainted")
	}
}

// TestImplicationsAreChecked shows each implication both exercised on a
// produced file (its premise written somewhere) and able to fail (a view
// that breaks it is reported).
func TestImplicationsAreChecked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	hits := map[int]int{}
	for _, spread := range []int{1, 9} {
		recs := make([]htcds.Record, 8000)
		for i := range recs {
			recs[i] = randomRecord(rng, spread)
		}
		res := htcds.Anonymize(recs, 2024, htcds.K, htcds.MaxSuppressedShare)
		verify(t, res, 2024)
		for _, p := range res.Persons() {
			v := htcds.NewView(p[0], p[1])
			for i, im := range htcds.Implications {
				if im.If.Holds(v[im.If.Column]) {
					hits[i]++
				}
			}
		}
	}
	for i, im := range htcds.Implications {
		if hits[i] == 0 && !slices.Contains(htcds.SexTypeFlags, im.If.Column) {
			t.Errorf("%s (%s): never exercised", im.Name, im.If.Column)
		}
		broken := htcds.View{im.If.Column: witness(t, im.If), im.Then.Column: ""}
		if im.Then.Holds != nil && im.Then.Holds("") {
			t.Fatalf("%s: an empty conclusion holds", im.Name)
		}
		if len(htcds.Violations(broken, htcds.Levels{Age: 1, Gender: 1, Citizenship: 1, Country: 1, Exploitation: 2})) == 0 {
			t.Errorf("%s: a view that breaks it passes", im.Name)
		}
	}
}

// witness returns a value that meets a condition.
func witness(t *testing.T, c htcds.Cond) string {
	t.Helper()
	for _, v := range append([]string{"1", "KGZ", "Exploitation", "ForcedLabour", "ChildLabour", "Woman", "Feminine"},
		htcdstest.Standard()["vic_TypeOfExploitation"].Values...) {
		if c.Holds(v) {
			return v
		}
	}
	t.Fatalf("no witness for %s", c.Column)
	return ""
}

// BenchmarkAnonymize times the anonymization of 100 000 records (the
// database's part is in internal/stats BenchmarkTables).
func BenchmarkAnonymize(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	recs := make([]htcds.Record, 100000)
	for i := range recs {
		recs[i] = randomRecord(rng, 3)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		htcds.Anonymize(recs, 2024, htcds.K, htcds.MaxSuppressedShare)
	}
}
