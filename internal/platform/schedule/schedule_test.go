package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jardam-kg/jardam/internal/platform/schedule"
)

// A job with a backlog runs again at once until it is worked off, then
// waits its interval; a failing job is counted, logged by name and tried
// again on its interval; both show on the metrics; stop waits for them.
func TestJobsRunCountAndStop(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var backlog atomic.Int64
	backlog.Store(25) // 10 per run: 10, 10, 5, then nothing
	var drainRuns, failRuns atomic.Int64
	drain := schedule.Job{Name: "drain", Every: time.Hour, Backlog: 10, Step: func(context.Context) (int, error) {
		drainRuns.Add(1)
		n := min(backlog.Load(), 10)
		backlog.Add(-n)
		return int(n), nil
	}}
	fail := schedule.Job{Name: "fail", Every: 20 * time.Millisecond, Step: func(context.Context) (int, error) {
		failRuns.Add(1)
		return 0, errors.New("the database is away")
	}}
	s := schedule.New(log, drain, fail)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	stop := s.Start(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for (backlog.Load() > 0 || failRuns.Load() < 3) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	stop()
	if backlog.Load() != 0 || drainRuns.Load() != 3 {
		t.Fatalf("backlog %d left after %d runs, want 0 after 3 (then a wait of an hour)", backlog.Load(), drainRuns.Load())
	}
	if failRuns.Load() < 3 {
		t.Fatalf("the failing job ran %d times, want it retried on its interval", failRuns.Load())
	}
	if !strings.Contains(logs.String(), "job=fail") || !strings.Contains(logs.String(), "the database is away") {
		t.Errorf("the failure is not logged by name:\n%s", logs.String())
	}
	want := `
# HELP jardam_job_items_total Items a background job handled in its successful runs (entries linked, notifications sent, accounts disabled...).
# TYPE jardam_job_items_total counter
jardam_job_items_total{job="drain"} 25
jardam_job_items_total{job="fail"} 0
# HELP jardam_job_last_run_failed 1 when the job's last run failed, 0 when it succeeded or has not run.
# TYPE jardam_job_last_run_failed gauge
jardam_job_last_run_failed{job="drain"} 0
jardam_job_last_run_failed{job="fail"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "jardam_job_items_total", "jardam_job_last_run_failed"); err != nil {
		t.Error(err)
	}
	if ok, failed := runsOf(t, reg, "drain"); ok != 3 || failed != 0 {
		t.Errorf("drain's runs on the metrics: %v ok, %v failed; want 3 and 0", ok, failed)
	}
	if ok, failed := runsOf(t, reg, "fail"); ok != 0 || failed < 3 {
		t.Errorf("fail's runs on the metrics: %v ok, %v failed", ok, failed)
	}
	n := failRuns.Load()
	time.Sleep(60 * time.Millisecond)
	if failRuns.Load() != n {
		t.Error("a job ran after stop returned")
	}
}

// runsOf reads jardam_job_runs_total of job by outcome.
func runsOf(t *testing.T, reg *prometheus.Registry, job string) (ok, failed float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "jardam_job_runs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] != job {
				continue
			}
			if labels["outcome"] == "ok" {
				ok = m.GetCounter().GetValue()
			} else {
				failed = m.GetCounter().GetValue()
			}
		}
	}
	return ok, failed
}
