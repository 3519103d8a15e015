package htcds

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// classes counts the rows of each combination of the quasi-identifiers,
// read from the rows by column name.
func classes(t *testing.T, res Result) map[string]int {
	t.Helper()
	idx := map[string]int{}
	for i, c := range res.Header {
		idx[c] = i
	}
	out := map[string]int{}
	for _, r := range res.Rows {
		var key []string
		for _, q := range []string{"yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
			"isForcedLabour", "isSexualExploit", "isOtherExploit"} {
			key = append(key, r[idx[q]])
		}
		out[strings.Join(key, "|")]++
	}
	return out
}

func many(n int, r Record) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func TestRandomCaseloadsComeOutKAnonymous(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sexes := []string{"female", "male", "other", "unknown"}
	ages := append(slices.Clone(AgeBrackets), "unknown")
	countries := []string{"KG", "KG", "KG", "UZ", "TJ", "RU", "KZ", "TR", "AE", "KR", "CN", ""}
	exploits := []string{"forced_labour", "sexual_exploitation", "forced_marriage", "servitude"}
	for _, n := range []int{0, 5, 40, 300, 3000} {
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Year: 2015 + rng.IntN(10), Sex: sexes[rng.IntN(4)], AgeBracket: ages[rng.IntN(len(ages))],
				Citizenship: countries[rng.IntN(5)], Country: countries[3+rng.IntN(len(countries)-3)],
				ExploitationTypes: []string{exploits[rng.IntN(len(exploits))]}}
		}
		res := Anonymize(recs, K, MaxSuppressedShare, 2024)
		if len(res.Rows)+res.Suppressed != n || res.Records != n {
			t.Fatalf("n=%d: %d rows + %d suppressed", n, len(res.Rows), res.Suppressed)
		}
		for k, c := range classes(t, res) {
			if c < K {
				t.Fatalf("n=%d at %s: class %s has %d rows", n, res.Levels, k, c)
			}
		}
		if n == 3000 && (len(res.Rows) < n*9/10 || res.Levels.Height() == 4*3+1) {
			t.Fatalf("n=%d: %d rows at %s: over-generalized", n, len(res.Rows), res.Levels)
		}
	}
}

func TestLeastGeneralization(t *testing.T) {
	a := Record{Year: 2024, Sex: "female", AgeBracket: "21-23", Citizenship: "KG", Country: "RU", ExploitationTypes: []string{"forced_labour"}}
	b := Record{Year: 2023, Sex: "male", AgeBracket: "30-38", Citizenship: "KG", Country: "KZ", ExploitationTypes: []string{"forced_labour"}}

	t.Run("AlreadyAnonymous", func(t *testing.T) {
		res := Anonymize(append(many(11, a), many(12, b)...), K, MaxSuppressedShare, 2024)
		if res.Levels != (Levels{}) || res.Suppressed != 0 || len(res.Rows) != 23 {
			t.Fatalf("%s, %d suppressed", res.Levels, res.Suppressed)
		}
		if res.Rows[0][0] != "2023" || res.Rows[0][3] != "KGZ" || res.Rows[0][4] != "KAZ" {
			t.Fatalf("row %v", res.Rows[0])
		}
	})
	t.Run("YearSpanOnly", func(t *testing.T) {
		// Six of 2023 and six of 2024, alike otherwise: a two-year span
		// joins them; nothing else needs to change.
		a23 := a
		a23.Year = 2023
		res := Anonymize(append(many(6, a), many(6, a23)...), K, MaxSuppressedShare, 2024)
		if res.Levels != (Levels{Year: 1}) || len(res.Rows) != 12 || res.Rows[0][0] != "2023-2024" {
			t.Fatalf("%s: %v", res.Levels, res.Rows)
		}
	})
	t.Run("AnOutlierWithinTheBoundIsSuppressed", func(t *testing.T) {
		// One odd record of 100: suppressing it costs less than the bound
		// (5), so nothing is generalized.
		odd := b
		odd.Country = "AE"
		res := Anonymize(append(append(many(50, a), many(49, b)...), odd), K, MaxSuppressedShare, 2024)
		if res.Levels != (Levels{}) || res.Suppressed != 1 || len(res.Rows) != 99 {
			t.Fatalf("%s, %d suppressed", res.Levels, res.Suppressed)
		}
	})
	t.Run("CountryToRegion", func(t *testing.T) {
		// Ten exploited in Russia and ten in Belarus: only Eastern Europe
		// holds eleven of them.
		by := a
		by.Country = "BY"
		res := Anonymize(append(many(10, a), many(10, by)...), K, MaxSuppressedShare, 2024)
		if res.Levels != (Levels{Country: 1}) || len(res.Rows) != 20 || res.Rows[0][4] != "Eastern Europe" {
			t.Fatalf("%s: %v", res.Levels, res.Rows[0])
		}
	})
	t.Run("FlagsWithheld", func(t *testing.T) {
		// Alike but for the type of exploitation: only withholding the
		// flags joins them.
		sx := a
		sx.ExploitationTypes = []string{"sexual_exploitation"}
		res := Anonymize(append(many(6, a), many(6, sx)...), K, MaxSuppressedShare, 2024)
		if res.Levels != (Levels{Flags: 1}) || len(res.Rows) != 12 {
			t.Fatalf("%s: %d rows", res.Levels, len(res.Rows))
		}
		for _, r := range res.Rows {
			if r[14] != "" || r[15] != "" || r[16] != "" || r[2] != "21-23" {
				t.Fatalf("row %v", r)
			}
		}
	})
	t.Run("NothingToSave", func(t *testing.T) {
		// Five people in all can never make a class of eleven.
		res := Anonymize(many(5, a), K, MaxSuppressedShare, 2024)
		if len(res.Rows) != 0 || res.Suppressed != 5 {
			t.Fatalf("%d rows", len(res.Rows))
		}
	})
}

