package ctdcimport

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMappingIsDocumented holds docs/ctdc-import.md's table to the
// codebook the import reads: the same columns, releases and kinds.
func TestMappingIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ctdc-import.md")
	if err != nil {
		t.Fatal(err)
	}
	rowRE := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| (both|k-anonymized|synthetic) \\| (.+) \\|$")
	documented := map[string]bool{}
	for _, m := range rowRE.FindAllStringSubmatch(string(doc), -1) {
		name, release, lands := m[1], m[2], m[3]
		documented[name] = true
		c := lookup(name)
		if c == nil || c.name != name {
			t.Errorf("%s is documented, not in the codebook", name)
			continue
		}
		if c.release != release {
			t.Errorf("%s: documented in release %s, the codebook says %s", name, release, c.release)
		}
		kind := roleValue
		switch {
		case strings.HasPrefix(lands, "**no place**"):
			kind = roleUnmapped
		case strings.HasPrefix(lands, "**derived**"):
			kind = roleDerived
		}
		if c.role != kind {
			t.Errorf("%s: documented as %q, the codebook's role is %d", name, lands, c.role)
		}
	}
	for _, c := range codebook {
		if !documented[c.name] {
			t.Errorf("%s is in the codebook, not documented", c.name)
		}
	}
	if len(documented) != len(codebook) {
		t.Errorf("%d columns documented, %d in the codebook", len(documented), len(codebook))
	}
}
