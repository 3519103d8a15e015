package stats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/disclosure"
)

// A release is every figure a coordinator can obtain about one calendar
// year, as of the end of its last ended month: the tables of its ended
// half-years and of the year once it has ended, the months of the series,
// and the indicators of every ended month, half-year and the year. All of
// them are one disclosure.System, so a year cannot be subtracted from its
// halves, nor a table from an indicator built on the same persons.
//
// Figure keys:
//
//	<family>|<period>                  total persons of a family: identified, assisted, referred
//	t|<table>|<period>|<d0>[|<d1>]     a table cell
//	i|identified|<period>[|sex|age]    indicator: persons identified (not "not a victim")
//	i|assisted|<period>[|type]         indicator: persons with assistance active in the period
//	i|reintegrated|<period>            indicator: persons reintegrated
//	i|homecomings|<period>             indicator: homecomings
//	r|..., b|...                       the half-year reports and the budget
//	                                   (release_reports.go)
//
// Shares, means and activity figures (x|<indicator>|<period>) are not
// counts of persons: they are stored beside the system, withheld by their
// own rules.

// yearScope is the ended periods of a year at a given time.
type yearScope struct {
	year     int
	coversTo time.Time
	months   []Period
	halves   []Period
	full     *Period
}

// scopeOf returns the periods of year that have ended at now.
func scopeOf(year int, now time.Time) yearScope {
	sc := yearScope{year: year, coversTo: yearPeriod(year).From}
	for m := time.January; m <= time.December; m++ {
		p := monthPeriod(year, m)
		if p.To.After(now) {
			break
		}
		sc.months = append(sc.months, p)
		sc.coversTo = p.To
	}
	for h := 1; h <= 2; h++ {
		if p := halfPeriod(year, h); !p.To.After(now) {
			sc.halves = append(sc.halves, p)
		}
	}
	if p := yearPeriod(year); !p.To.After(now) {
		sc.full = &p
	}
	return sc
}

// tablePeriods are the ended half-years, then the year once ended.
func (sc yearScope) tablePeriods() []Period {
	out := append([]Period(nil), sc.halves...)
	if sc.full != nil {
		out = append(out, *sc.full)
	}
	return out
}

// all is every ended period of the scope.
func (sc yearScope) all() []Period {
	return append(append([]Period(nil), sc.months...), sc.tablePeriods()...)
}

// model collects the figures of one release.
type model struct {
	ctx   context.Context
	tx    *gorm.DB
	sc    yearScope
	sys   disclosure.System
	grids map[string][][]string
	extra map[string]*float64
	k     int
	// national leaves the organizations' parts out (a release audited for
	// the national reader only, to compare with).
	national bool
}

func famKey(f family, period string) string { return string(f) + "|" + period }

func cellKey(table, period string, dims ...string) string {
	return "t|" + table + "|" + period + "|" + strings.Join(dims, "|")
}

func gridKey(table, period string) string { return table + "|" + period }

// build counts every figure of the scope and records their relations.
func (m *model) build() error {
	m.grids = map[string][][]string{}
	m.extra = map[string]*float64{}
	for _, def := range tables {
		if err := m.table(def); err != nil {
			return err
		}
	}
	for _, def := range series {
		if err := m.seriesMonths(def); err != nil {
			return err
		}
	}
	m.totalsOverTime()
	if err := m.indicators(); err != nil {
		return err
	}
	return m.reportFigures()
}

// table adds the cells and total of def for each table period, and the
// relations of its cells across the year and its halves.
func (m *model) table(def tableDef) error {
	for _, p := range m.sc.tablePeriods() {
		grids, err := m.gridsOf(def, p)
		if err != nil {
			return err
		}
		cells, total, err := countCells(m.ctx, m.tx, def, grids, p.From, p.To)
		if err != nil {
			return fmt.Errorf("count %s %s: %w", def.name, p.Name, err)
		}
		m.grids[gridKey(def.name, p.Name)] = grids
		counts := gridCounts(grids, cells)
		t := m.sys.Figure(famKey(def.family, p.Name), total)
		ids := make([]int, len(counts))
		forEachCell(grids, func(i int, dims []string) {
			ids[i] = m.sys.Figure(cellKey(def.name, p.Name, dims...), counts[i])
		})
		if def.multi {
			m.sys.Cover(t, ids...)
		} else {
			m.sys.Sum(t, ids...)
		}
		if err := m.knowTable(def, grids, p); err != nil {
			return err
		}
	}
	if m.sc.full == nil || def.overTime == state {
		return nil
	}
	y := m.sc.full.Name
	forEachCell(m.grids[gridKey(def.name, y)], func(_ int, dims []string) {
		m.relateOverTime(def.overTime, cellKey(def.name, y, dims...),
			cellKey(def.name, m.sc.halves[0].Name, dims...), cellKey(def.name, m.sc.halves[1].Name, dims...))
	})
	return nil
}

