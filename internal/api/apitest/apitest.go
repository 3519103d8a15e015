// Package apitest runs the whole Jardam API for integration tests: a fresh
// migrated database with the demo organizations and accounts, the real
// router behind an httptest server, and a client that validates every
// request and response against the OpenAPI description, so the description
// cannot drift from what the service does.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/jardam-kg/jardam/internal/api"
	"github.com/jardam-kg/jardam/internal/api/openapi"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/auth"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/config"
	jcrypto "github.com/jardam-kg/jardam/internal/platform/crypto"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/seed"
)

// Env is a running API on a fresh database.
type Env struct {
	t        testing.TB
	DB       *dbtest.DB
	Server   *api.Server
	HTTP     *httptest.Server
	Config   config.Config
	Keys     *authn.KeySet
	KeysText string
	Signer   *audit.Signer
	Enforcer *authz.Enforcer
	Keyring  *cases.Keyring
	spec     *openapi3.T
	router   routers.Router
}

// Options adjust the environment.
type Options struct {
	// Configure changes the configuration before the API is built.
	Configure func(*config.Config)
	// Log, when set, receives every line the server logs, at every level.
	Log io.Writer
}

// New starts the API for t with the demo data.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	d := dbtest.New(t)
	cfg := config.Config{
		Env: config.EnvTest, Listen: "127.0.0.1:0", AccessTokenTTL: 10 * time.Minute, RefreshTokenTTL: time.Hour,
		Issuer: "jardam", Audience: "jardam-api", BodyLimitBytes: 64 << 10, MaxConcurrentKDF: 4,
		LoginFailuresPerEmail: 5, LoginFailuresPerIP: 30, LoginWindow: 15 * time.Minute,
		AuditLinkInterval: time.Second, ShutdownTimeout: 5 * time.Second, StatsK: 5, ReflectionDays: 30,
	}
	for _, o := range opts {
		if o.Configure != nil {
			o.Configure(&cfg)
		}
	}
	keysText := authn.NewKeyLine()
	keys, err := authn.ParseKeySet(keysText)
	if err != nil {
		t.Fatal(err)
	}
	seedBytes := make([]byte, 32)
	for i := range seedBytes {
		seedBytes[i] = byte(i * 7)
	}
	signer, err := audit.NewSigner(seedBytes)
	if err != nil {
		t.Fatal(err)
	}
	enforcer, err := authz.Load()
	if err != nil {
		t.Fatal(err)
	}
	master, err := jcrypto.NewLocalMaster(bytes.Repeat([]byte{0x4a}, 32))
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := cases.NewKeyring(master, bytes.Repeat([]byte{0x17}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.EnsureKeyCheck(context.Background(), d.App); err != nil {
		t.Fatal(err)
	}
	hasher := passwd.NewHasher(cfg.MaxConcurrentKDF)
	if err := seed.Demo(context.Background(), d.App, hasher, true); err != nil {
		t.Fatalf("seed: %v", err)
	}
	var logHandler slog.Handler = slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})
	for _, o := range opts {
		if o.Log != nil {
			logHandler = teeHandler{logHandler, slog.NewJSONHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelDebug})}
		}
	}
	log := slog.New(logHandler)
	srv, err := api.New(api.Deps{Config: cfg, DB: d.App, Logger: log,
		Tokens: authn.NewTokens(keys, cfg.Issuer, cfg.Audience, cfg.AccessTokenTTL), Hasher: hasher,
		Enforcer: enforcer, AuditVerifier: signer.Verifier(), Keys: keyring})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Echo)
	t.Cleanup(hs.Close)
	raw, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	// Match requests to any host: the test server's address is not in the
	// description.
	spec.Servers = nil
	router, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{t: t, DB: d, Server: srv, Keyring: keyring, HTTP: hs, Config: cfg, Keys: keys, KeysText: keysText, Signer: signer,
		Enforcer: enforcer, spec: spec, router: router}
}

