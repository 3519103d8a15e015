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
// assets, which the frontend package serves already compressed, and the
// answers that must go as they are (see plainAnswer): downloads, ranges,
// and bodies encoded or compressed already.
//
// Answers to other methods are never compressed. Those are the ones that
// carry secrets (tokens, one-time passwords, recovery codes, a second
// factor's seed), and a compressed answer whose length a network observer
// sees can leak a secret that sits beside attacker-chosen text (BREACH). A
// GET needs the bearer token, which only the app itself sends, so another
// site cannot make a signed-in browser fetch chosen variants of it.
func compressAnswers() echo.MiddlewareFunc {
	gz := middleware.GzipWithConfig(middleware.GzipConfig{
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
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		// Inside the gzip middleware, the answer's writer is the compressing
		// one when it compresses; the handler's first header then chooses.
		inner := gz(func(c echo.Context) error {
			res := c.Response()
			if plain, ok := c.Get(plainWriterKey).(http.ResponseWriter); ok && res.Writer != plain {
				res.Writer = &choosingWriter{compress: res.Writer, plain: plain}
			}
			return next(c)
		})
		return func(c echo.Context) error {
			c.Set(plainWriterKey, c.Response().Writer)
			return inner(c)
		}
	}
}

// plainWriterKey holds, in the echo context, the answer's writer before the
// gzip middleware replaced it.
const plainWriterKey = "web.plainWriter"

// plainAnswer reports whether an answer must go uncompressed whatever the
// client accepts: a part of a file (its Content-Range counts bytes of the
// file as it is), a body already encoded, a download (Content-Disposition:
// attachment, whose bytes the client saves and may check against a
// checksum), or a type that is not text (images, PDF, archives: compressed
// already, or binary that gzip would only spend CPU on).
func plainAnswer(code int, h http.Header) bool {
	if code == http.StatusPartialContent || h.Get("Content-Range") != "" || h.Get(echo.HeaderContentEncoding) != "" {
		return true
	}
	if d := strings.ToLower(h.Get(echo.HeaderContentDisposition)); strings.HasPrefix(strings.TrimSpace(d), "attachment") {
		return true
	}
	ct, _, _ := strings.Cut(strings.ToLower(h.Get(echo.HeaderContentType)), ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "text/"), strings.HasSuffix(ct, "json"), strings.HasSuffix(ct, "xml"),
		ct == "application/javascript", ct == "image/svg+xml":
		return false
	}
	return true
}

// choosingWriter sends an answer through the compressing writer or around
// it, as the answer's headers decide when they are written.
type choosingWriter struct {
	compress, plain http.ResponseWriter
	chosen          http.ResponseWriter
}

func (w *choosingWriter) Header() http.Header { return w.plain.Header() }

func (w *choosingWriter) choose(code int) http.ResponseWriter {
	if w.chosen == nil {
		w.chosen = w.compress
		if plainAnswer(code, w.plain.Header()) {
			w.chosen = w.plain
		}
	}
	return w.chosen
}

func (w *choosingWriter) WriteHeader(code int) { w.choose(code).WriteHeader(code) }

func (w *choosingWriter) Write(b []byte) (int, error) {
	if w.chosen == nil && w.Header().Get(echo.HeaderContentType) == "" {
		w.Header().Set(echo.HeaderContentType, http.DetectContentType(b))
	}
	return w.choose(http.StatusOK).Write(b)
}

// Flush sends what is written so far, so that a streamed answer streams.
func (w *choosingWriter) Flush() {
	_ = http.NewResponseController(w.choose(http.StatusOK)).Flush()
}

// Unwrap gives http.ResponseController the writer underneath (the
// connection's deadlines are the same whichever writer is chosen).
func (w *choosingWriter) Unwrap() http.ResponseWriter {
	if w.chosen != nil {
		return w.chosen
	}
	return w.plain
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
