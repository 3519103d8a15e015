package faulttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERM_InFlightRequestsCompleteAndProcessExits sends SIGTERM to a
// serving process under load. Requests the process had already received
// must complete with their normal answer (including creates whose body is
// still arriving when the signal comes), every case acknowledged with 201
// exists, and the process exits with status 0 within 10 s.
func TestSIGTERM_InFlightRequestsCompleteAndProcessExits(t *testing.T) {
	t.Parallel()
	workers, loadFor := 6, 1500*time.Millisecond
	if *longRun {
		workers, loadFor = 12, 6*time.Second
	}
	const slowCreates = 3
	db := startCluster(t)
	srv := newServer(t, db)
	load := &sigtermLoad{api: newClient(t, srv.URL, workers+slowCreates), url: srv.URL}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { load.steady(w) })
	}
	// Creates whose body is half sent when the signal comes: the process
	// has accepted them and must wait for the rest and answer.
	ready := make(chan struct{}, slowCreates)
	release := make(chan struct{})
	for n := range slowCreates {
		wg.Go(func() { load.slowCreate(t, n, ready, release) })
	}
	for range slowCreates {
		<-ready
	}

	time.Sleep(loadFor)
	// Let the half-sent bodies reach the server's handlers.
	time.Sleep(200 * time.Millisecond)
	now := time.Now()
	srv.signal(syscall.SIGTERM)
	time.Sleep(500 * time.Millisecond)
	close(release)

	select {
	case <-srv.exited:
	case <-time.After(10*time.Second - time.Since(now)):
		t.Fatalf("the process had not exited 10 s after SIGTERM")
	}
	exitAfter := time.Since(now)
	load.stop.Store(true)
	wg.Wait()
	if srv.err != nil {
		t.Errorf("the process exited with %v after SIGTERM, want status 0", srv.err)
	}
	t.Logf("exited %v after SIGTERM", exitAfter.Round(time.Millisecond))

	ids := load.assertInFlightAnswered(t, now, workers, slowCreates)
	// Every acknowledged case is stored.
	ctx := context.Background()
	su := db.superuser(ctx)
	for id := range ids {
		var n int
		if err := su.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("case %s was acknowledged with 201 but is stored %d times", id, n)
		}
	}
	if len(srv.logLines(`"stopped"`)) == 0 {
		t.Errorf("the process did not log that it stopped cleanly")
	}
}

// sigtermResult is one request of the load and how it ended.
type sigtermResult struct {
	what   string
	wrote  time.Time // when the whole request had been sent
	done   time.Time
	status int
	err    error
	caseID string
}

// sigtermLoad is the requests sent to the process, and what became of
// them.
type sigtermLoad struct {
	api     *client
	url     string
	stop    atomic.Bool
	mu      sync.Mutex
	results []*sigtermResult
}

// traced returns a context that notes in r when the request was sent.
func (l *sigtermLoad) traced(r *sigtermResult) context.Context {
	return httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			l.mu.Lock()
			r.wrote = time.Now()
			l.mu.Unlock()
		},
	})
}

// finish notes how r ended and keeps it.
func (l *sigtermLoad) finish(r *sigtermResult, status int, err error) {
	l.mu.Lock()
	r.done, r.status, r.err = time.Now(), status, err
	l.results = append(l.results, r)
	l.mu.Unlock()
}

// steady creates a case and reads it back, as worker w, until stop or
// until the server closes its listener.
func (l *sigtermLoad) steady(w int) {
	for i := 0; !l.stop.Load() && i < 100000; i++ {
		r := &sigtermResult{what: "create"}
		status, id, _, err := l.api.createCase(l.traced(r), fmt.Sprintf("sigterm-%d-%d", w, i), caseBody(w*100000+i))
		r.caseID = id
		l.finish(r, status, err)
		if err != nil {
			return // the server has closed its listener
		}
		if id == "" {
			continue
		}
		r = &sigtermResult{what: "read"}
		res, _, err := l.api.do(l.traced(r), http.MethodGet, "/api/v1/cases/"+id, nil, nil)
		status = 0
		if res != nil {
			status = res.StatusCode
		}
		l.finish(r, status, err)
		if err != nil {
			return
		}
	}
}

// slowCreate sends the first half of a create's body, signals ready, and
// sends the rest once release is closed.
func (l *sigtermLoad) slowCreate(t *testing.T, n int, ready chan<- struct{}, release <-chan struct{}) {
	body := caseBody(900000 + n)
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(body[:len(body)/2])
		ready <- struct{}{}
		<-release
		_, _ = pw.Write(body[len(body)/2:])
		_ = pw.Close()
	}()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, l.url+"/api/v1/cases", pr)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.api.token)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("sigterm-slow-%d", n))
	r := &sigtermResult{what: "slow create"}
	res, err := l.api.http.Do(req)
	status := 0
	if err == nil {
		var b []byte
		b, err = io.ReadAll(res.Body)
		_ = res.Body.Close()
		status = res.StatusCode
		if status == http.StatusCreated {
			r.caseID = caseIDOf(b)
		}
	}
	l.finish(r, status, err)
}

// assertInFlightAnswered checks the results against the signal at now:
// requests fully sent at least 100 ms before it and not yet answered were
// in the server's hands and must have been answered; the slow creates
// answered 201; nothing answered 5xx. It returns the ids of the cases
// acknowledged with 201.
func (l *sigtermLoad) assertInFlightAnswered(t *testing.T, now time.Time, workers, slowCreates int) map[string]bool {
	margin := now.Add(-100 * time.Millisecond)
	var inFlight, answered, slow, refusedAfter int
	ids := map[string]bool{}
	for _, r := range l.results {
		if r.status == http.StatusCreated && r.caseID != "" {
			ids[r.caseID] = true
		}
		if r.what == "slow create" {
			slow++
			if r.err != nil || r.status != http.StatusCreated {
				t.Errorf("a create whose body was arriving at SIGTERM: %v status %d, want 201", r.err, r.status)
			}
			continue
		}
		if r.err == nil && r.status >= 500 {
			t.Errorf("%s answered %d", r.what, r.status)
		}
		if !r.wrote.IsZero() && r.wrote.Before(margin) && r.done.After(now) {
			inFlight++
			if r.err != nil || r.status/100 != 2 {
				t.Errorf("%s in flight at SIGTERM: %v status %d, want it answered", r.what, r.err, r.status)
			}
		}
		if r.err == nil {
			answered++
		} else if r.wrote.IsZero() || !r.wrote.Before(now) {
			refusedAfter++
		}
	}
	t.Logf("%d answered, %d in flight at SIGTERM, %d creates with a body arriving at SIGTERM, %d refused after it", answered, inFlight, slow, refusedAfter)
	if slow != slowCreates {
		t.Errorf("%d slow creates finished, want %d", slow, slowCreates)
	}
	if answered < workers {
		t.Errorf("only %d requests answered: the load did not run", answered)
	}
	return ids
}
