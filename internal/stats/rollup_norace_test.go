//go:build !race

package stats

import (
	"fmt"
	"testing"
	"time"
)

// This test runs without the race detector only (make test-go runs it in
// its race-free step): it is one goroutine counting through SQL and
// computing three versions of two years' releases of a random caseload,
// thousands of LPs each, which the race detector slows by an order of
// magnitude while it has no concurrency to check. TestRollupsUnderConcurrency
// reads the rollups and releases from many goroutines under the race
// detector.

// TestRollupsMatchDirectCounts builds a random caseload, rolls it up, then
// changes it round after round (late cases in months already rolled up,
// changed attributes, cases moved to another month, deleted cases) and
// checks after each round that every additive table counted through the
// rollups equals the direct count, cell by cell with totals, both before
// the refresh (stale months recounted from cases) and after it (months
// read from the rollups), and that the suppressed tables are the same.
func TestRollupsMatchDirectCounts(t *testing.T) {
	t.Parallel()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	w := newRollupWorld(t, seed)
	w.insert(300)
	if w.dirtyMonths() != 24 {
		t.Fatalf("%d months of 2024-2025 marked after the first cases, want 24", w.dirtyMonths())
	}
	if total := w.compareCounts("before any rollup"); total == 0 {
		t.Fatal("nothing counted")
	}
	w.compareTables("first rollup")
	if n := w.dirtyMonths(); n != 0 {
		t.Fatalf("%d months still marked after the tables were read", n)
	}
	if n := w.d.Count(t, `SELECT count(*) FROM stats_rollup_months WHERE month BETWEEN '2024-01-01' AND '2025-12-01'`); n != 24 {
		t.Fatalf("%d months rolled up, want 24", n)
	}
	if n := w.d.Count(t, `SELECT count(*) FROM stats_rollup_months WHERE month < '2023-12-01' OR month >= '2026-01-01'`); n != 0 {
		t.Fatalf("%d months rolled up outside the periods read (or not ended)", n)
	}
	w.compareCounts("rolled up")

	// A change that no aggregate reads marks nothing.
	w.d.Exec(t, `UPDATE cases SET risk_level = 'high', stage = 'shelter'`)
	if n := w.dirtyMonths(); n != 0 {
		t.Fatalf("%d months marked by a change of the risk level", n)
	}

	for round := 1; round <= 2; round++ {
		w.insert(30)
		w.update(30)
		w.move(15)
		w.remove(10)
		if w.dirtyMonths() == 0 {
			t.Fatalf("round %d: no month marked", round)
		}
		label := fmt.Sprintf("round %d", round)
		w.compareCounts(label + ", stale months")
		w.compareTables(label)
		if n := w.dirtyMonths(); n != 0 {
			t.Fatalf("%s: %d months still marked after the tables were read", label, n)
		}
		w.compareCounts(label + ", rolled up")
		if t.Failed() {
			return
		}
	}
}
