package api_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api/apitest"
)

// benchSQLCounter counts the statements the service sends through gorm, and
// the transactions they ran in. BEGIN and COMMIT do not pass through gorm
// callbacks: each transaction adds two round trips to queries/op.
type benchSQLCounter struct {
	n atomic.Int64

	mu sync.Mutex
	// txs holds every transaction seen, which also keeps them alive so
	// that a new one cannot reuse an address.
	txs    map[*sql.Tx]struct{}
	record bool
	stmts  []benchStmt
}

// benchStmt is one recorded statement and how long it took.
type benchStmt struct {
	sql  string
	took time.Duration
}

func (c *benchSQLCounter) recording() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.record
}

// benchCountSQL registers counting callbacks on db. Register them before the
// service handles concurrent requests: gorm compiles callbacks in place.
func benchCountSQL(tb testing.TB, db *gorm.DB) *benchSQLCounter {
	tb.Helper()
	c := &benchSQLCounter{txs: map[*sql.Tx]struct{}{}}
	start := func(tx *gorm.DB) {
		if c.recording() {
			tx.InstanceSet("bench:start", time.Now())
		}
	}
	seen := func(tx *gorm.DB) {
		c.n.Add(1)
		var took time.Duration
		if t0, ok := tx.InstanceGet("bench:start"); ok {
			took = time.Since(t0.(time.Time))
		}
		sqlTx, inTx := tx.Statement.ConnPool.(*sql.Tx)
		c.mu.Lock()
		defer c.mu.Unlock()
		if inTx {
			c.txs[sqlTx] = struct{}{}
		}
		if c.record {
			where := "outside a transaction"
			if inTx {
				where = "in a transaction"
			}
			c.stmts = append(c.stmts, benchStmt{benchOneLine(tx.Statement.SQL.String()) + "  [" + where + "]", took})
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("bench:start", start),
		cb.Query().Before("gorm:query").Register("bench:start", start),
		cb.Update().Before("gorm:update").Register("bench:start", start),
		cb.Delete().Before("gorm:delete").Register("bench:start", start),
		cb.Row().Before("gorm:row").Register("bench:start", start),
		cb.Raw().Before("gorm:raw").Register("bench:start", start),
		cb.Create().After("gorm:create").Register("bench:count", seen),
		cb.Query().After("gorm:query").Register("bench:count", seen),
		cb.Update().After("gorm:update").Register("bench:count", seen),
		cb.Delete().After("gorm:delete").Register("bench:count", seen),
		cb.Row().After("gorm:row").Register("bench:count", seen),
		cb.Raw().After("gorm:raw").Register("bench:count", seen),
	} {
		if err != nil {
			tb.Fatalf("register gorm callback: %v", err)
		}
	}
	return c
}

var benchSpaces = regexp.MustCompile(`\s+`)

func benchOneLine(s string) string {
	s = benchSpaces.ReplaceAllString(strings.TrimSpace(s), " ")
	if len(s) > 220 {
		s = s[:220] + "…"
	}
	return s
}

func (c *benchSQLCounter) reset() {
	c.n.Store(0)
	c.mu.Lock()
	c.txs = map[*sql.Tx]struct{}{}
	c.mu.Unlock()
}

// logOnce runs fn three times to warm the pool's connections (a cold
// connection plans the access query in tens of milliseconds), then once
// more and logs how many statements it issued; with -v it
// lists them, in order, with their durations (SQL text only, never the
// arguments; without -v the benchmark log would be cut at ten lines).
func (c *benchSQLCounter) logOnce(b *testing.B, what string, fn func()) {
	for range 3 {
		fn()
	}
	c.reset()
	c.mu.Lock()
	c.record, c.stmts = true, nil
	c.mu.Unlock()
	t0 := time.Now()
	fn()
	total := time.Since(t0)
	c.mu.Lock()
	c.record = false
	stmts := c.stmts
	txs := len(c.txs)
	c.mu.Unlock()
	var sb strings.Builder
	var inSQL time.Duration
	for i, s := range stmts {
		fmt.Fprintf(&sb, "\n  %2d. %7.3f ms  %s", i+1, float64(s.took.Microseconds())/1000, s.sql)
		inSQL += s.took
	}
	listing := " (-v lists them)"
	if testing.Verbose() {
		listing = ":" + sb.String()
	}
	b.Logf("%s: %d statements in %d transaction(s) (each adds BEGIN and COMMIT, not counted); request %.3f ms, of which %.3f ms in these statements%s",
		what, len(stmts), txs, float64(total.Microseconds())/1000, float64(inSQL.Microseconds())/1000, listing)
	c.reset()
}

// report adds queries/op and tx/op to the benchmark's result.
func (c *benchSQLCounter) report(b *testing.B) {
	c.mu.Lock()
	txs := len(c.txs)
	c.mu.Unlock()
	b.ReportMetric(float64(c.n.Load())/float64(b.N), "queries/op")
	b.ReportMetric(float64(txs)/float64(b.N), "tx/op")
}

// benchCaseBody is a whole case: identity and contact, two trafficking
// events with encrypted details, the statistical attributes.
const benchCaseBody = `{"sex":"female","citizenship":"KG","region_of_origin":"osh","identification_channel":"hotline",
	"exploitation_types":["forced_labour"],"countries_of_exploitation":["RU","KZ"],"risk_level":"medium",
	"trafficking_events":[{"kind":"recruitment","country":"KG","region":"Osh","year_month":"2024-11","place":"a bazaar","details":"a job offer"},
		{"kind":"exploitation","country":"RU","region":"Moscow","year_month":"2025-03","place":"a market","details":"held for months"}],
	"identity":{"given_name":"Айгүл","family_name":"Токтосунова","birth_date":"1999-04-12","document_number":"ID 1234567",
		"phone":"+996555000111","address":"Osh"}}`

func benchExpectStatus(b *testing.B, rec *httptest.ResponseRecorder, want int) {
	b.Helper()
	if rec.Code != want {
		b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body.Bytes())
	}
}

