package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/api/apitest"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/documents"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// docWorld is a case of Sezim referred to MLSSM-SOC under a consent that
// covers identity only, with documents uploaded by Sezim's caseworker.
type docWorld struct {
	env                           *apitest.Env
	worker, sup, recipient, other string
	caseID, code                  string
	markers                       map[string]string
	pdf                           []byte
	identityDoc, healthDoc        string
}

// docForm is a multipart upload: title, category, then the file.
func docForm(title, category, fileName string, content []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("title", title)
	_ = w.WriteField("category", category)
	fw, _ := w.CreateFormFile("file", fileName)
	_, _ = fw.Write(content)
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func (w *docWorld) upload(tok, title, category, fileName string, content []byte) *apitest.Response {
	body, ct := docForm(title, category, fileName, content)
	return w.env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + w.caseID + "/documents", Token: tok,
		RawBody: body, Header: map[string]string{"Content-Type": ct}, Invalid: !slices.Contains(documents.Categories, category)})
}

func (w *docWorld) content(tok, id string) *apitest.Response {
	return w.env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/documents/" + id + "/content", Token: tok})
}

func (w *docWorld) list(t *testing.T, tok string) []map[string]any {
	t.Helper()
	var l struct{ Items []map[string]any }
	w.env.GetJSON(t, tok, "/api/v1/cases/"+w.caseID+"/documents", &l)
	return l.Items
}

// docPDF is a small PDF holding marker in its text.
func docPDF(marker string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
		"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
		"3 0 obj << /Length 44 >> stream\nBT /F1 12 Tf 72 712 Td (" + marker + ") Tj ET\nendstream endobj\n" +
		"trailer << /Root 1 0 R >>\n%%EOF\n")
}

func newDocWorld(t *testing.T) *docWorld {
	env := apitest.New(t)
	w := &docWorld{env: env, worker: env.Token("caseworker@sezim.kg"), sup: env.Token("supervisor@sezim.kg"),
		recipient: env.Token("social@mlsp.gov.kg"), other: env.Token("caseworker@akzhurok.kg"),
		markers: map[string]string{
			"content":   "PDF-CONTENT-MARKER-5d1c7e",
			"title":     "TITLE-MARKER-93b2aa",
			"file name": "FILENAME-MARKER-0c4f61",
			"exif":      "EXIF-GPS-MARKER-71ad03",
		}}
	c := newCase(t, env, w.worker, nil)
	w.caseID, w.code = c["id"].(string), c["code"].(string)
	r := post(env, w.worker, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "data_sharing",
		"recipient_organization_id": env.OrgID("MLSSM-SOC"), "categories": []string{"identity"}, "given_by": "person"})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	r = post(env, w.worker, "/api/v1/cases/"+w.caseID+"/referrals", map[string]any{"to_organization_id": env.OrgID("MLSSM-SOC"),
		"assistance_types": []string{"housing"}, "categories": []string{"identity"}, "urgency": "normal", "consent_id": r.Map(t)["id"]})
	if r.Status != http.StatusCreated {
		t.Fatalf("referral: %d %s", r.Status, r.Body)
	}
	if a := post(env, w.recipient, "/api/v1/referrals/"+r.Map(t)["id"].(string)+"/accept", map[string]any{}); a.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", a.Status, a.Body)
	}
	w.pdf = docPDF(w.markers["content"])
	r = w.upload(w.worker, w.markers["title"], "identity", w.markers["file name"]+".pdf", w.pdf)
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	w.identityDoc = r.Map(t)["id"].(string)
	r = w.upload(w.worker, "Medical certificate", "health", "med.pdf", docPDF("health"))
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	w.healthDoc = r.Map(t)["id"].(string)
	return w
}

func TestDocuments(t *testing.T) {
	w := newDocWorld(t)
	runSteps(t, w, []step[*docWorld]{
		{"the download equals the upload byte for byte, as an attachment nothing runs", (*docWorld).assertDownload},
		{"the record: fields, and a keyed fingerprint instead of a plain hash", (*docWorld).assertRecord},
		{"the size is checked first: over the limit 413, whatever the body holds", (*docWorld).assertTooLarge},
		{"the type is sniffed: only PDF, images, DOCX and ODT", (*docWorld).assertSniffing},
		{"an image is re-encoded without its metadata", (*docWorld).assertImageReencoded},
		{"a referred organization reads only its consented categories", (*docWorld).assertReferredSees},
		{"a consent points to its signed form", (*docWorld).assertConsentForm},
		{"a supervisor removes a document: bytes gone, record stays", (*docWorld).assertRemove},
		{"every upload, download and removal is audited on the case", (*docWorld).assertAudited},
		{"no content, title or file name in pg_dump", (*docWorld).assertDump},
		{"destroying the case key makes documents unreadable", (*docWorld).assertErased},
	})
}

