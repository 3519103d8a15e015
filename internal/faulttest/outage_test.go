package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDatabaseOutage_NoAcknowledgedCaseLostOrDoubled has writers create
// cases through the API, each logical case under its own Idempotency-Key
// and retried under that key until the API acknowledges it with 201, while
// PostgreSQL is stopped in immediate mode and restarted several times. The
// API must answer 503 (never 500) while the database is gone and serve
// again after each restart without being restarted itself; afterwards every
// logical case exists exactly once, under the id its 201 named.
func TestDatabaseOutage_NoAcknowledgedCaseLostOrDoubled(t *testing.T) {
	t.Parallel()
	outages, writers, up, down := 3, 4, 1500*time.Millisecond, 1500*time.Millisecond
	if *longRun {
		outages, writers, up, down = 12, 8, 3*time.Second, 4*time.Second
	}
	db := startCluster(t)
	metricsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	srv := newServer(t, db, "JARDAM_METRICS_LISTEN="+metricsAddr)
	pid := srv.cmd.Process.Pid
	load := &outageLoad{api: newClient(t, srv.URL, writers),
		// Writers stop starting new cases when the outages are over; a case
		// already started is retried until acknowledged or until the hard
		// deadline, which only a broken API reaches.
		hard: time.Now().Add(time.Duration(outages)*(up+down) + 90*time.Second)}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { load.write(w) })
	}
	for range outages {
		time.Sleep(up)
		before := load.seen.get("201")
		load.downNow.Store(true)
		db.stop("immediate")
		time.Sleep(down)
		db.start()
		load.downNow.Store(false)
		if !waitFor(20*time.Second, func() bool { return load.seen.get("201") > before }) {
			t.Errorf("no case acknowledged within 20 s of PostgreSQL's restart (process not restarted): %s", load.seen.String())
		}
	}
	time.Sleep(up)
	load.stop.Store(true)
	wg.Wait()

	t.Logf("%d outages; outcomes: %s", outages, load.seen.String())
	if !srv.running() || srv.cmd.Process.Pid != pid {
		t.Fatalf("the API process exited during the test: %v", srv.err)
	}
	load.assertOnly201Or503(t, srv)
	ids := load.acknowledged(t)
	if len(ids) < outages {
		t.Fatalf("only %d cases acknowledged; the load did not run", len(ids))
	}
	assertStoredOnce(t, db, ids)
	// ... and reads back through the API.
	for id, key := range ids {
		res, body, err := load.api.do(context.Background(), http.MethodGet, "/api/v1/cases/"+id, nil, nil)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET case %s (%s): %v %s", id, key, err, statusOf(res, body))
		}
	}
	assertOutageMetrics(t, load.api, metricsAddr, ids)
}

// outageLoad is writers creating cases until stop, each retried under its
// Idempotency-Key until the API acknowledges it.
type outageLoad struct {
	api  *client
	hard time.Time
	stop atomic.Bool
	// downNow is true while PostgreSQL is stopped; 503 answers are
	// counted apart then.
	downNow atomic.Bool
	seen    tally

	mu    sync.Mutex
	cases []*logicalCase
	bugs  []string
}

// logicalCase is one case a writer means to create.
type logicalCase struct {
	key string
	id  string // the id of the 201 answer
}

// write creates cases as writer w until stop.
func (l *outageLoad) write(w int) {
	for i := 0; !l.stop.Load() && i < 100000; i++ {
		lc := &logicalCase{key: fmt.Sprintf("faulttest-%d-%d", w, i)}
		body := caseBody(w*100000 + i)
		for lc.id == "" && time.Now().Before(l.hard) {
			status, id, resBody, err := l.api.createCase(context.Background(), lc.key, body)
			if status == http.StatusCreated && err == nil {
				lc.id = id
				l.seen.add("201")
				continue
			}
			l.count(lc.key, status, resBody, err)
			time.Sleep(50 * time.Millisecond)
		}
		l.mu.Lock()
		l.cases = append(l.cases, lc)
		l.mu.Unlock()
	}
}

// count tallies an answer other than 201 and keeps it as a bug when it is
// neither a transport error nor a 503 with the unavailable problem type.
func (l *outageLoad) count(key string, status int, body []byte, err error) {
	switch {
	case err != nil:
		l.seen.add("transport error")
	case status == http.StatusServiceUnavailable:
		if !strings.Contains(string(body), `"urn:jardam:problem:unavailable"`) {
			l.mu.Lock()
			l.bugs = append(l.bugs, fmt.Sprintf("%s: 503 without the unavailable problem type: %s", key, body))
			l.mu.Unlock()
		}
		if l.downNow.Load() {
			l.seen.add("503 while down")
		} else {
			l.seen.add("503 while up")
		}
	default:
		l.seen.add(fmt.Sprint(status))
		l.mu.Lock()
		if len(l.bugs) < 10 {
			l.bugs = append(l.bugs, fmt.Sprintf("%s: %d %s", key, status, body))
		}
		l.mu.Unlock()
	}
}

