package migrations_test

import (
	"testing"

	"github.com/jardam-kg/jardam/internal/platform/dbtest"
)

// TestStatisticsMarksFireAlways: the triggers that mark statistics and
// person rollups for recomputation fire ALWAYS (migrations 0014 and 0038),
// so that a session in replica mode (the benchmark's bulk seed) marks them
// too; a later migration that disables a table's triggers for a while puts
// them back as they fired.
func TestStatisticsMarksFireAlways(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	const marks = `FROM pg_trigger WHERE NOT tgisinternal
		AND (tgname LIKE 'stats\_person\_mark\_%' OR tgname LIKE 'cases\_stats\_mark\_%')`
	if n := d.Count(t, `SELECT count(*) `+marks); n < 8 {
		t.Fatalf("%d statistics marks found, want the triggers of migrations 0014 and 0038", n)
	}
	if got := d.Text(t, `SELECT coalesce(string_agg(tgrelid::regclass || '.' || tgname, ', ' ORDER BY 1), '') `+marks+
		` AND tgenabled <> 'A'`); got != "" {
		t.Fatalf("statistics marks that no longer fire ALWAYS: %s", got)
	}
}
