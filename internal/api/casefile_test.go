package api_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// printWorld is a case of Sezim with a stage reason, a plan, a note,
// assistance, documents and a referral to MLSSM-SOC under a consent that
// covers identity only.
type printWorld struct {
	*docWorld
	m map[string]string
}

func newPrintWorld(t *testing.T) *printWorld {
	env := apitest.New(t)
	w := &printWorld{docWorld: &docWorld{env: env, worker: env.Token("caseworker@sezim.kg"), sup: env.Token("supervisor@sezim.kg"),
		recipient: env.Token("social@mlsp.gov.kg"), other: env.Token("caseworker@akzhurok.kg")},
		m: map[string]string{
			"family": "Жеңишбекова", "given": "Айгүл", "patronymic": "Өмүрбековна",
			"phone": "+996555123987", "address": "SHELTERADDRESS-4f1b", "reason": "STAGEREASON-77ac",
			"plan": "PLANMARKER-1d9e", "note": "NOTEMARKER-c3a0", "identity doc": "PASSPORTDOC-5e2f", "health doc": "HEALTHDOC-08bb",
			"medical notes": "MEDNOTES-a61c",
		}}
	c := newCase(t, env, w.worker, map[string]any{"sex": "female", "identity": map[string]any{
		"family_name": w.m["family"], "given_name": w.m["given"], "patronymic": w.m["patronymic"], "birth_date": "1998-03-14",
		"phone": w.m["phone"], "address": w.m["address"]}})
	w.caseID, w.code = c["id"].(string), c["code"].(string)
	path := "/api/v1/cases/" + w.caseID
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, path + "/stage", map[string]any{"stage": "shelter", "reason": w.m["reason"]}},
		{http.MethodPut, path + "/plan", map[string]any{"needs_assessment": w.m["plan"], "goals": []any{}}},
		{http.MethodPost, path + "/notes", map[string]any{"text": w.m["note"]}},
		{http.MethodPost, path + "/assistance", map[string]any{"type": "medical", "status": "completed", "notes": w.m["medical notes"]}},
	} {
		if res := env.Do(apitest.Request{Method: r.method, Path: r.path, Token: w.worker, Body: r.body}); res.Status >= 300 {
			t.Fatalf("%s %s: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}
	k := post(env, w.worker, path+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity"}, "given_by": "person"}).Map(t)
	if r := post(env, w.worker, path+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"assistance_types": []string{"housing"}, "categories": []string{"identity"}, "urgency": "normal", "consent_id": k["id"]}); r.Status != http.StatusCreated {
		t.Fatalf("referral: %d %s", r.Status, r.Body)
	}
	for title, cat := range map[string]string{w.m["identity doc"]: "identity", w.m["health doc"]: "health"} {
		if r := w.upload(w.worker, title, cat, "scan.pdf", docPDF("x")); r.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
	}
	return w
}

// pdfText returns the text a PDF made by fpdf shows: its streams inflated,
// the strings drawn by Tj read as UTF-16 (fpdf writes UTF-8 fonts'
// text as UTF-16BE code points under Identity-H). It fails t when the file
// is not a whole PDF or a stream does not inflate.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.Contains(pdf[max(0, len(pdf)-64):], []byte("%%EOF")) ||
		!bytes.Contains(pdf, []byte("startxref")) {
		t.Fatalf("not a whole PDF (%d bytes)", len(pdf))
	}
	var out strings.Builder
	// A stream is read by its /Length: its compressed bytes may themselves end in
	// a carriage return or hold "endstream".
	length := regexp.MustCompile(`/Length\s+(\d+)`)
	heads := regexp.MustCompile(`<<([^<>]*)>>\s*stream\r?\n`).FindAllSubmatchIndex(pdf, -1)
	inflated := 0
	for _, h := range heads {
		dict := pdf[h[2]:h[3]]
		if !bytes.Contains(dict, []byte("/FlateDecode")) {
			continue
		}
		m := length.FindSubmatch(dict)
		if m == nil {
			t.Fatalf("a stream without a direct /Length: %q", dict)
		}
		n, err := strconv.Atoi(string(m[1]))
		if err != nil || h[1]+n > len(pdf) {
			t.Fatalf("a stream's length %q does not fit the PDF", m[1])
		}
		inflated++
		zr, err := zlib.NewReader(bytes.NewReader(pdf[h[1] : h[1]+n]))
		if err != nil {
			t.Fatalf("a stream does not inflate: %v", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("a stream does not inflate: %v", err)
		}
		for _, str := range pdfStrings(plain) {
			out.WriteString(str)
			out.WriteString(" ")
		}
	}
	if inflated == 0 {
		t.Fatal("no stream in the PDF")
	}
	return out.String()
}

// pdfStrings reads the literal strings shown by Tj in a content stream.
func pdfStrings(content []byte) []string {
	var out []string
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		var b []byte
		j := i + 1
		for ; j < len(content) && content[j] != ')'; j++ {
			c := content[j]
			if c == '\\' && j+1 < len(content) {
				j++
				switch e := content[j]; {
				case e == 'n':
					c = '\n'
				case e == 'r':
					c = '\r'
				case e == 't':
					c = '\t'
				case e >= '0' && e <= '7':
					k := j
					for k < len(content) && k < j+3 && content[k] >= '0' && content[k] <= '7' {
						k++
					}
					v, _ := strconv.ParseUint(string(content[j:k]), 8, 8)
					c, j = byte(v), k-1
				default:
					c = e
				}
			}
			b = append(b, c)
		}
		if j >= len(content) {
			break
		}
		if !bytes.HasPrefix(bytes.TrimLeft(content[j+1:min(j+6, len(content))], " "), []byte("Tj")) || len(b)%2 != 0 {
			i = j
			continue
		}
		u := make([]uint16, len(b)/2)
		for k := range u {
			u[k] = uint16(b[2*k])<<8 | uint16(b[2*k+1])
		}
		out = append(out, string(utf16.Decode(u)))
		i = j
	}
	return out
}

func (w *printWorld) print(t *testing.T, tok, path string, want int) string {
	t.Helper()
	r := w.env.Do(apitest.Request{Method: http.MethodGet, Path: path, Token: tok, Invalid: want == http.StatusBadRequest})
	if r.Status != want {
		t.Fatalf("GET %s: %d %s, want %d", path, r.Status, r.Body, want)
	}
	if want != http.StatusOK {
		return ""
	}
	if r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="`) ||
		strings.Contains(r.Header.Get("Content-Disposition"), w.m["family"]) {
		t.Fatalf("headers: %v", r.Header)
	}
	return pdfText(t, r.Body)
}

func expectText(t *testing.T, what, text string, present, absent []string) {
	t.Helper()
	for _, s := range present {
		if !strings.Contains(text, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
	for _, s := range absent {
		if strings.Contains(text, s) {
			t.Errorf("%s holds %q", what, s)
		}
	}
}

func TestCaseFileAndSubjectAccess(t *testing.T) {
	w := newPrintWorld(t)
	names := map[string]string{}
	for _, email := range []string{"supervisor@sezim.kg", "caseworker@sezim.kg"} {
		names[email] = w.env.DB.Text(t, `SELECT name FROM users WHERE email = $1`, email)
	}
	base := "/api/v1/cases/" + w.caseID
	t.Run("the full file, in Kyrgyz: every section, the names with ң ө ү, footed with who printed it", func(t *testing.T) {
		text := w.print(t, w.sup, base+"/file?format=pdf&lang=ky", http.StatusOK)
		expectText(t, "the full file", text, []string{w.m["family"], w.m["given"], w.m["patronymic"], w.m["phone"], w.m["address"],
			w.m["reason"], w.m["plan"], w.m["medical notes"], w.m["identity doc"], w.m["health doc"], w.code,
			names["supervisor@sezim.kg"], "Басып чыгарган", "ички колдонуу", "Жеке маалыматтар"}, []string{w.m["note"]})
		if n := w.env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'case.export' AND object_id = $1 AND outcome = 'success'`, w.caseID); n != 1 {
			t.Fatalf("case.export entries: %d", n)
		}
	})
	t.Run("the full file is the owner's supervisors': 403 for its caseworker, 404 elsewhere", func(t *testing.T) {
		w.print(t, w.worker, base+"/file?lang=ru", http.StatusForbidden)
		w.print(t, w.other, base+"/file?lang=ru", http.StatusNotFound)
		w.print(t, w.recipient, base+"/file?lang=ru", http.StatusNotFound)
		w.print(t, w.env.Token("coordinator@mlsp.gov.kg"), base+"/file?lang=ru", http.StatusForbidden)
		w.print(t, w.sup, base+"/file?lang=de", http.StatusBadRequest)
		w.print(t, w.sup, base+"/file?format=docx", http.StatusBadRequest)
	})
	t.Run("a handover holds the recipient's consented categories only", func(t *testing.T) {
		text := w.print(t, w.worker, base+"/file?lang=ru&recipient_organization_id="+w.env.OrgID("MLSSM-SOC"), http.StatusOK)
		expectText(t, "the handover", text, []string{w.m["family"], w.m["given"], w.m["identity doc"], names["caseworker@sezim.kg"], "Передача дела"},
			[]string{w.m["phone"], w.m["address"], w.m["reason"], w.m["plan"], w.m["note"], w.m["medical notes"], w.m["health doc"]})
		w.print(t, w.worker, base+"/file?lang=ru&recipient_organization_id="+w.env.OrgID("IOM"), http.StatusConflict)
	})
	t.Run("the person's own copy: their data and who received it, no staff, notes, reasons or address", func(t *testing.T) {
		text := w.print(t, w.sup, base+"/subject-access?lang=ky", http.StatusOK)
		mlssm := w.env.DB.Text(t, `SELECT name_ky FROM organizations WHERE code = 'MLSSM-SOC'`)
		expectText(t, "the subject access copy", text, []string{w.m["family"], w.m["given"], w.m["patronymic"], w.m["phone"],
			w.m["identity doc"], w.m["health doc"], "жеке маалыматтар", "Сиздин маалыматтар кимге берилген"},
			[]string{w.m["address"], w.m["reason"], w.m["plan"], w.m["note"], w.m["medical notes"], names["supervisor@sezim.kg"],
				names["caseworker@sezim.kg"]})
		if !strings.Contains(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(mlssm), " ")) &&
			!strings.Contains(text, strings.Fields(mlssm)[0]) {
			t.Errorf("the copy does not name the receiving organization %q", mlssm)
		}
		if n := w.env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'case.subject_access' AND object_id = $1 AND outcome = 'success'`, w.caseID); n != 1 {
			t.Fatalf("case.subject_access entries: %d", n)
		}
		w.print(t, w.worker, base+"/subject-access?lang=ru", http.StatusForbidden)
		w.env.AddUser("supervisor@akzhurok.kg", "AKZHUROK", "supervisor")
		w.print(t, w.env.Token("supervisor@akzhurok.kg"), base+"/subject-access?lang=ru", http.StatusNotFound)
	})
}
