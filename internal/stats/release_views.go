package stats

import (
	"fmt"
	"time"
)

// Supervisors read the national figures while knowing the exact figures of
// their own organization's cases. The release records, for every figure,
// each organization's part (the persons of the cases it owns; assistance
// and referrals count under the owner of their case) as a view of the
// system, and disclosure.Protect audits every view besides the national
// reader: the rest of a withheld figure (every other organization's
// persons) must keep an interval of at least k for each supervisor too.

// orgCounts is one organization's counted cells of an aggregate.
type orgCounts struct {
	cells []cellCount
	total int64
}

// countOrgCells counts the cells of def over [from, to) per owning
// organization, with jardam_stats_org_counts (the function whose sum is
// jardam_stats_counts).
func (m *model) countOrgCells(def tableDef, grids [][]string, from, to time.Time) (map[string]*orgCounts, error) {
	var grid1, fallback1 any
	if len(def.dims) > 1 && len(grids) > 1 {
		grid1, fallback1 = textArray(grids[1]), def.dims[1].fallback
	}
	var rows []struct {
		Org     string
		D0, D1  *string
		Persons int64
		IsTotal bool
	}
	// (gorm does not fill an embedded countRow: its fields are listed.)
	err := m.tx.WithContext(m.ctx).Raw(`SELECT org, d0, d1, persons, is_total
		FROM `+def.orgFunction()+`(?, ?, ?, ?::text[], ?::text, ?::text[], ?::text)`,
		def.name, from.UTC(), to.UTC(), textArray(grids[0]), def.dims[0].fallback, grid1, fallback1).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count %s per organization: %w", def.name, err)
	}
	out := map[string]*orgCounts{}
	for _, r := range rows {
		o := out[r.Org]
		if o == nil {
			o = &orgCounts{}
			out[r.Org] = o
		}
		if r.IsTotal {
			o.total = r.Persons
			continue
		}
		o.cells = append(o.cells, countRow{D0: r.D0, D1: r.D1, Persons: r.Persons}.cell())
	}
	return out, nil
}

// knowCells records each organization's part of the cells (keyed by
// cellKey of each grid cell) and of the total.
func (m *model) knowCells(def tableDef, grids [][]string, from, to time.Time, total string, cell func(dims []string) string) error {
	if m.national {
		return nil
	}
	byOrg, err := m.countOrgCells(def, grids, from, to)
	if err != nil {
		return err
	}
	m.knowCounts(byOrg, grids, total, cell)
	return nil
}

// knowCounts records the organizations' counted parts of the cells and of
// the total; an organization's cell not counted is known to be zero.
func (m *model) knowCounts(byOrg map[string]*orgCounts, grids [][]string, total string, cell func(dims []string) string) {
	for org, o := range byOrg {
		if t, ok := m.sys.Lookup(total); ok && total != "" {
			m.sys.Know(org, t, o.total)
		}
		counts := gridCounts(grids, o.cells)
		forEachCell(grids, func(i int, dims []string) {
			if f, ok := m.sys.Lookup(cell(dims)); ok {
				m.sys.Know(org, f, counts[i])
			}
		})
	}
}

// knowTable records the organizations' parts of def's table for p.
func (m *model) knowTable(def tableDef, grids [][]string, p Period) error {
	return m.knowCells(def, grids, p.From, p.To, famKey(def.family, p.Name),
		func(dims []string) string { return cellKey(def.name, p.Name, dims...) })
}

// knowSeries records the organizations' parts of the months of a series.
// A series kept per person and month is counted month by month.
func (m *model) knowSeries(def tableDef, grid []string) error {
	if m.national {
		return nil
	}
	byOrg := map[string]*orgCounts{}
	for _, span := range m.seriesSpans(def) {
		part, err := m.countOrgCells(def, [][]string{grid}, span.From, span.To)
		if err != nil {
			return err
		}
		for org, o := range part {
			if byOrg[org] == nil {
				byOrg[org] = &orgCounts{}
			}
			byOrg[org].cells = append(byOrg[org].cells, o.cells...)
		}
	}
	m.knowCounts(byOrg, [][]string{grid}, "", func(dims []string) string { return famKey(def.family, dims[0]) })
	return nil
}

// knowIndicators records the organizations' parts of the indicators of p.
func (m *model) knowIndicators(p Period) error {
	if m.national {
		return nil
	}
	var rows []struct {
		Org, Indicator string
		D0, D1         *string
		Persons        int64
	}
	if err := m.tx.Raw(`SELECT org, indicator, d0, d1, persons FROM jardam_indicator_org_counts(?, ?)`, p.From, p.To).
		Scan(&rows).Error; err != nil {
		return fmt.Errorf("indicators per organization %s: %w", p.Name, err)
	}
	know := func(org, key string, n int64) {
		if f, ok := m.sys.Lookup(key); ok {
			m.sys.Know(org, f, n)
		}
	}
	for _, r := range rows {
		switch r.Indicator {
		case IndicatorIdentified:
			// Parts add up: the total is the sum of the sex and age cells.
			know(r.Org, IndicatorKey(IndicatorIdentified, p.Name), r.Persons)
			if p.Granularity != Month {
				know(r.Org, IndicatorKey(IndicatorIdentified, p.Name, gridValue(sexes, r.D0), gridValue(ageBrackets, r.D1)), r.Persons)
			}
		case IndicatorAssisted:
			if r.D0 == nil {
				know(r.Org, IndicatorKey(IndicatorAssisted, p.Name), r.Persons)
			} else if p.Granularity != Month {
				know(r.Org, IndicatorKey(IndicatorAssisted, p.Name, *r.D0), r.Persons)
			}
		default:
			know(r.Org, IndicatorKey(r.Indicator, p.Name), r.Persons)
		}
	}
	return nil
}

// gridValue maps a value onto grid, "unknown" when missing or off it (as
// the national indicator does).
func gridValue(grid []string, v *string) string {
	if v == nil || index(grid, *v) < 0 {
		return "unknown"
	}
	return *v
}
