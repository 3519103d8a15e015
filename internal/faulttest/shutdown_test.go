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
	workers, loadFor := 6, 1500*time.Millisecond
	if *longRun {
		workers, loadFor = 12, 6*time.Second
	}
	const slowCreates = 3
	db := startCluster(t)
	srv := newServer(t, db)
	api := newClient(t, srv.URL, workers+slowCreates)
	ctx := context.Background()

	type result struct {
		what   string
		wrote  time.Time // when the whole request had been sent
		done   time.Time
		status int
		err    error
		caseID string
	}
	var (
		mu      sync.Mutex
		results []*result
		stop    atomic.Bool
	)
	traced := func(r *result) context.Context {
		return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) {
				mu.Lock()
				r.wrote = time.Now()
				mu.Unlock()
			},
		})
	}
	finish := func(r *result, status int, err error) {
		mu.Lock()
		r.done, r.status, r.err = time.Now(), status, err
		results = append(results, r)
		mu.Unlock()
	}

	// Steady load: create a case, read it back.
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load() && i < 100000; i++ {
				r := &result{what: "create"}
				status, id, _, err := api.createCase(traced(r), fmt.Sprintf("sigterm-%d-%d", w, i), caseBody(w*100000+i))
				r.caseID = id
				finish(r, status, err)
				if err != nil {
					return // the server has closed its listener
				}
				if id == "" {
					continue
				}
				r = &result{what: "read"}
				res, _, err := api.do(traced(r), http.MethodGet, "/api/v1/cases/"+id, nil, nil)
				status = 0
				if res != nil {
					status = res.StatusCode
				}
				finish(r, status, err)
				if err != nil {
					return
				}
			}
		})
	}

	// Creates whose body is half sent when the signal comes: the process
	// has accepted them and must wait for the rest and answer.
	ready := make(chan struct{}, slowCreates)
	release := make(chan struct{})
	for n := range slowCreates {
		wg.Go(func() {
			body := caseBody(900000 + n)
			pr, pw := io.Pipe()
			go func() {
				_, _ = pw.Write(body[:len(body)/2])
				ready <- struct{}{}
				<-release
				_, _ = pw.Write(body[len(body)/2:])
				_ = pw.Close()
			}()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/v1/cases", pr)
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+api.token)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("sigterm-slow-%d", n))
			r := &result{what: "slow create"}
			res, err := api.http.Do(req)
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
			finish(r, status, err)
		})
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
	stop.Store(true)
	wg.Wait()
	if srv.err != nil {
		t.Errorf("the process exited with %v after SIGTERM, want status 0", srv.err)
	}
	t.Logf("exited %v after SIGTERM", exitAfter.Round(time.Millisecond))

	// Requests fully sent at least 100 ms before the signal and not yet
	// answered were in the server's hands: they must have been answered.
	margin := now.Add(-100 * time.Millisecond)
	var inFlight, answered, slow, refusedAfter int
	ids := map[string]bool{}
	for _, r := range results {
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

	// Every acknowledged case is stored.
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
