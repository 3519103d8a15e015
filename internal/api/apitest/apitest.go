// Package apitest runs the whole Jardam API for integration tests: a fresh
// migrated database with the demo organizations and accounts, the real
// router behind an httptest server, and a client that validates every
// request and response against the OpenAPI description, so the description
// cannot drift from what the service does.
package apitest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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
	spec, router, err := description()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{t: t, DB: d, Server: srv, Keyring: keyring, HTTP: hs, Config: cfg, Keys: keys, KeysText: keysText, Signer: signer,
		Enforcer: enforcer, spec: spec, router: router}
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

// loaded is the API description and its router, read once per test
// binary (under the race detector reading it takes about a second) and
// shared by every Env: validation only reads them.
var loaded struct {
	sync.Once
	spec   *openapi3.T
	router routers.Router
	err    error
}

// description returns the API description, matching requests to any host
// (the test server's address is not in it), and its router.
func description() (*openapi3.T, routers.Router, error) {
	loaded.Do(func() {
		raw, err := openapi.JSON()
		if err != nil {
			loaded.err = err
			return
		}
		spec, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			loaded.err = err
			return
		}
		spec.Servers = nil
		loaded.spec = spec
		loaded.router, loaded.err = legacy.NewRouter(spec)
	})
	return loaded.spec, loaded.router, loaded.err
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

// demoHash is a hash of the demo password, computed once for the test
// binary: AddUser gives it to every account it creates, as seed.Demo gives
// one hash to all the demo accounts.
var demoHash = sync.OnceValues(func() (string, error) {
	return passwd.NewHasher(1).Hash(context.Background(), auth.DemoPassword)
})

// AddUser creates an account with the demo password in the organization
// with code org (for tests that need more accounts than the demo has).
func (e *Env) AddUser(email, org, role string) {
	e.t.Helper()
	hash, err := demoHash()
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

// ExpectCount fails t unless query, run as Count runs it, counts want;
// what names the count in the failure.
func (e *Env) ExpectCount(t testing.TB, want int64, what, query string, args ...any) {
	t.Helper()
	if n := e.Count(query, args...); n != want {
		t.Fatalf("%s: %d, want %d", what, n, want)
	}
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
