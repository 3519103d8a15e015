package htcds

import (
	"strings"
	"testing"

	"golang.org/x/text/language"
)

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
