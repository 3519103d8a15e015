package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
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
	outages, writers, up, down := 3, 4, 1500*time.Millisecond, 1500*time.Millisecond
	if *longRun {
		outages, writers, up, down = 12, 8, 3*time.Second, 4*time.Second
	}
	db := startCluster(t)
	metricsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	srv := newServer(t, db, "JARDAM_METRICS_LISTEN="+metricsAddr)
	pid := srv.cmd.Process.Pid
	api := newClient(t, srv.URL, writers)

	type logical struct {
		key string
		id  string // the id of the 201 answer
	}
	var (
		mu    sync.Mutex
		cases []*logical
		seen  tally
		stop  atomic.Bool
		// downNow is true while PostgreSQL is stopped; 503 answers are
		// counted apart then.
		downNow atomic.Bool
		bugs    []string
	)
	// Writers stop starting new cases when the outages are over; a case
	// already started is retried until acknowledged or until the hard
	// deadline, which only a broken API reaches.
	hard := time.Now().Add(time.Duration(outages)*(up+down) + 90*time.Second)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; !stop.Load() && i < 100000; i++ {
				lc := &logical{key: fmt.Sprintf("faulttest-%d-%d", w, i)}
				body := caseBody(w*100000 + i)
				for lc.id == "" && time.Now().Before(hard) {
					status, id, resBody, err := api.createCase(ctx, lc.key, body)
					switch {
					case err != nil:
						seen.add("transport error")
					case status == http.StatusCreated:
						lc.id = id
						seen.add("201")
						continue
					case status == http.StatusServiceUnavailable:
						if !strings.Contains(string(resBody), `"urn:jardam:problem:unavailable"`) {
							mu.Lock()
							bugs = append(bugs, fmt.Sprintf("%s: 503 without the unavailable problem type: %s", lc.key, resBody))
							mu.Unlock()
						}
						if downNow.Load() {
							seen.add("503 while down")
						} else {
							seen.add("503 while up")
						}
					default:
						seen.add(fmt.Sprint(status))
						mu.Lock()
						if len(bugs) < 10 {
							bugs = append(bugs, fmt.Sprintf("%s: %d %s", lc.key, status, resBody))
						}
						mu.Unlock()
					}
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				cases = append(cases, lc)
				mu.Unlock()
			}
		})
	}

	for range outages {
		time.Sleep(up)
		before := seen.get("201")
		downNow.Store(true)
		db.stop("immediate")
		time.Sleep(down)
		db.start()
		downNow.Store(false)
		if !waitFor(20*time.Second, func() bool { return seen.get("201") > before }) {
			t.Errorf("no case acknowledged within 20 s of PostgreSQL's restart (process not restarted): %s", seen.String())
		}
	}
	time.Sleep(up)
	stop.Store(true)
	wg.Wait()

	t.Logf("%d outages; outcomes: %s", outages, seen.String())
	if !srv.running() || srv.cmd.Process.Pid != pid {
		t.Fatalf("the API process exited during the test: %v", srv.err)
	}
	if seen.get("503 while down") == 0 {
		t.Errorf("the API never answered 503 while PostgreSQL was stopped: %s", seen.String())
	}
	for _, b := range bugs {
		t.Errorf("answer other than 201 or 503: %s", b)
	}
	if len(bugs) > 0 {
		for _, l := range srv.logLines(`"request failed"`) {
			t.Logf("server: %s", l)
		}
	}

	// Every logical case was acknowledged, under its own id.
	ids := map[string]string{}
	for _, lc := range cases {
		if lc.id == "" {
			t.Errorf("%s was never acknowledged", lc.key)
			continue
		}
		if prev, dup := ids[lc.id]; dup {
			t.Errorf("%s and %s were acknowledged with the same case id %s", prev, lc.key, lc.id)
		}
		ids[lc.id] = lc.key
	}
	if len(ids) < outages {
		t.Fatalf("only %d cases acknowledged; the load did not run", len(ids))
	}

	// Each exists once in the database (seeded without cases, so every
	// case there came from a writer) ...
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

	// ... and reads back through the API.
	for id, key := range ids {
		res, body, err := api.do(ctx, http.MethodGet, "/api/v1/cases/"+id, nil, nil)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET case %s (%s): %v %s", id, key, err, statusOf(res, body))
		}
	}

	// The operators' metrics saw the outage, by route template, and carry
	// no case id nor any identity field; the API's address serves none.
	res, body, err := api.do(ctx, http.MethodGet, "/metrics", nil, nil)
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
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
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
