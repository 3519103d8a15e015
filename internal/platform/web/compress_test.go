package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

func TestAnswersToGETAreGzippedAndOthersNever(t *testing.T) {
	e := New(Options{Logger: slog.New(slog.DiscardHandler)})
	big := map[string]string{"cases": strings.Repeat("0123456789abcdef", 200)}
	e.GET("/api/v1/big", func(c echo.Context) error { return c.JSON(http.StatusOK, big) })
	e.GET("/api/v1/small", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"n": 1}) })
	e.POST("/api/v1/auth/login", func(c echo.Context) error { return c.JSON(http.StatusOK, big) })
	call := func(method, path, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Accept-Encoding", accept)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	rec := call(http.MethodGet, "/api/v1/big", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("large GET answer: Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q: compression must keep no-store", rec.Header().Get("Cache-Control"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(zr); !strings.Contains(string(body), big["cases"]) {
		t.Error("the compressed answer does not decompress to the JSON")
	}

	for _, c := range []struct{ method, path, accept string }{
		{http.MethodGet, "/api/v1/big", ""},
		{http.MethodGet, "/api/v1/small", "gzip"},
		{http.MethodPost, "/api/v1/auth/login", "gzip"},
	} {
		rec := call(c.method, c.path, c.accept)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s %s (Accept-Encoding %q): %d, Content-Encoding %q", c.method, c.path, c.accept, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
}

// decode undoes the answer's Content-Encoding (br or gzip).
func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = brotli.NewReader(bytes.NewReader(body))
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", encoding, err)
	}
	return out
}

// A client that accepts brotli gets brotli (the smaller), one that prefers
// gzip or accepts only gzip gets gzip; the answers that must go as they are
// go so whichever it accepts; a streamed answer arrives decompressible.
func TestAnswersAreBrotliWhenAccepted(t *testing.T) {
	file := []byte(strings.Repeat(`{"code":"SEZIM-2025-00042","stage":"identification"},`, 200))
	e := downloadServer(file)
	e.GET("/api/v1/cases", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, file) })
	sizes := map[string]int{}
	for accept, want := range map[string]string{
		"br":                 "br",
		"gzip, deflate, br":  "br",
		"br;q=0.9, gzip;q=1": "gzip",
		"gzip":               "gzip",
		"br;q=0, gzip;q=0.1": "gzip",
		"identity":           "",
	} {
		_, h, body := fetchAccepting(e, "/api/v1/cases", "", accept)
		if got := h.Get("Content-Encoding"); got != want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", accept, got, want)
			continue
		}
		if !strings.Contains(h.Get("Vary"), "Accept-Encoding") || h.Get("Content-Length") != "" && want != "" {
			t.Errorf("Accept-Encoding %q: Vary %q, Content-Length %q", accept, h.Get("Vary"), h.Get("Content-Length"))
		}
		if want == "" {
			continue
		}
		if got := decode(t, want, body); !bytes.Equal(got, file) {
			t.Errorf("Accept-Encoding %q: the answer does not decompress to the JSON", accept)
		}
		sizes[want] = len(body)
	}
	if sizes["br"] == 0 || sizes["br"] >= sizes["gzip"] {
		t.Errorf("brotli %d bytes, gzip %d bytes: brotli should be the smaller", sizes["br"], sizes["gzip"])
	}

	for _, path := range []string{"/api/v1/documents/attachment", "/api/v1/documents/inline-pdf", "/api/v1/documents/encoded"} {
		_, h, body := fetchAccepting(e, path, "", "br, gzip")
		if !bytes.Equal(body, file) || (path != "/api/v1/documents/encoded" && h.Get("Content-Encoding") != "") {
			t.Errorf("%s with brotli accepted: Content-Encoding %q, %d bytes of %d", path, h.Get("Content-Encoding"), len(body), len(file))
		}
	}
	_, h, body := fetchAccepting(e, "/api/v1/stream", "", "br")
	if h.Get("Content-Encoding") != "br" || string(decode(t, "br", body)) != strings.Repeat("data: jardam\n\n", 3) {
		t.Errorf("stream: Content-Encoding %q", h.Get("Content-Encoding"))
	}
}

