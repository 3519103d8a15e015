package stats

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/disclosure"
	"github.com/jardam-kg/jardam/internal/platform/dbtest"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// supervisorWorld is 2024's caseload of two organizations, read in
// February 2025.
type supervisorWorld struct {
	t   *testing.T
	d   *dbtest.DB
	s   *Service
	ctx context.Context
}

func newSupervisorWorld(t *testing.T) *supervisorWorld {
	d := dbtest.New(t)
	s := NewService(d.App, Settings{}, nil)
	s.now = func() time.Time { return time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC) }
	ctx := reqctx.WithPrincipal(context.Background(), reqctx.Principal{UserID: uuid.New(), Role: "coordinator"})
	return &supervisorWorld{t: t, d: d, s: s, ctx: ctx}
}

func (w *supervisorWorld) org(code string) uuid.UUID {
	id := uuid.New()
	w.d.Exec(w.t, `INSERT INTO organizations (id, code, name_ru, name_ky, name_en, kind, region)
		VALUES ($1, $2, 'o', 'o', 'o', 'crisis_center', 'chui')`, id, code)
	return id
}

// add records n cases of org identified on 10 February 2024 through channel.
func (w *supervisorWorld) add(org uuid.UUID, n int, channel string) []uuid.UUID {
	var ids []uuid.UUID
	for i := 0; i < n; i++ {
		id := uuid.New()
		ids = append(ids, id)
		w.d.Exec(w.t, `INSERT INTO cases (id, code, owner_organization_id, identifying_organization_id, stage, status,
				identified_at, sex, age_bracket, identification_channel, exploitation_types, countries_of_exploitation, measure_codes)
			VALUES ($1, $2, $3, $3, 'identification', 'open', '2024-02-10T10:00:00Z', 'female', '18-20', $4,
				'{forced_labour}', '{RU}', '{}')`, id, "S-"+id.String(), org, channel)
	}
	return ids
}

// system builds the release system of 2024 as computeRelease does, with
// the organizations' parts or (national) without.
func (w *supervisorWorld) system(national bool) *disclosure.System {
	var m *model
	err := w.d.App.Transaction(func(tx *gorm.DB) error {
		m = &model{ctx: w.ctx, tx: tx, sc: scopeOf(2024, w.s.now()), k: w.s.k, national: national}
		if err := m.build(); err != nil {
			return err
		}
		m.sys.DropFalse()
		return nil
	})
	if err != nil {
		w.t.Fatalf("build: %v", err)
	}
	return &m.sys
}

