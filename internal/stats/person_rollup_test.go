package stats

import (
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// personWorld adds to a rollupWorld the records the aggregates kept per
// person read: two more organizations (owners and providers of other
// kinds), stage moves, assistance and referrals with their events.
type personWorld struct {
	*rollupWorld
	orgs      []uuid.UUID
	user      uuid.UUID
	assists   []uuid.UUID
	referrals []uuid.UUID
}

func newPersonWorld(t *testing.T, seed int64) *personWorld {
	w := &personWorld{rollupWorld: newRollupWorld(t, seed), user: uuid.New()}
	w.orgs = []uuid.UUID{w.org}
	for i, kind := range []string{"ngo", "state_body"} {
		id := uuid.New()
		w.d.Exec(t, `INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region)
			VALUES ($1, $2, 'p', 'p', 'p', $3, 'osh')`, id, fmt.Sprintf("PERS-%d", i), kind)
		w.orgs = append(w.orgs, id)
	}
	w.d.Exec(t, `INSERT INTO users (id, organization_id, email, name, role, password_hash)
		VALUES ($1, $2, 'persons@roll.kg', 'p', 'caseworker', 'x')`, w.user, w.org)
	return w
}

func (w *personWorld) anyOrg() uuid.UUID { return w.orgs[w.rnd.Intn(len(w.orgs))] }

func (w *personWorld) anyCase() uuid.UUID { return w.ids[w.rnd.Intn(len(w.ids))] }

// day is a random day from 2023-11 to early 2026, as YYYY-MM-DD.
func (w *personWorld) day() string { return w.randomTime().In(Bishkek).Format("2006-01-02") }

// populate adds n cases, each with random owners, stage moves, assistance
// and referrals.
func (w *personWorld) populate(n int) {
	w.t.Helper()
	first := len(w.ids)
	w.insert(n)
	for _, id := range w.ids[first:] {
		w.d.Exec(w.t, `UPDATE cases SET owner_organization_id = $2, stage = $3 WHERE id = $1`, id, w.anyOrg(),
			pick(w.rnd, "identification", "shelter", "rehabilitation", "reintegration"))
		for i := w.rnd.Intn(3); i > 0; i-- {
			w.moveStage(id)
		}
		for i := w.rnd.Intn(3); i > 0; i-- {
			w.assist(id)
		}
		for i := w.rnd.Intn(2); i > 0; i-- {
			w.refer(id)
		}
	}
}

func (w *personWorld) moveStage(id uuid.UUID) {
	w.d.Exec(w.t, `INSERT INTO case_stage_moves (case_id, to_stage, moved_at) VALUES ($1, $2, $3)`, id,
		pick(w.rnd, "shelter", "rehabilitation", "reintegration", "closed", "odd_stage"), w.randomTime())
}

func (w *personWorld) assist(id uuid.UUID) {
	a := uuid.New()
	w.assists = append(w.assists, a)
	started := any(w.day())
	if w.rnd.Intn(4) == 0 {
		started = nil // counted by the day it was recorded
	}
	w.d.Exec(w.t, `INSERT INTO assistance (id, case_id, type, provider_organization_id, status, started_on, created_at, measure_codes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[])`, a, id,
		pick(w.rnd, "shelter", "medical", "legal", "homecoming", "odd_type"), w.anyOrg(),
		pick(w.rnd, "planned", "in_progress", "completed", "declined", "in_progress"), started, w.randomTime(),
		randomSet(w.rnd, "3.1", "3.2", "2.1", "OLD.1"))
}

func (w *personWorld) refer(id uuid.UUID) {
	consent, ref := uuid.New(), uuid.New()
	created := w.randomTime()
	to := w.orgs[1]
	w.d.Exec(w.t, `INSERT INTO consents (id, case_id, purpose, recipient_organization_id, categories, given_by, given_at, recorded_by)
		VALUES ($1, $2, 'data_sharing', $3, '{identity}', 'person', $4, $5)`, consent, id, to, created.Add(-time.Hour), w.user)
	w.d.Exec(w.t, `INSERT INTO referrals (id, code, case_id, kind, from_organization_id, to_organization_id, urgency, status,
			due_at, consent_id, case_sex, case_age_bracket, created_by, created_at)
		VALUES ($1, $2, $3, 'assistance', $4, $5, 'normal', 'pending', $6::timestamptz + interval '3 days', $7, 'female', '21-23', $8, $6)`,
		ref, "RF-"+ref.String(), id, w.org, to, created, consent, w.user)
	w.referrals = append(w.referrals, ref)
	if w.rnd.Intn(2) == 0 {
		w.answer(ref)
	}
}

// answer records a response to a referral a random time after it was made
// (hours to weeks), and its event.
func (w *personWorld) answer(ref uuid.UUID) {
	status := pick(w.rnd, "accepted", "declined", "completed")
	after := time.Duration(1+w.rnd.Intn(400)) * time.Hour
	w.d.Exec(w.t, `UPDATE referrals SET status = $2, responded_at = created_at + $3 * interval '1 second' WHERE id = $1`,
		ref, status, int64(after/time.Second))
	w.d.Exec(w.t, `INSERT INTO referral_events (referral_id, from_status, to_status, at)
		SELECT id, 'pending', $2, responded_at FROM referrals WHERE id = $1`, ref, status)
}

// correct changes records of past periods, n of each kind: a stage moved
// (backdated), an assistance ended or moved, a referral answered, a case
// transferred, a case erased with its records.
func (w *personWorld) correct(n int) {
	w.t.Helper()
	for i := 0; i < n; i++ {
		id := w.anyCase()
		w.moveStage(id)
		w.d.Exec(w.t, `UPDATE cases SET stage = $2 WHERE id = $1`, w.anyCase(), pick(w.rnd, "shelter", "rehabilitation"))
		w.d.Exec(w.t, `UPDATE assistance SET status = 'completed', ended_on = greatest(started_on, $2::date) WHERE id = $1`,
			w.assists[w.rnd.Intn(len(w.assists))], w.day())
		w.d.Exec(w.t, `UPDATE assistance SET started_on = $2, status = 'in_progress' WHERE id = $1`,
			w.assists[w.rnd.Intn(len(w.assists))], w.day())
		w.answer(w.referrals[w.rnd.Intn(len(w.referrals))])
		w.d.Exec(w.t, `UPDATE cases SET owner_organization_id = $2 WHERE id = $1`, w.anyCase(), w.anyOrg())
		w.assist(w.anyCase())
		w.erase(w.anyCase())
	}
}

// erase deletes a case with everything the aggregates read of it.
func (w *personWorld) erase(id uuid.UUID) {
	for _, q := range []string{
		`DELETE FROM referral_events WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = $1)`,
		`DELETE FROM referrals WHERE case_id = $1`, `DELETE FROM consents WHERE case_id = $1`,
		`DELETE FROM assistance WHERE case_id = $1`, `DELETE FROM case_stage_moves WHERE case_id = $1`,
		`DELETE FROM cases WHERE id = $1`,
	} {
		w.d.Exec(w.t, q, id)
	}
	for i, x := range w.ids {
		if x == id {
			w.ids = append(w.ids[:i], w.ids[i+1:]...)
			break
		}
	}
}

// personDefs returns the tables and series kept per person.
func personDefs() []tableDef {
	var out []tableDef
	for _, d := range append(append([]tableDef{}, tables...), series...) {
		if d.perPerson {
			out = append(out, d)
		}
	}
	return out
}

// orgRows reads fn's rows (organization, d0, d1, persons, total) sorted.
func (w *personWorld) orgRows(tx *gorm.DB, fn string, def tableDef, g [][]string, p Period) []string {
	w.t.Helper()
	var grid1, fallback1 any
	if len(def.dims) > 1 {
		grid1, fallback1 = textArray(g[1]), def.dims[1].fallback
	}
	var rows []struct {
		Org     string
		D0, D1  *string
		Persons int64
		IsTotal bool
	}
	err := tx.Raw(`SELECT org::text, d0, d1, persons, is_total FROM `+fn+`(?, ?, ?, ?::text[], ?::text, ?::text[], ?::text)`,
		def.name, p.From.UTC(), p.To.UTC(), textArray(g[0]), def.dims[0].fallback, grid1, fallback1).Scan(&rows).Error
	if err != nil {
		w.t.Fatalf("%s %s %s: %v", fn, def.name, p.Name, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%s %s/%s %d %v", r.Org, deref(r.D0), deref(r.D1), r.Persons, r.IsTotal)
	}
	sort.Strings(out)
	return out
}

// comparePersons compares, in one repeatable-read snapshot, every aggregate
// kept per person over every period it is kept for (tables: the half-years
// and years of 2024-2025; series: their months), read from the rollups,
// with jardam_stats_org_counts, organization by organization, and
// nationally with jardam_stats_counts; and every additive aggregate's
// organizations' parts read from the monthly rollups over every month,
// half-year and year. It returns the number of persons compared.
func (w *personWorld) comparePersons(label string) int64 {
	w.t.Helper()
	var sum int64
	err := w.d.App.Transaction(func(tx *gorm.DB) error {
		for _, def := range personDefs() {
			for _, p := range w.periods() {
				if (p.Granularity == Month) != (def.dims[0].name == "month") {
					continue
				}
				g := w.grids(tx, def, p)
				got, want := w.orgRows(tx, def.orgFunction(), def, g, p), w.orgRows(tx, "jardam_stats_org_counts", def, g, p)
				if !reflect.DeepEqual(got, want) {
					w.t.Errorf("%s: %s %s per organization:\nrollup %v\ndirect %v", label, def.name, p.Name, got, want)
				}
				direct := def
				direct.perPerson = false
				gotN, wantN := w.count(tx, def, g, p, false), w.count(tx, direct, g, p, false)
				if !reflect.DeepEqual(gotN, wantN) {
					w.t.Errorf("%s: %s %s: rollup %v total %d, direct %v total %d",
						label, def.name, p.Name, gotN.cells, gotN.total, wantN.cells, wantN.total)
				}
				sum += wantN.total
			}
		}
		// The monthly rollups' parts of each organization.
		for _, def := range rollupDefs() {
			for _, p := range w.periods() {
				g := w.grids(tx, def, p)
				got, want := w.orgRows(tx, def.orgFunction(), def, g, p), w.orgRows(tx, "jardam_stats_org_counts", def, g, p)
				if !reflect.DeepEqual(got, want) {
					w.t.Errorf("%s: %s %s per organization:\nrollup %v\ndirect %v", label, def.name, p.Name, got, want)
				}
			}
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		w.t.Fatal(err)
	}
	return sum
}

func (w *personWorld) refreshPersons() {
	w.t.Helper()
	if err := refreshRollups(w.ctx, w.d.App, time.Date(2024, 1, 1, 0, 0, 0, 0, Bishkek), time.Date(2026, 1, 1, 0, 0, 0, 0, Bishkek)); err != nil {
		w.t.Fatal(err)
	}
}

// TestPersonRollupsFollowCorrections builds the rollups per person over a
// random caseload, then corrects records of past periods round after round
// (stages moved, assistance ended and moved, referrals answered, cases
// transferred and erased): the rollups answer exactly what the records
// give, before the refresh (the marked persons recomputed in the reader's
// snapshot) and after it, and the tables of the release after each
// correction are the direct counts.
func TestPersonRollupsFollowCorrections(t *testing.T) {
	t.Parallel()
	w := newPersonWorld(t, 42)
	w.populate(160)
	if n := w.comparePersons("nothing built"); n == 0 {
		t.Fatal("the random caseload gives no person to compare")
	}
	w.refreshPersons()
	if n := w.d.Count(t, `SELECT count(*) FROM stats_dirty_persons`); n != 0 {
		t.Fatalf("%d persons marked after the refresh", n)
	}
	if n := w.d.Count(t, `SELECT count(DISTINCT org) FROM stats_monthly_cells`); n != int64(len(w.orgs)) {
		t.Fatalf("monthly cells of %d organizations, want %d", n, len(w.orgs))
	}
	built := w.d.Count(t, `SELECT count(*) FROM stats_person_periods`)
	if want := int64(5*6 + 2*24); built != want {
		t.Fatalf("%d periods built, want %d", built, want)
	}
	w.comparePersons("built")
	w.comparePersonTables("built")
	for round := 1; round <= 2; round++ {
		w.correct(4)
		if n := w.d.Count(t, `SELECT count(*) FROM stats_dirty_persons`); n == 0 {
			t.Fatalf("round %d: no person marked after corrections", round)
		}
		w.comparePersons(fmt.Sprintf("round %d, marked", round))
		w.comparePersonTables(fmt.Sprintf("round %d, release", round))
		w.comparePersons(fmt.Sprintf("round %d, refreshed", round))
		if n := w.d.Count(t, `SELECT count(*) FROM stats_dirty_persons`); n != 0 {
			t.Fatalf("round %d: %d persons marked after the release", round, n)
		}
	}
	// The counts kept are exactly the grouped cells.
	if n := w.d.Count(t, `SELECT count(*) FROM (
			SELECT aggregate, period_from, period_to, org, cells, persons FROM stats_person_counts
			EXCEPT SELECT aggregate, period_from, period_to, org, cells, count(*) FROM stats_person_cells GROUP BY 1, 2, 3, 4, 5) x`); n != 0 {
		t.Fatalf("%d counts differ from the cells they count", n)
	}
	// An erased case leaves no row.
	gone := w.ids[0]
	w.erase(gone)
	w.refreshPersons()
	if n := w.d.Count(t, `SELECT count(*) FROM stats_person_cells WHERE case_id = $1`, gone); n != 0 {
		t.Fatalf("%d rows of an erased case", n)
	}
}

// comparePersonTables reads the tables kept per person through the service
// (its release, recomputed after a correction) and compares them with the
// direct counts.
func (w *personWorld) comparePersonTables(label string) {
	w.t.Helper()
	for _, def := range personDefs() {
		if def.dims[0].name == "month" {
			got, err := w.s.Series(w.ctx, def.name)
			if err != nil {
				w.t.Fatal(err)
			}
			months := LastEndedMonths(w.now, SeriesMonths)
			w.expectSeries(label, def, months, got)
			continue
		}
		for _, name := range []string{"2024", "2025-H1", "2025"} {
			p, err := ParsePeriod(name, w.now)
			if err != nil {
				w.t.Fatal(err)
			}
			got, err := w.s.Table(w.ctx, def.name, p.Name)
			if err != nil {
				w.t.Fatal(err)
			}
			direct := def
			direct.perPerson = false
			w.expectTable(label, direct, p, got)
		}
	}
}

// expectSeries compares a series' released months with the direct count of
// each month.
func (w *personWorld) expectSeries(label string, def tableDef, months []Period, got Table) {
	w.t.Helper()
	direct := def
	direct.perPerson = false
	for i, p := range months {
		var c counted
		err := w.d.App.Transaction(func(tx *gorm.DB) error {
			c = w.count(tx, direct, [][]string{{p.Name}}, p, false)
			return nil
		})
		if err != nil {
			w.t.Fatal(err)
		}
		if r := got.Rows[i]; !r.Suppressed && *r.Count != c.cells[[2]string{p.Name, ""}] {
			w.t.Errorf("%s: series %s %s released %d, direct %d\n%s", label, def.name, p.Name, *r.Count,
				c.cells[[2]string{p.Name, ""}], strings.TrimSpace(dumpTable(got)))
		}
	}
}
