package stats

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Two processes asked for the same year at once store one release; after a
// correction the other one computes version 2 without waiting on a lock
// left behind. Run behind PgBouncer in transaction mode (make test does,
// see .ci/pgbouncer.sh), a session-level lock would be taken on one server
// connection and released on another, and the second computation would
// wait for ever.
func TestAYearIsComputedOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	w := newSupervisorWorld(t)
	one := w.org("ONE")
	w.add(one, 12, "hotline")
	w.add(one, 4, "police")
	other := NewService(w.d.App, Settings{}, nil)
	other.now = w.s.now

	ctx, cancel := context.WithTimeout(w.ctx, 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	got := make([]*Release, 2)
	errs := make([]error, 2)
	for i, s := range []*Service{w.s, other} {
		wg.Go(func() { got[i], errs[i] = s.Release(ctx, 2024) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] == nil || got[i].Version != 1 {
			t.Fatalf("process %d: %v %+v", i, errs[i], got[i])
		}
	}
	if n := w.d.Count(t, `SELECT count(*) FROM stats_releases WHERE year = 2024`); n != 1 {
		t.Fatalf("%d releases of 2024 stored, want 1", n)
	}

	w.add(one, 1, "consulate")
	v2, err := other.Release(ctx, 2024)
	if err != nil || v2.Version != 2 {
		t.Fatalf("after a correction: %v %+v", err, v2)
	}
	if n := w.d.Count(t, `SELECT count(*) FROM stats_releases WHERE year = 2024`); n != 2 {
		t.Fatalf("%d releases of 2024 stored, want 2", n)
	}
}
