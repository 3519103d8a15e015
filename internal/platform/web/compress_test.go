package web

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
