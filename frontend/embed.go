// Package frontend serves the browser app embedded in the binary: the Vite
// build in dist/ when it exists, otherwise the placeholder page in static/.
package frontend

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

// dist/ always exists (dist/.gitkeep) so that the binary builds before the
// web app does.
//
//go:embed all:dist static
var files embed.FS

// AppRoutes are the client-side routes of the app that serve index.html. The
// list is explicit: every public route is on api.PublicRoutes.
var AppRoutes = []string{
	"/",
	"/login",
	"/password",
	"/security",
	"/cases",
	"/cases/*",
	"/work",
	"/referrals",
	"/referrals/*",
	"/notifications",
	"/dashboard",
	"/report",
	"/organizations",
	"/users",
	"/audit",
	"/activities",
	"/contacts",
}

// Root is the directory the app is served from: "dist" when the web app was
// built, "static" otherwise.
func Root() string {
	if _, err := fs.Stat(files, "dist/index.html"); err == nil {
		return "dist"
	}
	return "static"
}

// Routes are the public routes that serve the app: index.html at / and at
// the app's routes, and its assets under /assets/.
func Routes() []web.Route {
	sub := mustSub(files, Root())
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	serveIndex := func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	}
	routes := make([]web.Route, 0, len(AppRoutes)+1)
	for _, p := range AppRoutes {
		routes = append(routes, web.Public(http.MethodGet, p, serveIndex))
	}
	return append(routes, web.Public(http.MethodGet, "/assets/*", assetHandler(mustSub(sub, "assets"), embeddedPacked())))
}

// embeddedPacked are the embedded assets with their compressed forms, read
// once per process whatever the number of servers (tests start many).
var embeddedPacked = sync.OnceValue(func() map[string]packed {
	return packAssets(mustSub(mustSub(files, Root()), "assets"))
})

// assetHandler serves the files of dir: hashed names cached for good, others
// revalidated, and the text ones, compressed ahead of time (zipped, from
// packAssets), as brotli or gzip to the clients that accept either (the
// assets are immutable, so compressing per request would spend the same CPU
// over and over).
func assetHandler(dir fs.FS, zipped map[string]packed) echo.HandlerFunc {
	plain := http.FileServer(http.FS(dir))
	return func(c echo.Context) error {
		name := strings.TrimPrefix(c.Request().URL.Path, "/assets/")
		if name == "" || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			return echo.ErrNotFound // no directory listings; the compressed forms go only as Content-Encoding
		}
		h := c.Response().Header()
		if isHashed(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if z, ok := zipped[name]; ok {
			h.Add("Vary", echo.HeaderAcceptEncoding)
			switch web.PreferredEncoding(c.Request()) {
			case "br":
				h.Set(echo.HeaderContentEncoding, "br")
				return c.Blob(http.StatusOK, z.contentType, z.brotli)
			case "gzip":
				h.Set(echo.HeaderContentEncoding, "gzip")
				return c.Blob(http.StatusOK, z.contentType, z.gzip)
			}
		}
		c.Request().URL.Path = "/" + name
		plain.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// packed is an asset compressed ahead of time, both ways.
type packed struct {
	contentType  string
	brotli, gzip []byte
}

// compressible are the asset types worth compressing (images and fonts are
// compressed already).
var compressible = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

// packAssets gives every compressible file of dir of at least 1 KiB its
// brotli and gzip forms: those the build wrote beside it (NAME.br and NAME.gz,
// scripts/precompress.mjs), else compressed here at their best levels,
// keeping only files that shrink.
func packAssets(dir fs.FS) map[string]packed {
	out := map[string]packed{}
	_ = fs.WalkDir(dir, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := compressible[path.Ext(p)]
		if !ok {
			return nil
		}
		raw, err := fs.ReadFile(dir, p)
		if err != nil || len(raw) < 1024 {
			return err
		}
		br, brErr := fs.ReadFile(dir, p+".br")
		gz, gzErr := fs.ReadFile(dir, p+".gz")
		if brErr != nil || gzErr != nil {
			if br, gz, err = compressBoth(raw); err != nil {
				return err
			}
		}
		if len(gz) < len(raw) && len(br) < len(raw) {
			out[p] = packed{contentType: ct, brotli: br, gzip: gz}
		}
		return nil
	})
	return out
}

// compressBoth is raw compressed with brotli and with gzip, each at its best.
func compressBoth(raw []byte) (br, gz []byte, err error) {
	gz, err = compressed(raw, func(w io.Writer) io.WriteCloser {
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		return zw
	})
	if err != nil {
		return nil, nil, err
	}
	br, err = compressed(raw, func(w io.Writer) io.WriteCloser {
		return brotli.NewWriterLevel(w, brotli.BestCompression)
	})
	return br, gz, err
}

// compressed is raw written through the encoder newEncoder makes.
func compressed(raw []byte, newEncoder func(io.Writer) io.WriteCloser) ([]byte, error) {
	var buf bytes.Buffer
	zw := newEncoder(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isHashed reports whether an asset name carries the content hash Vite adds
// (name-HASH.ext), so that it can be cached for good.
func isHashed(name string) bool {
	base := name[strings.LastIndex(name, "/")+1:]
	dot := strings.LastIndex(base, ".")
	dash := strings.LastIndex(base, "-")
	return dash > 0 && dot > dash+6
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
