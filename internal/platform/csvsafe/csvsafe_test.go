package csvsafe_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/csvsafe"
)

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-", "'-"},
		{"-Inf", "'-Inf"},
		{"-12", "-12"},
		{"+3.5", "+3.5"},
		{"-0.25e3", "-0.25e3"},
		{"42", "42"},
		{"plain text = fine", "plain text = fine"},
		{"<5", "<5"},
		{"", ""},
	} {
		if got := csvsafe.Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriterPrefixesFormulaCellsOnly(t *testing.T) {
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	if err := w.WriteAll([][]string{{"name", "value"}, {"=1+1", "-7"}, {"@x", "3"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][0] != "'=1+1" || recs[1][1] != "-7" || recs[2][0] != "'@x" || recs[2][1] != "3" {
		t.Fatalf("records %q", recs)
	}
}