func TestAgeAndYearLadders(t *testing.T) {
	for bracket, want := range map[string][4]string{
		"0-8": {"0-8", "0-17", "0-17", ""}, "9-17": {"9-17", "0-17", "0-17", ""}, "27-29": {"27-29", "18-29", "18+", ""},
		"39-47": {"39-47", "30-47", "18+", ""}, "48+": {"48+", "48+", "18+", ""}, "unknown": {"", "", "", ""},
	} {
		if got := ageLadder(bracket); got != want {
			t.Errorf("%s: %v, want %v", bracket, got, want)
		}
	}
	for _, tc := range []struct {
		year, width int
		want        string
	}{{2024, 2, "2023-2024"}, {2023, 2, "2023-2024"}, {2022, 2, "2021-2022"}, {2020, 5, "2020-2024"}, {2019, 5, "2015-2019"}} {
		if got := yearSpan(tc.year, 2024, tc.width); got != tc.want {
			t.Errorf("%d by %d: %s, want %s", tc.year, tc.width, got, tc.want)
		}
	}
}

// TestCountryCodes checks the alpha-3 codes and regions against the CLDR
// data of golang.org/x/text.
func TestCountryCodes(t *testing.T) {
	if len(byAlpha2) != 249 || len(byAlpha3) != 249 {
		t.Fatalf("%d alpha-2 and %d alpha-3 codes, want 249", len(byAlpha2), len(byAlpha3))
	}
	for a2, c := range byAlpha2 {
		r, err := language.ParseRegion(a2)
		if err != nil {
			t.Fatalf("%s: %v", a2, err)
		}
		if r.ISO3() != c.alpha3 {
			t.Errorf("%s: alpha-3 %s, CLDR says %s", a2, c.alpha3, r.ISO3())
		}
		if back, ok := Alpha2(c.alpha3); !ok || back != a2 {
			t.Errorf("%s: alpha-3 %s reads back as %s", a2, c.alpha3, back)
		}
		if sub := language.MustParseRegion(c.sub); !sub.Contains(r) && !strings.Contains("BV GS HM IO TF UM CC CX", a2) {
			t.Errorf("%s: not in M49 sub-region %s", a2, c.sub)
		}
	}
	for a2, want := range map[string][2]string{"KG": {"Central Asia", "Asia"}, "RU": {"Eastern Europe", "Europe"},
		"TR": {"Western Asia", "Asia"}, "AE": {"Western Asia", "Asia"}, "KR": {"Eastern Asia", "Asia"}, "US": {"Northern America", "Americas"}} {
		s, _ := SubRegion(a2)
		r, _ := Region(a2)
		if s != want[0] || r != want[1] {
			t.Errorf("%s: %s, %s", a2, s, r)
		}
	}
	if _, ok := Alpha2("XYZ"); ok {
		t.Fatal("XYZ is not a country")
	}
}

// BenchmarkAnonymize times the anonymization of 100 000 records (the
// database's part is in internal/stats BenchmarkTables).
func BenchmarkAnonymize(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	countries := []string{"KG", "UZ", "TJ", "RU", "KZ", "TR", "AE", "KR", "CN", ""}
	recs := make([]Record, 100000)
	for i := range recs {
		recs[i] = Record{Year: 2015 + rng.IntN(10), Sex: []string{"female", "male"}[rng.IntN(2)],
			AgeBracket: AgeBrackets[rng.IntN(len(AgeBrackets))], Citizenship: countries[rng.IntN(3)],
			Country: countries[rng.IntN(len(countries))], ExploitationTypes: []string{"forced_labour"}}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Anonymize(recs, K, MaxSuppressedShare, 2024)
	}
}