// BenchmarkCaseRead measures GET /api/v1/cases/{id} by the assigned
// caseworker, in process: authentication, the access check, the case, its
// assignments, events and key, decryption, and the audit entry.
func BenchmarkCaseRead(b *testing.B) {
	env := apitest.New(b)
	tok := env.Token("caseworker@sezim.kg")
	id := fuzzCreatedID(b, fuzzServe(env.Server.Echo, http.MethodPost, "/api/v1/cases", tok, "application/json", []byte(benchCaseBody), nil))
	benchRequests(b, env, "GET /api/v1/cases/{id}", "/api/v1/cases/"+id, tok, nil, http.StatusOK)
}

// BenchmarkCaseList measures GET /api/v1/cases?limit=50 by a supervisor of
// an organization holding at least 200 cases.
func BenchmarkCaseList(b *testing.B) {
	env := apitest.New(b)
	worker := env.Token("caseworker@sezim.kg")
	const orgCases = `SELECT count(*) FROM cases WHERE owner_organization_id = (SELECT organization_id FROM users WHERE email = 'supervisor@sezim.kg')`
	for n := env.DB.Count(b, orgCases); n < 200; n++ {
		fuzzCreatedID(b, fuzzServe(env.Server.Echo, http.MethodPost, "/api/v1/cases", worker, "application/json", []byte(benchCaseBody), nil))
	}
	const path = "/api/v1/cases?limit=50"
	benchRequests(b, env, "GET "+path, path, env.Token("supervisor@sezim.kg"), nil, http.StatusOK)
	b.ReportMetric(float64(env.DB.Count(b, orgCases)), "org-cases")
}

// BenchmarkCaseCreate measures POST /api/v1/cases with a whole case.
func BenchmarkCaseCreate(b *testing.B) {
	env := apitest.New(b)
	benchRequests(b, env, "POST /api/v1/cases", "/api/v1/cases", env.Token("caseworker@sezim.kg"), []byte(benchCaseBody), http.StatusCreated)
}

// benchRequests logs the statements one request runs, then measures the
// request (a POST of body when body is set, a GET otherwise) as tok until
// b stops: every answer must be want.
func benchRequests(b *testing.B, env *apitest.Env, label, path, tok string, body []byte, want int) {
	h := env.Server.Echo
	method, ct := http.MethodGet, ""
	if body != nil {
		method, ct = http.MethodPost, "application/json"
	}
	sqlc := benchCountSQL(b, env.DB.App)
	sqlc.logOnce(b, label, func() {
		benchExpectStatus(b, fuzzServe(h, method, path, tok, ct, body, nil), want)
	})
	b.ReportAllocs()
	for b.Loop() {
		if rec := fuzzServe(h, method, path, tok, ct, body, nil); rec.Code != want {
			b.Fatalf("%s: %d %s", label, rec.Code, rec.Body.Bytes())
		}
	}
	sqlc.report(b)
}
