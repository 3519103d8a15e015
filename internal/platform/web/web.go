// Package web owns Jardam's HTTP plumbing: the echo instance with its
// middleware (request id, structured log, security headers, client address),
// the one error handler that answers RFC 9457 problem details, strict JSON
// binding, and the router on which every route declares the permission it
// needs.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Options configure the echo instance.
type Options struct {
	Logger         *slog.Logger
	TrustedProxies []netip.Prefix
	TLS            bool
	BodyLimitBytes int64
	// Observe, when set, is told about every answered request (see
	// ObserveRequests).
	Observe RequestObserver
}

// HeaderRequestID is the response header carrying the request id.
const HeaderRequestID = "X-Request-Id"

// ContentSecurityPolicy is sent on every response.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type bodyLimitKey struct{}

// New returns an echo instance with Jardam's middleware and error handler.
func New(o Options) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Logger.SetOutput(discard{})
	e.IPExtractor = ipExtractor(o.TrustedProxies)
	e.HTTPErrorHandler = ErrorHandler(o.Logger)
	if o.BodyLimitBytes <= 0 {
		o.BodyLimitBytes = 1 << 20
	}
	if o.Observe != nil {
		e.Use(ObserveRequests(o.Observe))
	}
	e.Use(securityHeaders(o.TLS))
	e.Use(noStoreAPI)
	e.Use(compressAnswers())
	e.Use(requestContext(o.Logger, o.BodyLimitBytes))
	e.Use(recoverer(o.Logger))
	return e
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// ipExtractor trusts X-Forwarded-For only from the configured proxies; with
// none configured the client address is the TCP peer.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// RequestObserver receives one call per answered request: the method, the
// route template (such as /api/v1/cases/:id; never the raw path, which may
// carry ids), the final status and the time taken. Metrics use it.
type RequestObserver func(method, route string, status int, d time.Duration)

// ObserveRequests is the middleware that reports each request to observe
// after the error handler has written the answer.
func ObserveRequests(observe RequestObserver) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				// Answer now so that the status observed is the one sent.
				c.Error(err)
			}
			observe(c.Request().Method, c.Path(), c.Response().Status, time.Since(start))
			return nil
		}
	}
}

func securityHeaders(tls bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			if tls {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// noStoreAPI marks every answer under /api/ (decrypted case data, tokens,
// problem details alike) as not to be kept by the browser or any proxy.
// The web app's own files are cached by their own rules (frontend).
func noStoreAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// requestContext gives every request an id, puts the audit metadata in the
// context, and logs one line per request with the route template, never
// the raw path or query.
func requestContext(log *slog.Logger, limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := uuid.NewString()
			req := c.Request()
			c.Response().Header().Set(HeaderRequestID, id)
			ua := req.UserAgent()
			if len(ua) > 256 {
				ua = ua[:256]
			}
			ctx := reqctx.WithMeta(req.Context(), reqctx.Meta{RequestID: id, ClientIP: c.RealIP(), UserAgent: ua})
			ctx = context.WithValue(ctx, bodyLimitKey{}, limit)
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("request_id", id),
				slog.String("method", req.Method),
				slog.String("route", c.Path()),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
			)
			return nil
		}
	}
}

func recoverer(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
						panic(r)
					}
					log.Error("panic", slog.String("request_id", RequestID(c)), slog.Any("panic", r))
					err = apperr.Internal(errors.New("panic"))
				}
			}()
			return next(c)
		}
	}
}

// RequestID returns the id of the request.
func RequestID(c echo.Context) string {
	return reqctx.MetaFrom(c.Request().Context()).RequestID
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	RequestID string              `json:"request_id"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

var kindStatus = map[apperr.Kind]int{
	apperr.KindInternal:             http.StatusInternalServerError,
	apperr.KindInvalid:              http.StatusBadRequest,
	apperr.KindUnauthorized:         http.StatusUnauthorized,
	apperr.KindForbidden:            http.StatusForbidden,
	apperr.KindNotFound:             http.StatusNotFound,
	apperr.KindConflict:             http.StatusConflict,
	apperr.KindPreconditionFailed:   http.StatusPreconditionFailed,
	apperr.KindPreconditionRequired: http.StatusPreconditionRequired,
	apperr.KindTooLarge:             http.StatusRequestEntityTooLarge,
	apperr.KindUnsupportedMedia:     http.StatusUnsupportedMediaType,
	apperr.KindTooManyRequests:      http.StatusTooManyRequests,
	apperr.KindUnavailable:          http.StatusServiceUnavailable,
}

var statusSlug = map[int]string{
	400: "invalid-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
	409: "conflict", 412: "precondition-failed", 413: "payload-too-large", 415: "unsupported-media-type",
	428: "precondition-required", 429: "too-many-requests", 500: "internal", 503: "unavailable",
}

// ProblemType returns the problem type URI of a status.
func ProblemType(status int) string {
	slug, ok := statusSlug[status]
	if !ok {
		slug = strconv.Itoa(status)
	}
	return "urn:jardam:problem:" + slug
}

// StatusClientClosedRequest is the status recorded for a request whose
// client went away before the answer was ready.
const StatusClientClosedRequest = 499

// ErrorHandler maps every error to a problem+json response. The client gets
// a safe detail; the log gets the cause and the request id.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		// A client that went away (a closed tab, a superseded request)
		// cancels its request's context: nothing failed on our side, and
		// nobody reads the answer. Recorded as 499, as proxies do.
		if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
			log.Info("request abandoned by the client", slog.String("request_id", RequestID(c)), slog.String("route", c.Path()))
			c.Response().WriteHeader(StatusClientClosedRequest)
			return
		}
		p := Problem{RequestID: RequestID(c)}
		var retryAfter time.Duration
		var he *echo.HTTPError
		switch ae, ok := apperr.As(err); {
		case ok:
			p.Status = kindStatus[ae.Kind]
			p.Detail = ae.Detail
			p.Errors = ae.Fields
			retryAfter = ae.RetryAfter
			if ae.Kind == apperr.KindInternal && database.IsUnavailable(ae.Cause) {
				p.Status = http.StatusServiceUnavailable
			}
		case errors.As(err, &he):
			p.Status = he.Code
			if p.Status == http.StatusNotFound {
				p.Detail = "no such route"
			}
		case database.IsUnavailable(err):
			p.Status = http.StatusServiceUnavailable
		default:
			p.Status = http.StatusInternalServerError
		}
		if p.Status == http.StatusServiceUnavailable {
			p.Detail = "the service is temporarily unavailable; try again shortly"
			if retryAfter == 0 {
				retryAfter = 2 * time.Second
			}
		}
		if p.Status >= 500 {
			log.Error("request failed", slog.String("request_id", p.RequestID), slog.String("route", c.Path()), slog.String("error", err.Error()))
			if p.Status == http.StatusInternalServerError {
				p.Detail = "an unexpected error occurred; quote the request id when reporting it"
			}
		}
		p.Type = ProblemType(p.Status)
		p.Title = http.StatusText(p.Status)
		if retryAfter > 0 {
			secs := int(retryAfter.Round(time.Second) / time.Second)
			if secs < 1 {
				secs = 1
			}
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(p.Status)
			return
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		_ = jsonEncode(c.Response(), p)
	}
}