// TestSupervisorsViewIsAudited: the big organization holds 3 of the 4
// persons identified through NGO outreach, the small one the fourth and
// the 3 identified by the police. Nationally, withholding outreach (4) and
// police (3) leaves each from 1 to 6; the big organization's supervisor
// knows outreach >= 3 and narrows it to [3, 6], so the small
// organization's part (1) to [0, 3]. The release audits that view.
func TestSupervisorsViewIsAudited(t *testing.T) {
	t.Parallel()
	w := newSupervisorWorld(t)
	big, small := w.org("BIG"), w.org("SMALL")
	w.add(big, 20, "hotline")
	w.add(big, 3, "ngo_outreach")
	w.add(small, 1, "ngo_outreach")
	w.add(small, 3, "police")
	outreach := cellKey("persons_by_identification_channel", "2024-H1", "ngo_outreach")

	national := w.system(true)
	pNat, _ := disclosure.Protect(national, w.s.k)
	sys := w.system(false)
	if sys.Len() != national.Len() {
		t.Fatalf("%d figures with parts, %d without", sys.Len(), national.Len())
	}
	if got := sys.Views(); len(got) != 2 {
		t.Fatalf("views %v, want both organizations", got)
	}
	exposed := disclosure.AuditKnown(sys, pNat, w.s.k, sys.Known(big.String()))
	found := false
	for _, iv := range exposed {
		if sys.Key(iv.Figure) == outreach {
			found = iv.Lo == 3 && iv.Hi < 3+float64(w.s.k)
		}
	}
	if !found {
		t.Fatalf("the national pattern should let BIG narrow %s below k; exposed: %+v", outreach, exposed)
	}

	p, st := disclosure.Protect(sys, w.s.k)
	if st.Views != 2 || st.ViewLPs == 0 {
		t.Fatalf("stats %+v", st)
	}
	if ex := disclosure.Audit(sys, p, w.s.k); len(ex) != 0 {
		t.Fatalf("national reader: %+v", ex)
	}
	for _, org := range []uuid.UUID{big, small} {
		if ex := disclosure.AuditKnown(sys, p, w.s.k, sys.Known(org.String())); len(ex) != 0 {
			t.Fatalf("supervisor of %s narrows: %+v", org, ex)
		}
	}

	rel, err := w.s.Release(w.ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if _, withheld, ok := rel.Figure(outreach); !ok || !withheld {
		t.Fatalf("%s released", outreach)
	}
	if rel.Stats.Views != 2 {
		t.Fatalf("release stats %+v", rel.Stats)
	}
}

// TestACorrectionIsAuditedAgainstTheEarlierVersion: version 1 withholds
// police (3) and NGO outreach (4) beside hotline 20, consulate 8 and a
// total of 35, so a reader of it knows police + outreach = 7. A
// correction adds 5 persons by hotline and 1 by the border service:
// version 2 releases hotline 25, consulate 8 and the total 41, withholds
// the new cell of 1, and nationally leaves it in [1, 6]; with version 1 in
// hand, 41 - 25 - 8 - 7 = 1. Version 2 must withhold one more figure.
func TestACorrectionIsAuditedAgainstTheEarlierVersion(t *testing.T) {
	t.Parallel()
	w := newSupervisorWorld(t)
	one := w.org("ONE")
	w.add(one, 20, "hotline")
	w.add(one, 3, "police")
	w.add(one, 4, "ngo_outreach")
	w.add(one, 8, "consulate")
	cell := func(ch string) string { return cellKey("persons_by_identification_channel", "2024-H1", ch) }
	v1, err := w.s.Release(w.ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	for ch, want := range map[string]bool{"police": true, "ngo_outreach": true, "hotline": false, "consulate": false} {
		if _, withheld, _ := v1.Figure(cell(ch)); withheld != want {
			t.Fatalf("version 1: %s withheld %v, want %v", ch, withheld, want)
		}
	}
	total1, _, _ := v1.Figure(famKey(famIdentified, "2024-H1"))
	hotline1, _, _ := v1.Figure(cell("hotline"))
	consulate1, _, _ := v1.Figure(cell("consulate"))
	sumWithheld := total1 - hotline1 - consulate1

	w.add(one, 5, "hotline")
	w.add(one, 1, "border_service")
	sys := w.system(true)
	police, _ := sys.Lookup(cell("police"))
	outreach, _ := sys.Lookup(cell("ngo_outreach"))
	border, _ := sys.Lookup(cell("border_service"))
	// Without the earlier version in the audit (police and outreach
	// withheld as before): the subtraction gives the new cell away.
	sys.Withhold(police)
	sys.Withhold(outreach)
	before, _ := disclosure.Protect(sys, w.s.k)
	attack := []disclosure.Term{{Figure: police, Coef: 1}, {Figure: outreach, Coef: 1}}
	if !sys.Constrain(attack, disclosure.Equal, sumWithheld) {
		t.Fatalf("police + outreach is no longer %d", sumWithheld)
	}
	if !before[border] || before[police] == false {
		t.Fatalf("pattern without versions: border %v police %v", before[border], before[police])
	}
	exposed := disclosure.Audit(sys, before, w.s.k)
	if len(exposed) == 0 {
		t.Fatal("the two-version subtraction should narrow the border service cell without the version audit")
	}

	v2, err := w.s.Release(w.ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 {
		t.Fatalf("version %d, want 2", v2.Version)
	}
	after := make(disclosure.Pattern, sys.Len())
	for i := 0; i < sys.Len(); i++ {
		v, withheld, ok := v2.Figure(sys.Key(i))
		if !ok {
			t.Fatalf("%s not in version 2", sys.Key(i))
		}
		after[i] = withheld
		if !withheld && v != sys.Value(i) {
			t.Fatalf("%s released as %d, is %d", sys.Key(i), v, sys.Value(i))
		}
	}
	if ex := disclosure.Audit(sys, after, w.s.k); len(ex) != 0 {
		iv := ex[0]
		t.Fatalf("a reader of both versions narrows %s to [%v, %v]", sys.Key(iv.Figure), iv.Lo, iv.Hi)
	}
	again, err := w.s.Release(w.ctx, 2024)
	if err != nil {
		t.Fatal(err)
	}
	if cached, _ := w.s.Release(w.ctx, 2024); cached != again || cached.Version != 2 {
		t.Fatalf("a second read decoded version %d again (or another version)", cached.Version)
	}
	if len(v2.Intervals) == 0 || v1.Intervals[cell("police")].Lo != 1 {
		t.Fatalf("intervals not stored: v1 %v", v1.Intervals[cell("police")])
	}
}

// TestDatedRowsMarkTheirYears: a backdated stage move, its change and its
// deletion raise the corrections counter of the years of its old and new
// dates (the trigger takes the date column as its argument).
func TestDatedRowsMarkTheirYears(t *testing.T) {
	t.Parallel()
	w := newSupervisorWorld(t)
	one := w.org("ONE")
	id := w.add(one, 1, "hotline")[0]
	w.d.Exec(t, `DELETE FROM stats_release_marks`)
	marks := func() map[int]int64 {
		out := map[int]int64{}
		for _, y := range []int{2022, 2023} {
			if n := w.d.Count(t, `SELECT coalesce((SELECT corrections FROM stats_release_marks WHERE year = $1), 0)`, y); n > 0 {
				out[y] = n
			}
		}
		return out
	}
	w.d.Exec(t, `INSERT INTO case_stage_moves (case_id, to_stage, moved_at) VALUES ($1, 'shelter', '2023-05-10T10:00:00Z')`, id)
	if got := marks(); got[2023] != 1 || len(got) != 1 {
		t.Fatalf("after insert: %v", got)
	}
	w.d.Exec(t, `UPDATE case_stage_moves SET moved_at = '2022-03-01T10:00:00Z' WHERE case_id = $1`, id)
	if got := marks(); got[2023] != 2 || got[2022] != 1 {
		t.Fatalf("after update: %v", got)
	}
	w.d.Exec(t, `DELETE FROM case_stage_moves WHERE case_id = $1`, id)
	if got := marks(); got[2022] != 2 || got[2023] != 2 {
		t.Fatalf("after delete: %v", got)
	}
}