func TestPreferredEncoding(t *testing.T) {
	for header, want := range map[string]string{
		"":                     "",
		"gzip, deflate, br":    "br",
		"br;q=0.5, gzip":       "gzip",
		"BR":                   "br",
		"br;q=0":               "",
		"br;q=0, gzip":         "gzip",
		"*":                    "",
		"deflate":              "",
		"gzip;q=0.8, br;q=0.8": "br",
		"br;q=x, gzip;q=0.1":   "gzip",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := PreferredEncoding(r); got != want {
			t.Errorf("PreferredEncoding(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"GZIP":               true,
		"br, gzip;q=0.5":     true,
		"gzip;q=0":           false,
		"gzip; q=0.000":      false,
		"gzip;q=0.05":        true,
		"deflate, br":        false,
		"x-gzip":             false,
		"identity, *;q=0":    false,
		"gzip;level=1;q=0.2": true,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := AcceptsGzip(r); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// downloadServer serves file the ways a download can go: as an attachment,
// inline as PDF and as text (each with ranges), already encoded, and a
// text stream flushed in parts.
func downloadServer(file []byte) *echo.Echo {
	e := New(Options{Logger: slog.New(slog.DiscardHandler)})
	serve := func(ct, disposition string) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set(echo.HeaderContentType, ct)
			if disposition != "" {
				h.Set(echo.HeaderContentDisposition, disposition)
			}
			http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(file))
			return nil
		}
	}
	e.GET("/api/v1/documents/attachment", serve("text/plain; charset=utf-8", `attachment; filename="a.txt"`))
	e.GET("/api/v1/documents/inline-pdf", serve("application/pdf", ""))
	e.GET("/api/v1/documents/inline-text", serve("text/plain; charset=utf-8", ""))
	e.GET("/api/v1/documents/encoded", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentEncoding, "br")
		return c.Blob(http.StatusOK, "application/json", file)
	})
	e.GET("/api/v1/stream", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, "text/event-stream")
		c.Response().WriteHeader(http.StatusOK)
		for i := 0; i < 3; i++ {
			_, _ = c.Response().Write([]byte("data: jardam\n\n"))
			c.Response().Flush()
		}
		return nil
	})
	return e
}

// fetchGzip asks path of e accepting gzip (and for a range, when given) and
// returns the status, the headers and the body as sent.
func fetchGzip(e *echo.Echo, path, rangeHeader string) (int, http.Header, []byte) {
	return fetchAccepting(e, path, rangeHeader, "gzip")
}

// fetchAccepting asks path of e with the Accept-Encoding given.
func fetchAccepting(e *echo.Echo, path, rangeHeader, accept string) (int, http.Header, []byte) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", accept)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	res := rec.Result()
	defer func() { _ = res.Body.Close() }()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body
}

