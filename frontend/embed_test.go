package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

func newServer(t *testing.T) *echo.Echo {
	t.Helper()
	e := echo.New()
	if err := web.NewRouter(e, nil).Mount(Routes()...); err != nil {
		t.Fatal(err)
	}
	return e
}

func get(e *echo.Echo, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestIndexAtAppRoutes(t *testing.T) {
	e := newServer(t)
	for _, p := range []string{"/", "/login", "/password", "/work", "/cases", "/cases/new", "/cases/6f1c2a8e-7a4b-4d5e-9f00-0123456789ab", "/referrals",
		"/referrals/6f1c2a8e-7a4b-4d5e-9f00-0123456789ab", "/notifications", "/dashboard", "/report", "/organizations", "/users", "/audit", "/activities"} {
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
		if strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			return nil // compressed forms, sent only as Content-Encoding
		}
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

func TestTextAssetsAreServedCompressedWhenAccepted(t *testing.T) {
	script := strings.Repeat("console.log('jardam');\n", 200)
	dir := fstest.MapFS{
		"index-CczPv5EJ.js": {Data: []byte(script)},
		"tiny-CczPv5EJ.css": {Data: []byte("body{margin:0}")},
		"logo-CczPv5EJ.png": {Data: []byte(strings.Repeat("\x89PNG", 400))},
	}
	e := echo.New()
	e.GET("/assets/*", assetHandler(dir, packAssets(dir)))
	fetch := func(name, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/assets/"+name, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	rec := fetch("index-CczPv5EJ.js", "br;q=0.5, gzip;q=0.8")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("script with gzip accepted: %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	gzipped := rec.Body.Len()
	if rec.Body.Len() >= len(script)/4 {
		t.Errorf("compressed script is %d bytes of %d", rec.Body.Len(), len(script))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != script {
		t.Error("the compressed script does not decompress to the file")
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("headers: %v", rec.Header())
	}
	if !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
	}

	for _, accept := range []string{"br", "gzip, deflate, br"} {
		rec := fetch("index-CczPv5EJ.js", accept)
		if rec.Header().Get("Content-Encoding") != "br" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", accept, rec.Header().Get("Content-Encoding"))
		}
		if rec.Body.Len() > gzipped {
			t.Errorf("brotli %d bytes, gzip %d", rec.Body.Len(), gzipped)
		}
		if got, _ := io.ReadAll(brotli.NewReader(rec.Body)); string(got) != script {
			t.Error("the brotli script does not decompress to the file")
		}
	}
	for _, accept := range []string{"", "identity", "gzip;q=0", "br;q=0", "deflate"} {
		rec := fetch("index-CczPv5EJ.js", accept)
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != script {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, %d bytes", accept, rec.Header().Get("Content-Encoding"), rec.Body.Len())
		}
	}
	if rec := fetch("index-CczPv5EJ.js.br", "br"); rec.Code != http.StatusNotFound {
		t.Errorf("a compressed form served as an asset of its own: %d", rec.Code)
	}
	for _, name := range []string{"tiny-CczPv5EJ.css", "logo-CczPv5EJ.png"} {
		if rec := fetch(name, "gzip, br"); rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: %d, Content-Encoding %q (small or binary files go as they are)", name, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
}

// The compressed forms the build wrote beside an asset are the ones sent.
func TestAssetsCompressedAtBuildAreSent(t *testing.T) {
	script := strings.Repeat("console.log('jardam');\n", 200)
	dir := fstest.MapFS{
		"index-CczPv5EJ.js":    {Data: []byte(script)},
		"index-CczPv5EJ.js.br": {Data: []byte("brotli of the build")},
		"index-CczPv5EJ.js.gz": {Data: []byte("gzip of the build")},
	}
	e := echo.New()
	e.GET("/assets/*", assetHandler(dir, packAssets(dir)))
	for accept, want := range map[string]string{"br": "brotli of the build", "gzip": "gzip of the build", "": script} {
		req := httptest.NewRequest(http.MethodGet, "/assets/index-CczPv5EJ.js", nil)
		req.Header.Set("Accept-Encoding", accept)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Body.String() != want {
			t.Errorf("Accept-Encoding %q: %q", accept, rec.Body.String()[:min(rec.Body.Len(), 40)])
		}
	}
	// The build's own output, when built: every text asset has both forms, and they decompress to it.
	if Root() == "dist" {
		assets := mustSub(mustSub(files, "dist"), "assets")
		for name, p := range embeddedPacked() {
			raw, _ := fs.ReadFile(assets, name)
			if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(p.brotli))); err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%s: the brotli form is not the file", name)
			}
		}
	}
}

// Every path the web app shows a screen for (src/App.tsx) is served with
// index.html, so a reload or a link in a notification e-mail opens it.
func TestEveryScreenOfTheAppIsServed(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("src", "App.tsx"))
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range AppRoutes {
		served[r] = true
	}
	exact := regexp.MustCompile(`path === '(/[a-z/]*)'`)
	prefix := regexp.MustCompile(`path\.startsWith\('(/[a-z]+)/'\)`)
	found := 0
	for _, m := range exact.FindAllStringSubmatch(string(src), -1) {
		found++
		p := m[1]
		if !served[p] && !served[p[:strings.LastIndex(p, "/")]+"/*"] {
			t.Errorf("the app shows %s, which the server does not serve", p)
		}
	}
	for _, m := range prefix.FindAllStringSubmatch(string(src), -1) {
		found++
		if !served[m[1]+"/*"] {
			t.Errorf("the app shows %s/..., which the server does not serve", m[1])
		}
	}
	if found < 10 {
		t.Fatalf("found %d screens in App.tsx: the pattern no longer matches its code", found)
	}
}
