package stats

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// rollupWorld is a random caseload over 2023-11 to 2026-01 and the service
// that reads it, with "now" in January 2026.
type rollupWorld struct {
	t   *testing.T
	d   *dbtest.DB
	s   *Service
	ctx context.Context
	rnd *rand.Rand
	org uuid.UUID
	ids []uuid.UUID
	now time.Time
}

func pick(r *rand.Rand, values ...string) string { return values[r.Intn(len(values))] }

// randomSet returns 0 to 3 values of pool as a text[] literal, duplicates
// allowed.
func randomSet(r *rand.Rand, pool ...string) string {
	n := r.Intn(4)
	out := make([]string, n)
	for i := range out {
		out[i] = `"` + pool[r.Intn(len(pool))] + `"`
	}
	return "{" + strings.Join(out, ",") + "}"
}

// randomTime returns an identification time from 2023-11 to early 2026,
// one in three within hours of a month's start in Asia/Bishkek (where the
// UTC date is still the previous month's).
func (w *rollupWorld) randomTime() time.Time {
	if w.rnd.Intn(3) == 0 {
		m := time.Date(2023, time.Month(11+w.rnd.Intn(26)), 1, 0, 0, 0, 0, Bishkek)
		return m.Add(time.Duration(w.rnd.Intn(12*3600)-6*3600) * time.Second)
	}
	from := time.Date(2023, 11, 1, 0, 0, 0, 0, Bishkek)
	span := time.Date(2026, 1, 10, 0, 0, 0, 0, Bishkek).Sub(from)
	return from.Add(time.Duration(w.rnd.Int63n(int64(span/time.Second))) * time.Second)
}

// attrs returns random statistical attributes, values outside the grids,
// missing values and empty sets included.
func (w *rollupWorld) attrs() []any {
	r := w.rnd
	return []any{
		pick(r, "female", "male", "other", "unknown"),
		pick(r, "0-8", "9-17", "18-20", "21-23", "30-38", "48+", "unknown", "not-a-bracket"),
		pick(r, "", "bishkek_city", "osh", "naryn", "chui", "atlantis"),
		pick(r, "", "hotline", "police", "consulate", "carrier_pigeon"),
		randomSet(r, "forced_labour", "sexual_exploitation", "forced_marriage", "weird_one", "weird_two"),
		randomSet(r, "RU", "KZ", "TR", "KG", "XX", "YY"),
		randomSet(r, "3.1", "3.2", "2.1", "OLD.1", "OLD.2"),
	}
}