func (w *docWorld) assertDownload(t *testing.T) {
	r := w.content(w.worker, w.identityDoc)
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, w.pdf) {
		t.Fatalf("download: %d, %d bytes, want the %d bytes uploaded", r.Status, len(r.Body), len(w.pdf))
	}
	for h, want := range map[string]string{
		"Content-Type":            "application/pdf",
		"Content-Disposition":     `attachment; filename="document-` + w.identityDoc + `.pdf"`,
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if r := w.content(w.other, w.identityDoc); r.Status != http.StatusNotFound {
		t.Errorf("another organization: %d, want 404", r.Status)
	}
	if r := w.content(w.worker, uuid.NewString()); r.Status != http.StatusNotFound {
		t.Errorf("no such document: %d, want 404", r.Status)
	}
}

func (w *docWorld) assertRecord(t *testing.T) {
	items := w.list(t, w.worker)
	if len(items) != 2 || items[0]["id"] != w.healthDoc || items[1]["id"] != w.identityDoc {
		t.Fatalf("list, newest first: %v", items)
	}
	d := items[1]
	plain := sha256.Sum256(w.pdf)
	if d["title"] != w.markers["title"] || d["file_name"] != w.markers["file name"]+".pdf" || d["category"] != "identity" ||
		d["content_type"] != "application/pdf" || d["size"] != float64(len(w.pdf)) || d["case_id"] != w.caseID ||
		d["uploaded_by"] != w.env.UserID("caseworker@sezim.kg") {
		t.Fatalf("record: %v", d)
	}
	if fp, _ := d["sha256"].(string); len(fp) != 64 || fp == hex.EncodeToString(plain[:]) {
		t.Fatalf("sha256 %q: want a keyed fingerprint, not the plain hash", fp)
	}
	again := w.upload(w.worker, "Same file", "identity", "again.pdf", w.pdf).Map(t)
	if again["sha256"] != d["sha256"] {
		t.Fatalf("the same file twice: fingerprints %v and %v", again["sha256"], d["sha256"])
	}
	// A retry under the same idempotency key answers the first document.
	body, ct := docForm("Retried", "legal", "r.pdf", docPDF("retried"))
	send := func(body []byte, ct string) *apitest.Response {
		return w.env.Do(apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + w.caseID + "/documents", Token: w.worker,
			RawBody: body, Header: map[string]string{"Content-Type": ct, "Idempotency-Key": "upload-retry-1"}})
	}
	first, retry := send(body, ct), send(body, ct)
	other, otherCT := docForm("Retried", "legal", "r.pdf", docPDF("another file"))
	if first.Status != http.StatusCreated || retry.Status != http.StatusCreated || retry.Map(t)["id"] != first.Map(t)["id"] {
		t.Fatalf("a retried upload: %d %s, then %d %s", first.Status, first.Body, retry.Status, retry.Body)
	}
	if r := send(other, otherCT); r.Status != http.StatusConflict {
		t.Fatalf("another upload under the same key: %d", r.Status)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM documents WHERE case_id = $1 AND size = $2`, w.caseID, len(docPDF("retried"))); n != 1 {
		t.Fatalf("documents stored by the retried upload: %d", n)
	}
}

func (w *docWorld) assertTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("%PDF-1.4 "), 25<<20/9)
	if r := w.upload(w.worker, "Big", "identity", "big.pdf", big); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("25 MB declared: %d %s", r.Status, r.Body)
	}
	// Without a declared length, the body is cut at the limit, whatever it
	// holds: a title larger than the limit before any file, or a file.
	title := func(mw *multipart.Writer) error {
		fw, err := mw.CreateFormField("title")
		for i := 0; i < 25 && err == nil; i++ {
			_, err = fw.Write(bytes.Repeat([]byte("x"), 1<<20))
		}
		return err
	}
	if status := w.stream(t, title); status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversize field streamed: %d", status)
	}
	file := func(mw *multipart.Writer) error {
		_ = mw.WriteField("title", "Streamed")
		_ = mw.WriteField("category", "identity")
		fw, err := mw.CreateFormFile("file", "scan.pdf")
		if err == nil {
			_, err = fw.Write([]byte("%PDF-1.4\n"))
		}
		for i := 0; i < 25 && err == nil; i++ {
			_, err = fw.Write(bytes.Repeat([]byte("0"), 1<<20))
		}
		return err
	}
	if status := w.stream(t, file); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("25 MB streamed: %d, want 413", status)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM documents WHERE size > 20 * 1024 * 1024 OR size = 0`); n != 0 {
		t.Fatalf("documents of the refused uploads: %d", n)
	}
}

