// Package frontend serves the browser app embedded in the binary: the Vite
// build in dist/ when it exists, otherwise the placeholder page in static/.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

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
	"/referrals",
	"/notifications",
	"/dashboard",
	"/report",
	"/organizations",
	"/users",
	"/audit",
	"/activities",
}

// Root is the directory the app is served from: "dist" when the web app was
// built, "static" otherwise.
func Root() string {
	if _, err := fs.Stat(files, "dist/index.html"); err == nil {
		return "dist"
	}
	return "static"
}

// Register serves the app: index.html at / and at the app's routes, and its
// assets under /assets/.
func Register(r *web.Router) {
	sub := mustSub(files, Root())
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	serveIndex := func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	}
	for _, p := range AppRoutes {
		r.Public(http.MethodGet, p, serveIndex)
	}
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(mustSub(sub, "assets"))))
	r.Public(http.MethodGet, "/assets/*", func(c echo.Context) error {
		name := strings.TrimPrefix(c.Request().URL.Path, "/assets/")
		if name == "" || strings.HasSuffix(name, "/") {
			return echo.ErrNotFound // no directory listings
		}
		if isHashed(name) {
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			c.Response().Header().Set("Cache-Control", "no-cache")
		}
		assets.ServeHTTP(c.Response(), c.Request())
		return nil
	})
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
