package main

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"
)

// statsAll is the flow stats-all: every statistics table (for 2025), every
// monthly series and the Program's indicators (for 2025), as the national
// coordinator, one path after another, with each path's latencies kept
// apart so that a slow one shows even when the others hide it in the
// flow's percentiles.
type statsAll struct {
	b     *bench
	paths []string

	mu  sync.Mutex
	lat map[string][]time.Duration
}

// setup lists the tables and series and asks each path once, untimed:
// the first request of a year waits for the year's release.
func (s *statsAll) setup(ctx context.Context) error {
	var list struct {
		Items []struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"items"`
	}
	if err := s.b.call(ctx, "coordinator", "", http.MethodGet, "/api/v1/stats/tables", nil, http.StatusOK, &list); err != nil {
		return err
	}
	s.paths = []string{"/api/v1/indicators?period=2025"}
	for _, t := range list.Items {
		if t.Kind == "series" {
			s.paths = append(s.paths, "/api/v1/stats/series/"+t.Name)
		} else {
			s.paths = append(s.paths, "/api/v1/stats/tables/"+t.Name+"?period=2025")
		}
	}
	saved := s.b.http
	s.b.http = &http.Client{Timeout: 30 * time.Minute, Transport: saved.Transport}
	defer func() { s.b.http = saved }()
	for _, p := range s.paths {
		start := time.Now()
		if err := s.b.call(ctx, "coordinator", "", http.MethodGet, p, nil, http.StatusOK, nil); err != nil {
			return err
		}
		logf("stats-all: %s first %.0f ms", p, float64(time.Since(start).Microseconds())/1000)
	}
	s.lat = map[string][]time.Duration{}
	return nil
}

func (s *statsAll) run(ctx context.Context, w, i int, ua string) error {
	p := s.paths[uint(w*7+max(i, 0))%uint(len(s.paths))]
	start := time.Now()
	err := s.b.call(ctx, "coordinator", ua, http.MethodGet, p, nil, http.StatusOK, nil)
	if err == nil && ua == "" {
		s.mu.Lock()
		s.lat[p] = append(s.lat[p], time.Since(start))
		s.mu.Unlock()
	}
	return err
}

// byPath is each path's p95 in milliseconds over the timed requests.
func (s *statsAll) byPath() map[string]float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]float64{}
	for p, l := range s.lat {
		l = slices.Clone(l)
		slices.Sort(l)
		out[p] = percentile(l, 0.95)
	}
	return out
}
