// Package frontend serves the browser app embedded in the binary. Until the
// web app is built it serves a placeholder page.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/web"
)

//go:embed static
var files embed.FS

// Register serves the app: the index page at / and its assets.
func Register(r *web.Router) {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	r.Public(http.MethodGet, "/", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	})
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(mustSub(sub, "assets"))))
	r.Public(http.MethodGet, "/assets/*", echo.WrapHandler(assets))
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
