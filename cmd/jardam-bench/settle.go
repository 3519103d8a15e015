package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// A flow is measured on a settled server: one whose background work is not
// running beside the flow's requests. Just started, the server warms the
// statistical releases (seconds at 100 000 cases, minutes at a million) and
// the audit linker makes its first full pass; after a flow, the linker
// still chains the flow's last audit entries. Measured without waiting,
// that work lands on whichever flow comes next, by the order of -flows
// rather than by what the flow costs. The background work itself is a cost
// of the service, paid once at start and in the linker's batches; the
// time each flow waited for it is reported (settle_ms).

// settleLimit bounds the wait: the first warm-up at a million cases takes
// minutes.
const settleLimit = 30 * time.Minute

// settleQuiet is how long the audit linker's count of linked entries must
// stay the same: more than its interval (a second) and its pass.
const settleQuiet = 2 * time.Second

// settle waits until every background job of the server has run at least
// once, no audit entry is left unlinked, and the audit linker has linked
// none for settleQuiet, reading the server's /metrics
// (jardam_job_runs_total, jardam_audit_unlinked_entries,
// jardam_job_items_total). It returns how long it waited. A job's later
// runs may still fall in a flow: the statistics warm-up every ten minutes
// (which finds the stored releases current unless the flow before changed
// cases), the linker's batches of the flow's own entries.
func (s *server) settle(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	linked, firstLinked := -1.0, -1.0
	quietSince := start
	for {
		j, err := s.jobs(ctx)
		if err != nil {
			return time.Since(start), err
		}
		if firstLinked < 0 {
			firstLinked = j.linked()
		}
		switch {
		case !j.allRan() || j.unlinked > 0:
			linked, quietSince = -1, time.Now()
		case j.linked() != linked:
			linked, quietSince = j.linked(), time.Now()
		case time.Since(quietSince) >= settleQuiet:
			if waited := time.Since(start); waited > 10*time.Second {
				// Say what the wait was for: the jobs whose last run was long.
				var slow []string
				for job, sec := range j.took {
					if sec > 1 {
						slow = append(slow, fmt.Sprintf("%s %.1fs", job, sec))
					}
				}
				slices.Sort(slow)
				if len(slow) == 0 {
					slow = append(slow, "none")
				}
				logf("while waiting, the audit linker linked %.0f entries; jobs whose last run took over a second: %s",
					j.linked()-firstLinked, strings.Join(slow, ", "))
			}
			return time.Since(start), nil
		}
		if time.Since(start) > settleLimit {
			return time.Since(start), fmt.Errorf("the server's background work did not settle within %v", settleLimit)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// jobState is what the server's /metrics say of its background jobs, each
// by the job's name: its runs (successful or not), the items its successful
// runs handled, and how long its last run took in seconds; and how many
// committed audit entries are still unlinked (-1 when the gauge could not
// be read, which settle does not wait for).
type jobState struct {
	runs, items, took map[string]float64
	unlinked          float64
}

// allRan reports whether every background job has run at least once.
func (j jobState) allRan() bool {
	for _, n := range j.runs {
		if n == 0 {
			return false
		}
	}
	return true
}

// linked is how many entries the audit linker has linked.
func (j jobState) linked() float64 { return j.items["audit_link"] }

// jobs reads the server's /metrics (jardam_job_runs_total,
// jardam_job_items_total, jardam_job_last_run_duration_seconds,
// jardam_audit_unlinked_entries).
func (s *server) jobs(ctx context.Context) (jobState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metricsBase+"/metrics", nil)
	if err != nil {
		return jobState{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return jobState{}, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return jobState{}, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return jobState{}, fmt.Errorf("GET /metrics: %w", err)
	}
	// byJob sums a family's values by their job label.
	byJob := func(name string) map[string]float64 {
		out := map[string]float64{}
		for _, m := range families[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" {
					out[l.GetValue()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
		return out
	}
	j := jobState{runs: byJob("jardam_job_runs_total"), items: byJob("jardam_job_items_total"),
		took: byJob("jardam_job_last_run_duration_seconds"), unlinked: -1}
	if len(j.runs) == 0 {
		return jobState{}, fmt.Errorf("GET /metrics: no jardam_job_runs_total")
	}
	for _, m := range families["jardam_audit_unlinked_entries"].GetMetric() {
		j.unlinked = m.GetGauge().GetValue()
	}
	return j, nil
}