// Downloads, ranges, pre-encoded and binary answers go byte for byte as the
// handler wrote them, while text answers of the same size are gzipped; a
// streamed text answer arrives decompressible.
func TestAnswersThatMustGoAsTheyAreAreNotCompressed(t *testing.T) {
	file := []byte(strings.Repeat("%PDF-1.7 0123456789abcdef\n", 400))
	e := downloadServer(file)
	for _, c := range []struct {
		name, path, rangeHeader string
		code                    int
		want                    []byte
	}{
		{"attachment", "/api/v1/documents/attachment", "", http.StatusOK, file},
		{"range of an attachment", "/api/v1/documents/attachment", "bytes=100-2099", http.StatusPartialContent, file[100:2100]},
		{"range of inline text", "/api/v1/documents/inline-text", "bytes=0-1999", http.StatusPartialContent, file[:2000]},
		{"binary type", "/api/v1/documents/inline-pdf", "", http.StatusOK, file},
		{"encoded already", "/api/v1/documents/encoded", "", http.StatusOK, file},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, h, got := fetchGzip(e, c.path, c.rangeHeader)
			if code != c.code || !bytes.Equal(got, c.want) {
				t.Fatalf("%d, %d bytes (want %d, %d bytes as written)", code, len(got), c.code, len(c.want))
			}
			if enc := h.Get("Content-Encoding"); c.name != "encoded already" && enc != "" {
				t.Errorf("Content-Encoding %q", enc)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
			}
		})
	}

	for path, want := range map[string][]byte{
		"/api/v1/documents/inline-text": file,
		"/api/v1/stream":                []byte(strings.Repeat("data: jardam\n\n", 3)),
	} {
		_, h, body := fetchGzip(e, path, "")
		if h.Get("Content-Encoding") != "gzip" || h.Get("Content-Length") != "" {
			t.Fatalf("%s: Content-Encoding %q, Content-Length %q", path, h.Get("Content-Encoding"), h.Get("Content-Length"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); !bytes.Equal(got, want) {
			t.Errorf("%s does not decompress to what was written", path)
		}
	}
}

// caseAnswer is the shape and size of a case read's answer (about 1.7 kB
// of JSON): the compressors' benchmarks compress it.
func caseAnswer() []byte {
	events := []map[string]any{}
	for i, c := range []string{"RU", "KZ"} {
		events = append(events, map[string]any{"id": "6f1c2d1e-8b0a-4f7e-9c3d-00000000000" + string(rune('1'+i)), "kind": "exploitation",
			"country": c, "region": "Moscow", "year_month": "2025-03", "details": "Работала на швейной фабрике без оплаты, паспорт забрали"})
	}
	answer := map[string]any{
		"id": "0030fe99-7a43-4661-b904-c9799ab1f7fd", "code": "SEZIM-2026-0142", "version": 7, "stage": "rehabilitation",
		"status": "open", "risk_level": "medium", "identified_at": "2026-03-14T09:30:00Z", "identification_channel": "hotline",
		"sex": "female", "age_bracket": "18-24", "is_minor": false, "citizenship": "KG", "region_of_origin": "osh",
		"exploitation_types": []string{"forced_labour"}, "countries_of_exploitation": []string{"RU", "KZ"},
		"means_of_control": []string{"document_retention", "debt_bondage"}, "labour_sector": "garment",
		"identity": map[string]any{"given_name": "Айгүл", "family_name": "Асанова", "patronymic": "Бакытовна",
			"birth_date": "2003-04-12", "document_number": "ID1234567"},
		"contact": map[string]any{"phone": "+996700123456", "address": "г. Ош, ул. Ленина 12, кв. 4"},
		"events":  events, "assigned_workers": []string{"b848d10e-7ff3-41f3-9783-d6c24aae60d0"},
		"relation": "assigned", "needs_guardian": false, "created_at": "2026-03-14T09:31:12Z", "updated_at": "2026-11-02T14:05:44Z",
		"allowed_actions": []string{"case.update", "case.stage_move", "case.assign", "case.close", "consent.record",
			"referral.create", "assistance.record", "plan.write", "document.upload", "event.write", "person.write",
			"flag.write", "follow_up.write", "assessment.write", "case.export"},
	}
	data, _ := json.Marshal(answer)
	return data
}

// BenchmarkCompressCaseAnswer measures each encoder on a case read's
// answer, at the levels compressAnswers uses (gzip 5, brotli 4) and the
// faster ones beside them, reset between answers as its pools do: the time per answer, and its compressed size
// (bytes/answer).
func BenchmarkCompressCaseAnswer(b *testing.B) {
	body := caseAnswer()
	gz := func(level int) encoder { z, _ := gzip.NewWriterLevel(io.Discard, level); return z }
	for _, c := range []struct {
		name string
		enc  encoder
	}{
		{"gzip-1", gz(gzip.BestSpeed)},
		{"gzip-5", gz(5)},
		{"brotli-1", brotli.NewWriterLevel(io.Discard, 1)},
		{"brotli-2", brotli.NewWriterLevel(io.Discard, 2)},
		{"brotli-4", brotli.NewWriterLevel(io.Discard, 4)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				c.enc.Reset(&out)
				_, _ = c.enc.Write(body)
				_ = c.enc.Close()
			}
			b.ReportMetric(float64(out.Len()), "bytes/answer")
			b.ReportMetric(float64(len(body)), "plain-bytes")
		})
	}
}
