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
	var linked float64 = -1
	firstLinked := -1.0
	quietSince := start
	for {
		ran, unlinked, items, took, err := s.jobCounts(ctx)
		if firstLinked < 0 && err == nil {
			firstLinked = items
		}
		switch {
		case err != nil:
			return time.Since(start), err
		case !ran || unlinked > 0:
			linked, quietSince = -1, time.Now()
		case items != linked:
			linked, quietSince = items, time.Now()
		case time.Since(quietSince) >= settleQuiet:
			if waited := time.Since(start); waited > 10*time.Second {
				// Say what the wait was for: the jobs whose last run was long.
				var slow []string
				for job, d := range took {
					if d > time.Second {
						slow = append(slow, fmt.Sprintf("%s %v", job, d.Round(100*time.Millisecond)))
					}
				}
				slices.Sort(slow)
				if len(slow) == 0 {
					slow = append(slow, "none")
				}
				logf("while waiting, the audit linker linked %.0f entries; jobs whose last run took over a second: %s",
					items-firstLinked, strings.Join(slow, ", "))
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

// jobCounts reads the server's /metrics: whether every background job has
// run (successfully or not) at least once; how many committed audit
// entries are still unlinked (-1 when the gauge could not be read, which
// settle does not wait for); how many the audit linker has linked; and how
// long each job's last run took.
func (s *server) jobCounts(ctx context.Context) (allRan bool, unlinked, linked float64, took map[string]time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metricsBase+"/metrics", nil)
	if err != nil {
		return false, 0, 0, nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, 0, 0, nil, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return false, 0, 0, nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return false, 0, 0, nil, fmt.Errorf("GET /metrics: %w", err)
	}
	runs := map[string]float64{}
	for _, m := range families["jardam_job_runs_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "job" {
				runs[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	if len(runs) == 0 {
		return false, 0, 0, nil, fmt.Errorf("GET /metrics: no jardam_job_runs_total")
	}
	allRan = true
	for _, n := range runs {
		allRan = allRan && n > 0
	}
	for _, m := range families["jardam_job_items_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "job" && l.GetValue() == "audit_link" {
				linked = m.GetCounter().GetValue()
			}
		}
	}
	unlinked = -1
	for _, m := range families["jardam_audit_unlinked_entries"].GetMetric() {
		unlinked = m.GetGauge().GetValue()
	}
	took = map[string]time.Duration{}
	for _, m := range families["jardam_job_last_run_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "job" {
				took[l.GetValue()] = time.Duration(m.GetGauge().GetValue() * float64(time.Second))
			}
		}
	}
	return allRan, unlinked, linked, took, nil
}
