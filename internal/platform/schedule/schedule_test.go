package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
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

// A job that fails run after run (every second while the primary database
// is away) is logged once when it starts failing and once when it recovers,
// with how many runs failed; every failed run is counted on the metrics,
// and the failures since the last success show while it fails.
func TestRepeatedFailuresLoggedOnceAndTheRecovery(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var runs, failing atomic.Int64
	failing.Store(1)
	flaky := schedule.Job{Name: "flaky", Every: 5 * time.Millisecond, Step: func(context.Context) (int, error) {
		runs.Add(1)
		if failing.Load() == 1 {
			return 0, errors.New("the primary is away")
		}
		return 1, nil
	}}
	s := schedule.New(log, flaky)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	stop := s.Start(context.Background())
	defer stop()
	waitRuns := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); runs.Load() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d runs in 5 s, want %d", runs.Load(), n)
			}
		}
	}
	waitRuns(10)
	if streak := gaugeOf(t, reg, "jardam_job_consecutive_failures", "flaky"); streak < 10 {
		t.Errorf("consecutive failures on the metrics while failing: %v, want at least 10", streak)
	}
	failing.Store(0)
	n := runs.Load()
	waitRuns(n + 3)
	stop()
	_, failed := runsOf(t, reg, "flaky")
	if failed < 10 {
		t.Errorf("failed runs on the metrics: %v, want every one of at least 10", failed)
	}
	if got := strings.Count(logs.String(), `msg="background job failed" job=flaky`); got != 1 {
		t.Errorf("%d failure lines for %v failed runs, want 1:\n%s", got, failed, logs.String())
	}
	recovered := regexp.MustCompile(`msg="background job recovered" job=flaky failed_runs=(\d+) failing_for=`).FindAllStringSubmatch(logs.String(), -1)
	if len(recovered) != 1 || recovered[0][1] != strconv.Itoa(int(failed)) {
		t.Errorf("recovery lines %q, want one naming %v failed runs:\n%s", recovered, failed, logs.String())
	}
	if streak := gaugeOf(t, reg, "jardam_job_consecutive_failures", "flaky"); streak != 0 {
		t.Errorf("consecutive failures after the recovery: %v, want 0", streak)
	}
}

// gaugeOf reads the gauge name of job.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name, job string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" && l.GetValue() == job {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{job=%q} on the metrics", name, job)
	return 0
}