// stream uploads a body that write writes as it goes, with no declared
// length, and returns the status.
func (w *docWorld) stream(t *testing.T, write func(*multipart.Writer) error) int {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		if write(mw) == nil {
			_ = mw.Close()
		}
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, w.env.HTTP.URL+"/api/v1/cases/"+w.caseID+"/documents", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+w.worker)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	_ = pr.CloseWithError(io.ErrClosedPipe)
	return resp.StatusCode
}

// docZIP is a ZIP of the named entries, in order.
func docZIP(entries ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		f, _ := z.CreateHeader(&zip.FileHeader{Name: entries[i], Method: zip.Store})
		_, _ = f.Write([]byte(entries[i+1]))
	}
	_ = z.Close()
	return b.Bytes()
}

const docContentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

func (w *docWorld) assertSniffing(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 200)...)
	for _, c := range []struct {
		name, file string
		content    []byte
		status     int
		stored     string
	}{
		{"an executable named scan.pdf", "scan.pdf", exe, http.StatusUnsupportedMediaType, ""},
		{"HTML", "page.pdf", []byte("<!DOCTYPE html><script>alert(1)</script>"), http.StatusUnsupportedMediaType, ""},
		{"SVG", "pic.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnsupportedMediaType, ""},
		{"another ZIP", "a.docx", docZIP("readme.txt", "hello"), http.StatusUnsupportedMediaType, ""},
		{"a DOCX with macros", "a.docx", docZIP("[Content_Types].xml", docContentTypes, "word/document.xml", "<w/>", "word/vbaProject.bin", "x"), http.StatusUnsupportedMediaType, ""},
		{"a PNG header over other bytes", "a.png", []byte("\x89PNG\r\n\x1a\nnot an image at all"), http.StatusUnsupportedMediaType, ""},
		{"an empty file", "a.pdf", nil, http.StatusBadRequest, ""},
		{"a DOCX", "letter.docx", docZIP("[Content_Types].xml", docContentTypes, "word/document.xml", "<w/>"), http.StatusCreated,
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"an ODT", "letter.odt", docZIP("mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<o/>"), http.StatusCreated,
			"application/vnd.oasis.opendocument.text"},
	} {
		r := w.upload(w.worker, "Sniffed", "legal", c.file, c.content)
		if r.Status != c.status || (c.stored != "" && r.Map(t)["content_type"] != c.stored) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.stored)
		}
	}
	for _, c := range []struct {
		name   string
		title  string
		cat    string
		status int
	}{
		{"no title", "", "legal", http.StatusBadRequest},
		{"an unknown category", "T", "passport", http.StatusBadRequest},
		{"a control character in the title", "T\x07", "legal", http.StatusBadRequest},
	} {
		if r := w.upload(w.worker, c.title, c.cat, "a.pdf", docPDF("x")); r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	body, ct := docForm("T", "legal", "a.pdf", docPDF("x"))
	for _, c := range []struct {
		name, path, ct string
		status         int
	}{
		{"not multipart", "/api/v1/cases/" + w.caseID + "/documents", "application/pdf", http.StatusUnsupportedMediaType},
		{"a case of another organization", "/api/v1/cases/" + w.otherCase(t) + "/documents", ct, http.StatusNotFound},
		{"a malformed case id", "/api/v1/cases/nope/documents", ct, http.StatusNotFound},
	} {
		r := w.env.Do(apitest.Request{Method: http.MethodPost, Path: c.path, Token: w.worker, RawBody: body,
			Header: map[string]string{"Content-Type": c.ct}, Invalid: c.status == http.StatusUnsupportedMediaType})
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	if r := w.upload(w.recipient, "By the recipient", "identity", "a.pdf", docPDF("x")); r.Status != http.StatusForbidden {
		t.Errorf("upload by the referred organization: %d, want 403", r.Status)
	}
}

// otherCase is a case of Ak-Zhurok.
func (w *docWorld) otherCase(t *testing.T) string {
	return newCase(t, w.env, w.other, nil)["id"].(string)
}

// docJPEG is a JPEG with an EXIF block holding marker, as a phone's
// camera writes one (with its location).
func docJPEG(marker string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 12), 90, 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	exif := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"), marker...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(exif)+2))
	seg = append(seg, exif...)
	raw := b.Bytes()
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

func (w *docWorld) assertImageReencoded(t *testing.T) {
	photo := docJPEG(w.markers["exif"])
	if _, err := jpeg.Decode(bytes.NewReader(photo)); err != nil || !bytes.Contains(photo, []byte(w.markers["exif"])) {
		t.Fatalf("the test photo: %v", err)
	}
	r := w.upload(w.worker, "Photo of the passport", "identity", "IMG_0001.jpg", photo)
	if r.Status != http.StatusCreated || r.Map(t)["content_type"] != "image/jpeg" {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	got := w.content(w.worker, r.Map(t)["id"].(string))
	if bytes.Contains(got.Body, []byte(w.markers["exif"])) || bytes.Contains(got.Body, []byte("Exif")) {
		t.Fatal("the stored photo keeps its EXIF block")
	}
	img, err := jpeg.Decode(bytes.NewReader(got.Body))
	if err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 20 {
		t.Fatalf("the stored photo: %v", err)
	}
}

func (w *docWorld) assertReferredSees(t *testing.T) {
	if r := w.content(w.recipient, w.identityDoc); r.Status != http.StatusOK || !bytes.Equal(r.Body, w.pdf) {
		t.Errorf("identity document, identity consented: %d", r.Status)
	}
	health := w.content(w.recipient, w.healthDoc)
	missing := w.content(w.recipient, uuid.NewString())
	if health.Status != http.StatusNotFound || missing.Status != http.StatusNotFound {
		t.Errorf("health document, not consented: %d; missing: %d; want 404 both", health.Status, missing.Status)
	}
	for _, d := range w.list(t, w.recipient) {
		if d["category"] != "identity" {
			t.Errorf("the recipient lists a %v document", d["category"])
		}
	}
	if r := w.content(w.other, w.healthDoc); r.Status != http.StatusNotFound {
		t.Errorf("an organization without a referral: %d", r.Status)
	}
}

func (w *docWorld) assertConsentForm(t *testing.T) {
	form := w.upload(w.worker, "Signed consent", "consent_form", "consent.pdf", docPDF("signed")).Map(t)
	r := post(w.env, w.worker, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "assistance",
		"given_by": "person", "document_id": form["id"]})
	if r.Status != http.StatusCreated || r.Map(t)["document_id"] != form["id"] {
		t.Fatalf("consent with its form: %d %s", r.Status, r.Body)
	}
	other := newCase(t, w.env, w.worker, nil)["id"].(string)
	r = post(w.env, w.worker, "/api/v1/cases/"+other+"/consents", map[string]any{"purpose": "assistance",
		"given_by": "person", "document_id": form["id"]})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "document_id") {
		t.Fatalf("consent with another case's form: %d %s", r.Status, r.Body)
	}
	// The signed form names the person and where it was given: a recipient
	// with identity reads the form of the consent given to it, never the
	// form of a consent given to anyone else.
	own := w.upload(w.worker, "Signed consent to MLSSM", "consent_form", "consent2.pdf", docPDF("signed to mlssm")).Map(t)
	r = post(w.env, w.worker, "/api/v1/cases/"+w.caseID+"/consents", map[string]any{"purpose": "data_sharing", "given_by": "person",
		"recipient_organization_id": w.env.OrgID("MLSSM-SOC"), "categories": []string{"identity"}, "document_id": own["id"]})
	if r.Status != http.StatusCreated {
		t.Fatalf("consent to the recipient with its form: %d %s", r.Status, r.Body)
	}
	if r := w.content(w.recipient, own["id"].(string)); r.Status != http.StatusOK {
		t.Errorf("the form of the consent given to the recipient: %d", r.Status)
	}
	if r := w.content(w.recipient, form["id"].(string)); r.Status != http.StatusNotFound {
		t.Errorf("the form of a consent not given to the recipient: %d", r.Status)
	}
	for _, d := range w.list(t, w.recipient) {
		if d["id"] == form["id"] {
			t.Error("the recipient lists the form of a consent not given to it")
		}
	}
}