// relateOverTime records whole = sum(parts) (additive) or the union
// relation, when every key is a figure (a measure of another program's grid
// may be missing in one half).
func (m *model) relateOverTime(rel timeRelation, whole string, parts ...string) {
	w, ok := m.sys.Lookup(whole)
	if !ok {
		return
	}
	ids := make([]int, 0, len(parts))
	for _, k := range parts {
		i, ok := m.sys.Lookup(k)
		if !ok {
			return
		}
		ids = append(ids, i)
	}
	switch rel {
	case additive:
		m.sys.Sum(w, ids...)
	case union:
		m.sys.Cover(w, ids...)
	}
}

func (m *model) gridsOf(def tableDef, p Period) ([][]string, error) {
	grids := make([][]string, len(def.dims))
	for i, d := range def.dims {
		grids[i] = d.values
		if d.measures {
			codes, err := measureGrid(m.ctx, m.tx, p.To)
			if err != nil {
				return nil, fmt.Errorf("measures of %s: %w", p.Name, err)
			}
			grids[i] = codes
		}
	}
	return grids, nil
}

// seriesMonths adds the monthly totals of a series' family.
func (m *model) seriesMonths(def tableDef) error {
	if len(m.sc.months) == 0 {
		return nil
	}
	grid := make([]string, len(m.sc.months))
	for i, p := range m.sc.months {
		grid[i] = p.Name
	}
	var cells []cellCount
	for _, span := range m.seriesSpans(def) {
		c, _, err := countCells(m.ctx, m.tx, def, [][]string{grid}, span.From, span.To)
		if err != nil {
			return fmt.Errorf("count %s: %w", def.name, err)
		}
		cells = append(cells, c...)
	}
	counts := gridCounts([][]string{grid}, cells)
	for i, p := range m.sc.months {
		m.sys.Figure(famKey(def.family, p.Name), counts[i])
	}
	return m.knowSeries(def, grid)
}

// seriesSpans are the periods a series is counted over: its months one by
// one when it is kept per person and month (migration 0038), else the span
// of the months at once. A person counts once per month either way; the
// series' total over the span is not a figure.
func (m *model) seriesSpans(def tableDef) []Period {
	if def.perPerson {
		return m.sc.months
	}
	return []Period{{From: m.sc.months[0].From, To: m.sc.coversTo}}
}

// totalsOverTime relates each family's totals: a half to its months, the
// year to its halves.
func (m *model) totalsOverTime() {
	for _, def := range series {
		m.overTime(def.overTime, func(p string) string { return famKey(def.family, p) })
	}
}

// overTime relates the figures key(period) of the year to its halves and
// of each ended half to its months.
func (m *model) overTime(rel timeRelation, key func(period string) string) {
	for _, h := range m.sc.halves {
		var months []string
		for _, mo := range m.sc.months {
			if !mo.From.Before(h.From) && mo.To.Compare(h.To) <= 0 {
				months = append(months, key(mo.Name))
			}
		}
		m.relateOverTime(rel, key(h.Name), months...)
	}
	if m.sc.full != nil {
		m.relateOverTime(rel, key(m.sc.full.Name), key(m.sc.halves[0].Name), key(m.sc.halves[1].Name))
	}
}

// gridCounts lays counted cells onto the full grid, zeros included.
func gridCounts(grids [][]string, cells []cellCount) []int64 {
	cols := 1
	if len(grids) > 1 {
		cols = len(grids[1])
	}
	index := map[[2]string]int{}
	forEachCell(grids, func(i int, dims []string) {
		k := [2]string{dims[0], ""}
		if len(dims) > 1 {
			k[1] = dims[1]
		}
		index[k] = i
	})
	counts := make([]int64, len(grids[0])*cols)
	for _, c := range cells {
		if i, ok := index[[2]string{c.G0, c.G1}]; ok {
			counts[i] += c.N
		}
	}
	return counts
}

// forEachCell calls fn with each cell's row-major index and dimension values.
func forEachCell(grids [][]string, fn func(i int, dims []string)) {
	if len(grids) == 1 {
		for i, a := range grids[0] {
			fn(i, []string{a})
		}
		return
	}
	for i, a := range grids[0] {
		for j, b := range grids[1] {
			fn(i*len(grids[1])+j, []string{a, b})
		}
	}
}
