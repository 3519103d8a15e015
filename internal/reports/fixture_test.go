package reports_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

const (
	coordinator = "coordinator@mlsp.gov.kg"
	supervisor  = "supervisor@sezim.kg"
	caseworker  = "caseworker@sezim.kg"
)

// fixture writes cases, assistance and activities straight into the
// database as the superuser (statistical attributes only, no identity).
type fixture struct {
	t    *testing.T
	env  *apitest.Env
	n    int
	user string
}

func newFixture(t *testing.T, env *apitest.Env) *fixture {
	return &fixture{t: t, env: env, user: env.UserID(caseworker)}
}

func (f *fixture) id() string {
	f.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
}

// person adds a case owned by org, identified at identifiedAt, linked to
// the measures codes.
func (f *fixture) person(org, identifiedAt string, codes ...string) string {
	f.t.Helper()
	if codes == nil {
		codes = []string{}
	}
	id := f.id()
	f.env.DB.Exec(f.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
		identified_at, sex, age_bracket, measure_codes, identity_enc, contact_enc)
		VALUES ($1, $2, $3, $3, 'identification', 'open', $4, 'female', '24-26', $5, '\xdeadbeef', '\xdeadbeef')`,
		id, fmt.Sprintf("%s-T-%05d", org, f.n), f.env.OrgID(org), identifiedAt, codes)
	return id
}

// aid is one assistance record.
type aid struct {
	provider, typ, status string
	started, ended        string
	cost                  *float64
	source                string
	codes                 []string
}

func (f *fixture) assist(caseID string, a aid) {
	f.t.Helper()
	var ended, source any
	if a.ended != "" {
		ended = a.ended
	}
	if a.source != "" {
		source = a.source
	}
	if a.status == "" {
		a.status = "completed"
	}
	f.env.DB.Exec(f.t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, ended_on,
		cost_kgs, funding_source, measure_codes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		f.id(), caseID, a.typ, f.env.OrgID(a.provider), a.status, a.started, ended, a.cost, source, a.codes, f.user)
}

// act is one activity.
type act struct {
	org, heldOn, kind   string
	participants, reach int
	cost                *float64
	source              string
	code                string
}

func (f *fixture) activity(a act) {
	f.t.Helper()
	var source any
	if a.source != "" {
		source = a.source
	}
	f.env.DB.Exec(f.t, `INSERT INTO activities (id, organization_id, held_on, region, kind, title, participants_female,
		people_reached, cost_kgs, funding_source, measure_code, created_by)
		VALUES ($1, $2, $3, 'chui', $4, 'test activity', $5, $6, $7, $8, $9, $10)`,
		f.id(), f.env.OrgID(a.org), a.heldOn, a.kind, a.participants, a.reach, a.cost, source, a.code, f.user)
}

func kgs(v float64) *float64 { return &v }

// report is the JSON of a half-year report, as the tests read it.
type report struct {
	Year           int
	Half           int
	Period         string
	Kind           string
	OrganizationID string `json:"organization_id"`
	Status         string
	Deadline       string
	SubmittedAt    *string `json:"submitted_at"`
	Late           bool
	Ended          bool
	K              int
	Suppressed     bool `json:"figures_suppressed"`
	Measures       []struct {
		Code    string
		Title   struct{ RU, KY, EN string }
		Figures []struct {
			Name       string
			Value      *float64
			Suppressed bool
			Unit       string
		}
		Budget struct {
			PlannedKGS       float64  `json:"planned_kgs"`
			ActualKGS        *float64 `json:"actual_kgs"`
			ActualSuppressed bool     `json:"actual_suppressed"`
		}
		Narrative *string
	}
	Bodies []struct {
		OrganizationID string `json:"organization_id"`
		Code           string
		Status         string
		Late           bool
	}
}

// figure returns the figure name of measure code.
func (r report) figure(t *testing.T, code, name string) (value *float64, suppressed bool) {
	t.Helper()
	for _, m := range r.Measures {
		if m.Code != code {
			continue
		}
		for _, f := range m.Figures {
			if f.Name == name {
				return f.Value, f.Suppressed
			}
		}
	}
	t.Fatalf("no figure %s of measure %s in %s", name, code, r.Period)
	return nil, false
}

// checkPDF verifies the structure of a PDF file (header, cross-reference
// table whose offsets point at their objects, trailer, end marker) and
// returns its streams, inflated where compressed.
func checkPDF(t *testing.T, b []byte) [][]byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		t.Fatalf("no PDF header: %q", b[:min(len(b), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(b, "\r\n"), []byte("%%EOF")) {
		t.Fatal("no end-of-file marker at the end")
	}
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off <= 0 || off >= len(b) || !bytes.HasPrefix(b[off:], []byte("xref")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	lines := strings.Split(string(b[off:]), "\n")
	hdr := strings.Fields(lines[1])
	if len(hdr) != 2 {
		t.Fatalf("xref subsection header %q", lines[1])
	}
	first, _ := strconv.Atoi(hdr[0])
	count, _ := strconv.Atoi(hdr[1])
	if count < 5 {
		t.Fatalf("only %d objects", count)
	}
	for i := 0; i < count; i++ {
		e := strings.Fields(lines[2+i])
		if len(e) != 3 || e[2] != "n" {
			continue
		}
		o, _ := strconv.Atoi(e[0])
		want := fmt.Sprintf("%d 0 obj", first+i)
		if o <= 0 || o >= len(b) || !bytes.HasPrefix(b[o:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q, want %q", first+i, b[o:min(len(b), o+12)], want)
		}
	}
	if !bytes.Contains(b[off:], []byte("trailer")) || !bytes.Contains(b[off:], []byte("/Root")) {
		t.Fatal("no trailer with a /Root")
	}
	var streams [][]byte
	rest := b
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			t.Fatal("stream without endstream")
		}
		raw := rest[:j]
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				raw = plain
			}
		}
		streams = append(streams, raw)
		rest = rest[j+len("endstream"):]
	}
	return streams
}

// pdfText encodes s as the PDF writer writes text in a UTF-8 font: UTF-16BE
// in a string literal, escaped.
func pdfText(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	out := bytes.ReplaceAll(b, []byte(`\`), []byte(`\\`))
	out = bytes.ReplaceAll(out, []byte("("), []byte(`\(`))
	out = bytes.ReplaceAll(out, []byte(")"), []byte(`\)`))
	return bytes.ReplaceAll(out, []byte("\r"), []byte(`\r`))
}

// pdfHasWords reports whether every word of s is written in one of the
// streams.
func pdfHasWords(streams [][]byte, s string) (missing string, ok bool) {
	for _, w := range strings.Fields(s) {
		enc := pdfText(w)
		found := false
		for _, st := range streams {
			if bytes.Contains(st, enc) {
				found = true
				break
			}
		}
		if !found {
			return w, false
		}
	}
	return "", true
}