// assertOnly201Or503: the API answered 503 while PostgreSQL was stopped,
// and nothing but 201 and 503 otherwise.
func (l *outageLoad) assertOnly201Or503(t *testing.T, srv *server) {
	if l.seen.get("503 while down") == 0 {
		t.Errorf("the API never answered 503 while PostgreSQL was stopped: %s", l.seen.String())
	}
	for _, b := range l.bugs {
		t.Errorf("answer other than 201 or 503: %s", b)
	}
	if len(l.bugs) > 0 {
		for _, line := range srv.logLines(`"request failed"`) {
			t.Logf("server: %s", line)
		}
	}
}

// acknowledged checks that every logical case was acknowledged, under its
// own id, and returns the keys by id.
func (l *outageLoad) acknowledged(t *testing.T) map[string]string {
	ids := map[string]string{}
	for _, lc := range l.cases {
		if lc.id == "" {
			t.Errorf("%s was never acknowledged", lc.key)
			continue
		}
		if prev, dup := ids[lc.id]; dup {
			t.Errorf("%s and %s were acknowledged with the same case id %s", prev, lc.key, lc.id)
		}
		ids[lc.id] = lc.key
	}
	return ids
}

// assertStoredOnce: each acknowledged case exists once in the database
// (seeded without cases, so every case there came from a writer), with one
// idempotency key each.
func assertStoredOnce(t *testing.T, db *cluster, ids map[string]string) {
	ctx := context.Background()
	su := db.superuser(ctx)
	rows, err := su.Query(ctx, `SELECT id::text FROM cases`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, key := range ids {
		if stored[id] != 1 {
			t.Errorf("case %s (%s), acknowledged with 201, is stored %d times", id, key, stored[id])
		}
	}
	if len(stored) != len(ids) {
		t.Errorf("%d cases stored for %d logical cases: a retry created a second case", len(stored), len(ids))
	}
	var keys int
	if err := su.QueryRow(ctx, `SELECT count(*) FROM idempotency_keys WHERE route = 'POST /api/v1/cases'`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != len(ids) {
		t.Errorf("%d idempotency keys stored for %d logical cases", keys, len(ids))
	}
}

// assertOutageMetrics: the operators' metrics saw the outage, by route
// template, and carry no case id nor any identity field; the API's address
// serves none.
func assertOutageMetrics(t *testing.T, api *client, metricsAddr string, ids map[string]string) {
	res, body, err := api.do(context.Background(), http.MethodGet, "/metrics", nil, nil)
	if err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the API's address: %v %s, want 404", err, statusOf(res, body))
	}
	res, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	scraped, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %v %d", err, res.StatusCode)
	}
	out := string(scraped)
	for _, want := range []string{
		`jardam_http_requests_total{method="POST",route="/api/v1/cases",status="201"}`,
		`jardam_http_requests_total{method="POST",route="/api/v1/cases",status="503"}`,
		`jardam_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"}`,
		`jardam_http_request_duration_seconds_bucket{code_class="2xx",method="POST",route="/api/v1/cases",le="0.1"}`,
		`go_sql_open_connections{db_name="jardam"}`,
		"jardam_outbox_pending ",
		"jardam_audit_unlinked_entries ",
		`jardam_job_last_success_timestamp_seconds{job="dormant_accounts"}`,
		`jardam_job_last_run_failed{job="stats_warm"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The background jobs ran through the outages: the audit linker's
	// failed passes are counted, and so are its passes since.
	for _, outcome := range []string{"ok", "error"} {
		m := regexp.MustCompile(`jardam_job_runs_total\{job="audit_link",outcome="` + outcome + `"\} (\d+)`).FindStringSubmatch(out)
		if m == nil || m[1] == "0" {
			t.Errorf("the audit linker's %s runs are not counted: %v", outcome, m)
		}
	}
	for id := range ids {
		if strings.Contains(out, id) {
			t.Fatalf("metrics carry the case id %s", id)
		}
	}
	for _, leak := range []string{"Токтосунова", "faulttest-", "Bearer"} {
		if strings.Contains(out, leak) {
			t.Errorf("metrics carry %q", leak)
		}
	}
}

// tally counts outcomes by name, safe for concurrent use.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *tally) add(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[name]++
}

func (t *tally) get(name string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[name]
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprint(t.n)
}
