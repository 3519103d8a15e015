package frontend

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

func newServer(t *testing.T) *echo.Echo {
	t.Helper()
	e := echo.New()
	Register(web.NewRouter(e, nil))
	return e
}

func get(e *echo.Echo, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestIndexAtAppRoutes(t *testing.T) {
	e := newServer(t)
	for _, p := range []string{"/", "/login", "/password", "/cases", "/cases/new", "/cases/6f1c2a8e-7a4b-4d5e-9f00-0123456789ab", "/referrals", "/notifications",
		"/dashboard", "/report", "/organizations", "/users", "/audit", "/activities"} {
		rec := get(e, p)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<html") {
			t.Fatalf("GET %s: %d", p, rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
			t.Fatalf("GET %s: Cache-Control %q", p, got)
		}
	}
	for _, p := range []string{"/admin", "/anything", "/assets/"} {
		if rec := get(e, p); rec.Code != http.StatusNotFound {
			t.Fatalf("GET %s: %d, want 404", p, rec.Code)
		}
	}
}

func TestIndexHasNoInlineScriptOrStyle(t *testing.T) {
	index, err := fs.ReadFile(files, Root()+"/index.html")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ToLower(string(index))
	for _, bad := range []string{"<style", "style=", "<script>", "javascript:"} {
		if strings.Contains(s, bad) {
			t.Errorf("index.html contains %q, which the Content-Security-Policy blocks", bad)
		}
	}
}

func TestAssetsCaching(t *testing.T) {
	e := newServer(t)
	var hashed, plain string
	_ = fs.WalkDir(files, Root()+"/assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, Root()+"/assets/")
		if isHashed(name) {
			hashed = name
		} else {
			plain = name
		}
		return nil
	})
	if hashed != "" {
		rec := get(e, "/assets/"+hashed)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Fatalf("hashed asset %s: %d %q", hashed, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if plain != "" {
		rec := get(e, "/assets/"+plain)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Fatalf("asset %s: %d %q", plain, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := get(e, "/assets/missing-abcdef12.js"); rec.Code != http.StatusNotFound {
		t.Fatalf("missing asset: %d", rec.Code)
	}
}

func TestIsHashed(t *testing.T) {
	for name, want := range map[string]bool{
		"index-CczPv5EJ.js":  true,
		"index-CWKVW8OL.css": true,
		"placeholder.css":    false,
		"a-b.css":            false,
	} {
		if got := isHashed(name); got != want {
			t.Errorf("isHashed(%q) = %v", name, got)
		}
	}
}