// insert adds n random cases in one statement.
func (w *rollupWorld) insert(n int) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		id := uuid.New()
		w.ids = append(w.ids, id)
		a := w.attrs()
		w.d.Exec(w.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
				identified_at, sex, age_bracket, region_of_origin, identification_channel, exploitation_types,
				countries_of_exploitation, measure_codes)
			VALUES ($1, $2, $3, $3, 'identification', 'open', $4, $5, $6, nullif($7, ''), nullif($8, ''),
				$9::text[], $10::text[], $11::text[])`,
			append([]any{id, "R-" + id.String(), w.org, w.randomTime()}, a...)...)
	}
}

// update changes the statistical attributes of n random cases.
func (w *rollupWorld) update(n int) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		a := w.attrs()
		w.d.Exec(w.t, `UPDATE cases SET sex = $2, age_bracket = $3, region_of_origin = nullif($4, ''),
				identification_channel = nullif($5, ''), exploitation_types = $6::text[],
				countries_of_exploitation = $7::text[], measure_codes = $8::text[]
			WHERE id = $1`, append([]any{w.ids[w.rnd.Intn(len(w.ids))]}, a...)...)
	}
}

// move gives n random cases another identification time (mostly another
// month).
func (w *rollupWorld) move(n int) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		w.d.Exec(w.t, `UPDATE cases SET identified_at = $2 WHERE id = $1`, w.ids[w.rnd.Intn(len(w.ids))], w.randomTime())
	}
}

// remove deletes n random cases.
func (w *rollupWorld) remove(n int) {
	w.t.Helper()
	for i := 0; i < n && len(w.ids) > 1; i++ {
		j := w.rnd.Intn(len(w.ids))
		w.d.Exec(w.t, `DELETE FROM cases WHERE id = $1`, w.ids[j])
		w.ids = append(w.ids[:j], w.ids[j+1:]...)
	}
}

// rollupDefs returns the tables and series read from the rollups.
func rollupDefs() []tableDef {
	var out []tableDef
	for _, d := range append(append([]tableDef{}, tables...), series...) {
		if d.rollup {
			out = append(out, d)
		}
	}
	return out
}

// periods returns every month, half-year and year of 2024 and 2025.
func (w *rollupWorld) periods() []Period {
	var names []string
	for _, y := range []string{"2024", "2025"} {
		names = append(names, y, y+"-H1", y+"-H2")
		for m := 1; m <= 12; m++ {
			names = append(names, fmt.Sprintf("%s-%02d", y, m))
		}
	}
	var out []Period
	for _, n := range names {
		p, err := ParsePeriod(n, w.now)
		if err != nil {
			w.t.Fatalf("period %s: %v", n, err)
		}
		out = append(out, p)
	}
	return out
}

// grids returns the grids of def for p.
func (w *rollupWorld) grids(tx *gorm.DB, def tableDef, p Period) [][]string {
	w.t.Helper()
	if def.dims[0].name == "month" {
		var g []string
		for m := p.From; m.Before(p.To); m = m.AddDate(0, 1, 0) {
			g = append(g, m.In(Bishkek).Format("2006-01"))
		}
		return [][]string{g}
	}
	out := make([][]string, len(def.dims))
	for i, d := range def.dims {
		out[i] = d.values
		if d.measures {
			codes, err := measureGrid(w.ctx, tx, p.To)
			if err != nil {
				w.t.Fatal(err)
			}
			out[i] = codes
		}
	}
	return out
}

type counted struct {
	cells map[[2]string]int64
	total int64
}

func (w *rollupWorld) count(tx *gorm.DB, def tableDef, grids [][]string, p Period, rollup bool) counted {
	w.t.Helper()
	def.rollup = rollup
	cells, total, err := countCells(w.ctx, tx, def, grids, p.From, p.To)
	if err != nil {
		w.t.Fatalf("%s %s (rollup %v): %v", def.name, p.Name, rollup, err)
	}
	out := counted{cells: map[[2]string]int64{}, total: total}
	for _, c := range cells {
		if _, dup := out.cells[[2]string{c.G0, c.G1}]; dup {
			w.t.Fatalf("%s %s (rollup %v): cell %s/%s twice", def.name, p.Name, rollup, c.G0, c.G1)
		}
		out.cells[[2]string{c.G0, c.G1}] = c.N
	}
	return out
}

// compareCounts compares, in one repeatable-read snapshot, every additive
// aggregate over every period read through the rollups with the direct
// count of jardam_stats_counts, cell by cell and total. It returns the sum
// of the totals compared.
func (w *rollupWorld) compareCounts(label string) int64 {
	w.t.Helper()
	var sum int64
	err := w.d.App.Transaction(func(tx *gorm.DB) error {
		for _, def := range rollupDefs() {
			for _, p := range w.periods() {
				g := w.grids(tx, def, p)
				got, want := w.count(tx, def, g, p, true), w.count(tx, def, g, p, false)
				if !reflect.DeepEqual(got, want) {
					w.t.Errorf("%s: %s %s: rollup %v total %d, direct %v total %d",
						label, def.name, p.Name, got.cells, got.total, want.cells, want.total)
				}
				sum += want.total
			}
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		w.t.Fatal(err)
	}
	return sum
}

// compareTables compares the service's suppressed tables and series with
// the same tables assembled from the direct counts.
func (w *rollupWorld) compareTables(label string) {
	w.t.Helper()
	for _, def := range rollupDefs() {
		if def.dims[0].name == "month" {
			got, err := w.s.Series(w.ctx, def.name)
			if err != nil {
				w.t.Fatal(err)
			}
			months := LastEndedMonths(w.now, SeriesMonths)
			p := Period{Name: got.Period, From: months[0].From, To: months[len(months)-1].To}
			w.expectTable(label, def, p, got)
			continue
		}
		for _, p := range w.periods() {
			if p.Granularity == Month {
				continue
			}
			got, err := w.s.Table(w.ctx, def.name, p.Name)
			if err != nil {
				w.t.Fatal(err)
			}
			w.expectTable(label, def, p, got)
		}
	}
}

func (w *rollupWorld) expectTable(label string, def tableDef, p Period, got Table) {
	w.t.Helper()
	var g [][]string
	var want []int64
	var total int64
	err := w.d.App.Transaction(func(tx *gorm.DB) error {
		g = w.grids(tx, def, p)
		direct := def
		direct.rollup = false
		cells, n, err := countCells(w.ctx, tx, direct, g, p.From, p.To)
		want, total = gridCounts(g, cells), n
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(got.Rows) != len(want) {
		w.t.Fatalf("%s: table %s %s has %d rows, the grid %d", label, def.name, p.Name, len(got.Rows), len(want))
	}
	// The released cells are the direct counts (the release decides which
	// are withheld).
	for i, r := range got.Rows {
		if !r.Suppressed && *r.Count != want[i] {
			w.t.Errorf("%s: table %s %s: row %v released %d, direct count %d\n%s", label, def.name, p.Name, r.Dims, *r.Count, want[i], dumpTable(got))
		}
	}
	if !got.Totals.Suppressed && def.dims[0].name != "month" && *got.Totals.Count != total {
		w.t.Errorf("%s: table %s %s: total %d, direct %d", label, def.name, p.Name, *got.Totals.Count, total)
	}
}

func dumpTable(t Table) string {
	var b strings.Builder
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "%v=", r.Dims)
		if r.Count != nil {
			fmt.Fprintf(&b, "%d ", *r.Count)
		} else {
			b.WriteString("x ")
		}
	}
	if t.Totals.Count != nil {
		fmt.Fprintf(&b, "total=%d", *t.Totals.Count)
	} else {
		b.WriteString("total=x")
	}
	return b.String()
}

// dirtyMonths counts the marks of 2024-2025.
func (w *rollupWorld) dirtyMonths() int64 {
	return w.d.Count(w.t, `SELECT count(DISTINCT month) FROM stats_dirty_months WHERE month BETWEEN '2024-01-01' AND '2025-12-01'`)
}

func newRollupWorld(t *testing.T, seed int64) *rollupWorld {
	d := dbtest.New(t)
	w := &rollupWorld{t: t, d: d, rnd: rand.New(rand.NewSource(seed)), org: uuid.New(),
		now: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}
	d.Exec(t, `INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region)
		VALUES ($1, 'ROLL', 'r', 'r', 'r', 'crisis_center', 'chui')`, w.org)
	w.s = NewService(d.App, Settings{}, nil)
	w.s.now = func() time.Time { return w.now }
	w.ctx = reqctx.WithPrincipal(context.Background(), reqctx.Principal{UserID: uuid.New(), OrganizationID: w.org, Role: "coordinator"})
	return w
}

// TestRollupsUnderConcurrency reads the same dirty year from many requests
// at once while cases are added to it: no error, no duplicate, and the
// result equals the direct count once the writes are done.
func TestRollupsUnderConcurrency(t *testing.T) {
	t.Parallel()
	w := newRollupWorld(t, 7)
	w.insert(200)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 4; j++ {
				name := []string{"persons_by_sex_age", "persons_by_exploitation_type", "cases_by_measure"}[(i+j)%3]
				if _, err := w.s.Table(w.ctx, name, "2024"); err != nil {
					errs <- err
				}
				if _, err := w.s.Series(w.ctx, "persons_identified"); err != nil {
					errs <- err
				}
			}
		}(i)
	}
	w.insert(40)
	w.move(10)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent read: %v", err)
	}
	w.compareCounts("after concurrent reads")
	w.compareTables("after concurrent reads")
	w.compareCounts("rolled up after concurrent reads")
}

// TestRollupMarksUnderRowLevelSecurity creates and changes a case as the
// application role, scoped to its organization: the marks are written all
// the same, and the application role can neither read nor write the
// rollups.
func TestRollupMarksUnderRowLevelSecurity(t *testing.T) {
	t.Parallel()
	w := newRollupWorld(t, 11)
	w.insert(20)
	w.compareTables("first rollup")
	if n := w.dirtyMonths(); n != 0 {
		t.Fatalf("%d months marked after the rollup", n)
	}
	id := uuid.New()
	err := w.d.App.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('jardam.org_id', ?, true)`, w.org.String()).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
				identified_at, sex, age_bracket) VALUES (?, ?, ?, ?, 'identification', 'open', '2024-05-31T20:00:00Z', 'male', '9-17')`,
			id, "APP-1", w.org, w.org).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE cases SET identified_at = '2025-02-10T10:00:00Z' WHERE id = ?`, id).Error
	})
	if err != nil {
		t.Fatalf("case written as the application role: %v", err)
	}
	got := w.d.Count(t, `SELECT count(DISTINCT month) FROM stats_dirty_months WHERE month IN ('2024-06-01', '2025-02-01')`)
	if got != 2 || w.dirtyMonths() != 2 {
		t.Fatalf("marks %d of June 2024 and February 2025, %d in all; want both and only them", got, w.dirtyMonths())
	}
	// A bulk load with the replication role set (no ordinary triggers, as
	// the benchmark's seed) marks its months all the same.
	w.d.Exec(t, fmt.Sprintf(`DO $$ BEGIN
		SET LOCAL session_replication_role = replica;
		INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status, identified_at, sex)
		SELECT gen_random_uuid(), 'BULK-' || g, '%[1]s', '%[1]s', 'identification', 'open', timestamptz '2024-09-10T10:00:00Z' + g * interval '1 hour', 'female'
		FROM generate_series(1, 5) g;
		END $$`, w.org))
	if n := w.d.Count(t, `SELECT count(*) FROM stats_dirty_months WHERE month = '2024-09-01'`); n != 1 {
		t.Fatalf("%d marks of September 2024 after a bulk load as replica, want 1", n)
	}
	w.compareCounts("after the application's case")
	w.compareTables("after the application's case")
	for _, q := range []string{`SELECT count(*) FROM stats_monthly_cells`, `SELECT count(*) FROM stats_dirty_months`,
		`SELECT count(*) FROM stats_rollup_months`, `DELETE FROM stats_dirty_months`,
		`INSERT INTO stats_monthly_cells VALUES ('persons_identified', '2024-01-01', '{2024-01}', 5)`,
		`SELECT * FROM jardam_stats_month_cells('{persons_identified}', '2024-01-01', '2025-01-01')`} {
		if err := w.d.App.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the application role: %v, want permission denied", q, err)
		}
	}
	// Only ended months are rolled up.
	if err := w.d.App.Exec(`SELECT jardam_stats_refresh(date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek',
			(date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') + interval '1 month') AT TIME ZONE 'Asia/Bishkek')`).Error; err == nil ||
		!strings.Contains(err.Error(), "ended periods only") {
		t.Errorf("refresh of the current month: %v, want refused", err)
	}
}
