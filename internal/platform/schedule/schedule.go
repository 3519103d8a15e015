// Package schedule runs the service's background work in one place: each
// job is a step run on its own interval by one goroutine, again at once
// while it works through a backlog, and its runs, failures, items and last
// outcome are counted for the operators' /metrics. A job that keeps failing
// (every second while the primary database is away, say) is logged at its
// first failure and at its recovery, not at every run; /metrics counts
// every failed run. A job that must run once
// across replicas takes its own PostgreSQL advisory lock inside its step
// (database.OncePerDay), so the scheduler itself holds no shared state.
package schedule

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Step does one run of a job and says how many items it handled. Its error
// is logged with the job's name; it must carry no personal data.
type Step func(ctx context.Context) (items int, err error)

// Job is a step and when to run it.
type Job struct {
	// Name labels the job's log lines and metrics (snake_case).
	Name string
	// Every is the pause between runs.
	Every time.Duration
	// Backlog, when positive, runs the step again at once after a run that
	// handled at least this many items (a full batch: more are waiting).
	Backlog int
	Step    Step
}

// Scheduler runs jobs and keeps their counts. It is a prometheus.Collector.
type Scheduler struct {
	log  *slog.Logger
	jobs []Job
	mu   sync.Mutex
	runs map[string]*record
}

// record is what one process knows of a job's runs.
type record struct {
	ok, failed  uint64
	items       uint64
	lastRun     time.Time
	lastSuccess time.Time
	lastTook    time.Duration
	lastFailed  bool
	// streak counts the failed runs since the last success; failingSince
	// is when the first of them started.
	streak       uint64
	failingSince time.Time
}

// New returns a scheduler of jobs.
func New(log *slog.Logger, jobs ...Job) *Scheduler {
	s := &Scheduler{log: log, jobs: jobs, runs: map[string]*record{}}
	for _, j := range jobs {
		s.runs[j.Name] = &record{}
	}
	return s
}

// Start runs every job, the first run at once, until the returned function
// is called; that function waits for the running steps to end.
func (s *Scheduler) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		wg.Go(func() { s.loop(ctx, j) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.run(ctx, j)
		if err == nil && j.Backlog > 0 && n >= j.Backlog {
			t.Reset(0)
		} else {
			t.Reset(j.Every)
		}
	}
}

// run runs j's step once and records the outcome. The first failure after
// a success (or the first run) is logged as a warning, a success after
// failures as the recovery; the failures between are logged at debug level
// only. A run ended by ctx is neither.
func (s *Scheduler) run(ctx context.Context, j Job) (int, error) {
	start := time.Now()
	n, err := j.Step(ctx)
	took := time.Since(start)
	if err != nil && ctx.Err() != nil {
		return n, err // stopped, not failed
	}
	s.mu.Lock()
	r := s.runs[j.Name]
	streak, since := r.streak, r.failingSince
	r.lastRun, r.lastTook, r.lastFailed = start, took, err != nil
	if err != nil {
		r.failed++
		if r.streak == 0 {
			r.failingSince = start
		}
		r.streak++
	} else {
		r.ok++
		r.lastSuccess = start
		r.items += uint64(max(n, 0))
		r.streak, r.failingSince = 0, time.Time{}
	}
	s.mu.Unlock()
	s.logOutcome(ctx, j.Name, err, streak, since, start)
	return n, err
}

// logOutcome logs a run that failed (err) or succeeded, given the failed
// runs before it (streak, the first at since).
func (s *Scheduler) logOutcome(ctx context.Context, job string, err error, streak uint64, since, now time.Time) {
	switch {
	case err != nil && streak == 0:
		s.log.WarnContext(ctx, "background job failed", slog.String("job", job), slog.String("error", err.Error()))
	case err != nil:
		s.log.DebugContext(ctx, "background job still failing", slog.String("job", job), slog.String("error", err.Error()),
			slog.Uint64("failed_runs", streak+1))
	case streak > 0:
		s.log.InfoContext(ctx, "background job recovered", slog.String("job", job), slog.Uint64("failed_runs", streak),
			slog.Duration("failing_for", now.Sub(since).Round(time.Millisecond)))
	}
}

var (
	descRuns = prometheus.NewDesc("jardam_job_runs_total",
		"Runs of a background job by this process, by outcome.", []string{"job", "outcome"}, nil)
	descItems = prometheus.NewDesc("jardam_job_items_total",
		"Items a background job handled in its successful runs (entries linked, notifications sent, accounts disabled...).", []string{"job"}, nil)
	descLastRun = prometheus.NewDesc("jardam_job_last_run_timestamp_seconds",
		"When this process last ran the job (0: not yet).", []string{"job"}, nil)
	descLastSuccess = prometheus.NewDesc("jardam_job_last_success_timestamp_seconds",
		"When a run of the job last succeeded in this process (0: not yet).", []string{"job"}, nil)
	descLastFailed = prometheus.NewDesc("jardam_job_last_run_failed",
		"1 when the job's last run failed, 0 when it succeeded or has not run.", []string{"job"}, nil)
	descLastTook = prometheus.NewDesc("jardam_job_last_run_duration_seconds",
		"How long the job's last run took.", []string{"job"}, nil)
	descStreak = prometheus.NewDesc("jardam_job_consecutive_failures",
		"Failed runs of the job since its last success in this process (0 when its last run succeeded).", []string{"job"}, nil)
)

// Describe implements prometheus.Collector.
func (s *Scheduler) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRuns, descItems, descLastRun, descLastSuccess, descLastFailed, descLastTook, descStreak} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Scheduler) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamp := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	}
	for name, r := range s.runs {
		failed := 0.0
		if r.lastFailed {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(r.ok), name, "ok")
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(r.failed), name, "error")
		ch <- prometheus.MustNewConstMetric(descItems, prometheus.CounterValue, float64(r.items), name)
		ch <- prometheus.MustNewConstMetric(descLastRun, prometheus.GaugeValue, stamp(r.lastRun), name)
		ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue, stamp(r.lastSuccess), name)
		ch <- prometheus.MustNewConstMetric(descLastFailed, prometheus.GaugeValue, failed, name)
		ch <- prometheus.MustNewConstMetric(descLastTook, prometheus.GaugeValue, r.lastTook.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(descStreak, prometheus.GaugeValue, float64(r.streak), name)
	}
}
