package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

// compressMinBytes is the smallest answer worth compressing: below about one
// network packet, the encoding's header and the CPU cost gain nothing.
const compressMinBytes = 1400

// The levels of answers compressed as they are written: brotli 4 for the
// browsers, which accept it, gzip 5 for the other clients. On an answer of
// a case read (1.7 kB of JSON, BenchmarkCompressCaseAnswer) brotli 4 gives
// 896 bytes in about three times gzip 5's time (904 bytes); gzip 1 would
// save a fifth of gzip 5's time for 7 % more bytes, under 1 % of a read's
// processor time (docs/performance.md): not worth the bytes on a slow
// line.
const (
	brotliLevel = 4
	gzipLevel   = 5
)

// compressAnswers compresses the answers to GET requests with brotli or
// gzip, whichever the client prefers (brotli when it accepts both alike;
// see PreferredEncoding), when the answer is at least compressMinBytes,
// except the web app's assets, which the frontend package serves compressed
// ahead of time, and the answers that must go as they are (see
// plainAnswer): downloads, ranges, and bodies encoded or compressed already.
//
// Answers to other methods are never compressed. Those are the ones that
// carry secrets (tokens, one-time passwords, recovery codes, a second
// factor's seed), and a compressed answer whose length a network observer
// sees can leak a secret that sits beside attacker-chosen text (BREACH). A
// GET needs the bearer token, which only the app itself sends, so another
// site cannot make a signed-in browser fetch chosen variants of it.
func compressAnswers() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Method != http.MethodGet || strings.HasPrefix(r.URL.Path, "/assets/") {
				return next(c)
			}
			res := c.Response()
			res.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
			encoding := PreferredEncoding(r)
			if encoding == "" {
				return next(c)
			}
			w := &compressingWriter{plain: res.Writer, encoding: encoding}
			res.Writer = w
			err := next(c)
			closeErr := w.Close()
			// An error answer the error handler writes after this goes as it is.
			res.Writer = w.plain
			if err != nil {
				return err
			}
			return closeErr
		}
	}
}

// plainAnswer reports whether an answer must go uncompressed whatever the
// client accepts: a part of a file (its Content-Range counts bytes of the
// file as it is), a body already encoded, a download (Content-Disposition:
// attachment, whose bytes the client saves and may check against a
// checksum), or a type that is not text (images, PDF, archives: compressed
// already, or binary that compression would only spend CPU on).
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

// compressingWriter compresses an answer, or lets it go as it is, as the
// answer's status and headers decide when they are written; it holds the
// first bytes until there are compressMinBytes of them, and a smaller answer
// goes as it is.
type compressingWriter struct {
	plain    http.ResponseWriter
	encoding string
	code     int    // the status, once written by the handler
	held     []byte // the body so far, until it is worth compressing
	enc      encoder
	asIs     bool // the answer goes as written
}

// encoder is a pooled brotli or gzip writer.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

var (
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, brotliLevel) }}
	gzipWriters   = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel)
		return w
	}}
)

func (w *compressingWriter) pool() *sync.Pool {
	if w.encoding == "br" {
		return &brotliWriters
	}
	return &gzipWriters
}

func (w *compressingWriter) Header() http.Header { return w.plain.Header() }

// WriteHeader notes the status; the headers go with the first bytes worth
// compressing, or at once when the answer goes as it is.
func (w *compressingWriter) WriteHeader(code int) {
	if code < http.StatusOK {
		w.plain.WriteHeader(code) // informational: the answer is still to come
		return
	}
	if w.code != 0 {
		return
	}
	w.code = code
	if code == http.StatusNoContent || code == http.StatusNotModified || plainAnswer(code, w.Header()) {
		w.asIs = true
		w.plain.WriteHeader(code)
	}
}

func (w *compressingWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		if w.Header().Get(echo.HeaderContentType) == "" {
			w.Header().Set(echo.HeaderContentType, http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.asIs:
		return w.plain.Write(b)
	case w.enc != nil:
		return w.enc.Write(b)
	}
	w.held = append(w.held, b...)
	if len(w.held) >= compressMinBytes {
		if err := w.start(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// start sends the headers of a compressed answer and what is held.
func (w *compressingWriter) start() error {
	h := w.Header()
	h.Set(echo.HeaderContentEncoding, w.encoding)
	h.Del(echo.HeaderContentLength)
	w.plain.WriteHeader(w.code)
	w.enc = w.pool().Get().(encoder)
	w.enc.Reset(w.plain)
	held := w.held
	w.held = nil
	_, err := w.enc.Write(held)
	return err
}

// Flush sends what is written so far, so that a streamed answer streams
// (compressed from its first flush on, however short).
func (w *compressingWriter) Flush() {
	if w.code != 0 && !w.asIs && w.enc == nil {
		_ = w.start()
	}
	if w.enc != nil {
		_ = w.enc.Flush()
	}
	_ = http.NewResponseController(w.plain).Flush()
}

// Close ends the answer: the encoder's last bytes, or a short answer as it is.
func (w *compressingWriter) Close() error {
	switch {
	case w.enc != nil:
		err := w.enc.Close()
		w.enc.Reset(io.Discard)
		w.pool().Put(w.enc)
		w.enc = nil
		return err
	case w.code != 0 && !w.asIs:
		w.asIs = true
		w.plain.WriteHeader(w.code)
		_, err := w.plain.Write(w.held)
		w.held = nil
		return err
	}
	return nil
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *compressingWriter) Unwrap() http.ResponseWriter { return w.plain }

// PreferredEncoding is the encoding to answer r with: "br" when its
// Accept-Encoding admits brotli at least as much as gzip, "gzip" when it
// admits gzip only (or more), "" otherwise. A wildcard is not taken as
// either.
func PreferredEncoding(r *http.Request) string {
	br, gz := acceptQ(r, "br"), acceptQ(r, "gzip")
	switch {
	case br > 0 && br >= gz:
		return "br"
	case gz > 0:
		return "gzip"
	}
	return ""
}

// AcceptsGzip reports whether the request's Accept-Encoding admits gzip
// (listed, and not with q=0).
func AcceptsGzip(r *http.Request) bool { return acceptQ(r, "gzip") > 0 }

// acceptQ is the weight r's Accept-Encoding gives the named encoding: 1
// when listed without one, 0 when not listed or unreadable.
func acceptQ(r *http.Request, name string) float64 {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), name) {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || q < 0 {
					return 0
				}
				return q
			}
		}
		return 1
	}
	return 0
}