func (w *docWorld) assertRemove(t *testing.T) {
	doc := w.upload(w.worker, "To remove", "legal", "summons.pdf", docPDF("summons")).Map(t)["id"].(string)
	del := func(tok string, body map[string]any) *apitest.Response {
		return w.env.Do(apitest.Request{Method: http.MethodDelete, Path: "/api/v1/documents/" + doc, Token: tok, Body: body,
			Invalid: body["reason"] == nil})
	}
	if r := del(w.worker, map[string]any{"reason": "uploaded by mistake"}); r.Status != http.StatusForbidden {
		t.Fatalf("a caseworker removes: %d", r.Status)
	}
	if r := del(w.sup, map[string]any{}); r.Status != http.StatusBadRequest {
		t.Fatalf("no reason: %d", r.Status)
	}
	r := del(w.sup, map[string]any{"reason": "uploaded by mistake"})
	if r.Status != http.StatusOK || r.Map(t)["removed_at"] == nil || r.Map(t)["title"] != "To remove" {
		t.Fatalf("a supervisor removes: %d %s", r.Status, r.Body)
	}
	if r := del(w.sup, map[string]any{"reason": "again"}); r.Status != http.StatusConflict {
		t.Fatalf("removed twice: %d", r.Status)
	}
	if r := w.content(w.sup, doc); r.Status != http.StatusNotFound {
		t.Fatalf("a removed document's content: %d", r.Status)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM document_chunks WHERE document_id = $1`, doc); n != 0 {
		t.Fatalf("chunks of the removed document: %d", n)
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM documents WHERE id = $1 AND removed_at IS NOT NULL`, doc); n != 1 {
		t.Fatalf("the removed document's record: %d", n)
	}
}

