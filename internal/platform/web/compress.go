package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compressMinBytes is the smallest answer worth compressing: below about one
// network packet, gzip's header and the CPU cost gain nothing.
const compressMinBytes = 1400

// compressAnswers gzips the answers to GET requests (when the client accepts
// gzip and the answer is at least compressMinBytes), except the web app's
// assets, which the frontend package serves already compressed.
//
// Answers to other methods are never compressed. Those are the ones that
// carry secrets (tokens, one-time passwords, recovery codes, a second
// factor's seed), and a compressed answer whose length a network observer
// sees can leak a secret that sits beside attacker-chosen text (BREACH). A
// GET needs the bearer token, which only the app itself sends, so another
// site cannot make a signed-in browser fetch chosen variants of it.
func compressAnswers() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: compressMinBytes,
		Skipper: func(c echo.Context) bool {
			r := c.Request()
			if r.Method != http.MethodGet {
				return true
			}
			return strings.HasPrefix(r.URL.Path, "/assets/")
		},
	})
}

// AcceptsGzip reports whether the request's Accept-Encoding admits gzip
// (listed, and not with q=0).
func AcceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}
