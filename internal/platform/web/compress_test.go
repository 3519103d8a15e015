package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
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