func (w *docWorld) assertAudited(t *testing.T) {
	for action, atLeast := range map[string]int64{"document.create": 5, "document.read": 3, "document.list": 1, "document.remove": 1} {
		if n := w.env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE object_type = 'case' AND object_id = $1 AND action = $2 AND outcome = 'success'`,
			w.caseID, action); n < atLeast {
			t.Errorf("%s on the case: %d entries, want at least %d", action, n, atLeast)
		}
	}
	if n := w.env.DB.Count(t, `SELECT count(*) FROM audit_entries WHERE action = 'document.read' AND outcome = 'not_found'`); n < 2 {
		t.Errorf("refused reads audited: %d", n)
	}
}

func (w *docWorld) assertDump(t *testing.T) {
	confAssertDumpHoldsNoMarker(t, w.env, confFindPgDump(t), w.code, w.markers)
	if n := w.env.DB.Count(t, `SELECT count(*) FROM document_chunks WHERE document_id = $1`, w.identityDoc); n != 1 {
		t.Fatalf("chunks of the marked PDF: %d", n)
	}
}

func (w *docWorld) assertErased(t *testing.T) {
	ctx := context.Background()
	maint, err := database.OpenMaintenance(ctx, w.env.DB.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(maint)
	if err := cases.DestroyDataKey(ctx, maint, uuid.MustParse(w.caseID)); err != nil {
		t.Fatal(err)
	}
	if r := w.content(w.worker, w.identityDoc); r.Status != http.StatusConflict {
		t.Errorf("content after erasure: %d %s", r.Status, r.Body)
	}
	if items := w.list(t, w.sup); len(items) != 0 {
		t.Errorf("list after erasure: %d documents", len(items))
	}
	if r := w.upload(w.worker, "After", "identity", "a.pdf", docPDF("x")); r.Status != http.StatusConflict {
		t.Errorf("upload after erasure: %d", r.Status)
	}
	// The case file still prints: the identity erased, no document listed.
	r := w.env.Do(apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + w.caseID + "/file?lang=en", Token: w.sup})
	if r.Status != http.StatusOK {
		t.Fatalf("the case file after erasure: %d %s", r.Status, r.Body)
	}
	expectText(t, "the case file after erasure", pdfText(t, r.Body), []string{"The identity was erased."}, []string{w.markers["title"]})
	if n := w.env.DB.Count(t, `SELECT count(*) FROM document_chunks WHERE document_id = $1`, w.identityDoc); n != 1 {
		t.Errorf("the sealed chunks stay, unreadable: %d", n)
	}
}