// Request is one call.
type Request struct {
	Method string
	Path   string
	// Body is marshalled as JSON unless RawBody is set.
	Body    any
	RawBody []byte
	Token   string
	Header  map[string]string
	// Invalid marks a request deliberately outside the description (bad
	// JSON, unknown fields, wrong content type): its validation is skipped,
	// the response is still validated.
	Invalid bool
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r *Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends req, validating request and response against the description.
func (e *Env) Do(req Request) *Response {
	e.t.Helper()
	var body []byte
	switch {
	case req.RawBody != nil:
		body = req.RawBody
	case req.Body != nil:
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			e.t.Fatal(err)
		}
	}
	hr, err := http.NewRequest(req.Method, e.HTTP.URL+req.Path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	route, pathParams, rerr := e.router.FindRoute(hr)
	var in *openapi3filter.RequestValidationInput
	if rerr == nil {
		in = &openapi3filter.RequestValidationInput{
			Request: hr, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
		}
		if !req.Invalid {
			// ValidateRequest consumes the body; give it a copy.
			vr := hr.Clone(context.Background())
			vr.Body = io.NopCloser(bytes.NewReader(body))
			vin := *in
			vin.Request = vr
			if err := openapi3filter.ValidateRequest(context.Background(), &vin); err != nil {
				e.t.Errorf("%s %s: request does not match the description: %v", req.Method, req.Path, err)
			}
		}
	} else if !strings.HasPrefix(req.Path, "/api/") || req.Invalid {
		// Routes outside the API, or deliberately unknown ones.
	} else {
		e.t.Errorf("%s %s: not in the description: %v", req.Method, req.Path, rerr)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end first
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	// No API answer may stay in a browser's or a proxy's cache.
	if strings.HasPrefix(req.Path, "/api/") && resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Errorf("%s %s: %d answered with Cache-Control %q, want no-store", req.Method, req.Path, resp.StatusCode,
			resp.Header.Get("Cache-Control"))
	}
	if in != nil {
		in.Request = hr
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		rin.SetBodyBytes(rb)
		if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
			e.t.Errorf("%s %s: response %d does not match the description: %v\nbody: %s", req.Method, req.Path, resp.StatusCode, err, rb)
		}
	}
	return out
}

// Login signs in with the demo password (or password) and returns the
// token pair.
func (e *Env) Login(email string, password ...string) auth.TokenPair {
	e.t.Helper()
	pw := auth.DemoPassword
	if len(password) > 0 {
		pw = password[0]
	}
	r := e.Do(Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": pw}})
	if r.Status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var p auth.TokenPair
	r.JSON(e.t, &p)
	return p
}

// Token signs in and returns the access token.
func (e *Env) Token(email string, password ...string) string {
	e.t.Helper()
	return e.Login(email, password...).AccessToken
}

// LinkAudit runs linker passes until every entry is linked, so that verify
// sees them all; each head goes to the configured anchor file, as the
// server's linker does.
func (e *Env) LinkAudit() {
	e.t.Helper()
	l := audit.NewLinker(e.DB.App, e.Signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if e.Config.AuditAnchorFile != "" {
		l.WithAnchor(audit.NewAnchor(e.Config.AuditAnchorFile))
	}
	for {
		n, err := l.LinkOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// Count runs a count query as the application role.
func (e *Env) Count(query string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.DB.App.Raw(query, args...).Scan(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// testWriter sends the service's warnings and errors to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// AddUser creates an account with the demo password in the organization
// with code org (for tests that need more accounts than the demo has).
func (e *Env) AddUser(email, org, role string) {
	e.t.Helper()
	hash, err := passwd.NewHasher(1).Hash(context.Background(), auth.DemoPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.DB.App.Exec(`INSERT INTO users (organization_id, email, name, role, password_hash)
		SELECT id, ?, ?, ?, ? FROM organizations WHERE code = ?`, email, "Test "+role, role, hash, org).Error; err != nil {
		e.t.Fatal(err)
	}
}

// OrgID returns the id of the organization with code.
func (e *Env) OrgID(code string) string {
	e.t.Helper()
	return e.lookupID("organization", `SELECT id::text AS id FROM organizations WHERE code = ?`, code)
}

// UserID returns the id of the account with email.
func (e *Env) UserID(email string) string {
	e.t.Helper()
	return e.lookupID("user", `SELECT id::text AS id FROM users WHERE email = ?`, email)
}

// lookupID runs query, which answers one id for key, as the application
// role and fails the test when it answers none.
func (e *Env) lookupID(what, query, key string) string {
	e.t.Helper()
	var r struct{ ID string }
	if err := e.DB.App.Raw(query, key).Scan(&r).Error; err != nil || r.ID == "" {
		e.t.Fatalf("%s %s: %v", what, key, err)
	}
	return r.ID
}

// teeHandler sends each record to two handlers.
type teeHandler struct{ a, b slog.Handler }

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.a.Enabled(ctx, l) || h.b.Enabled(ctx, l)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.a.Enabled(ctx, r.Level) {
		_ = h.a.Handle(ctx, r.Clone())
	}
	if h.b.Enabled(ctx, r.Level) {
		return h.b.Handle(ctx, r)
	}
	return nil
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{h.a.WithAttrs(as), h.b.WithAttrs(as)}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{h.a.WithGroup(name), h.b.WithGroup(name)}
}
