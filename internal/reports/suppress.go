package reports

import (
	"github.com/jardam-kg/jardam/internal/stats"
)

// cell is one figure's value and whether it is withheld.
type cell struct {
	value      float64
	suppressed bool
}

// released is the cell's value, nil when withheld.
func (c cell) released() *float64 {
	if c.suppressed {
		return nil
	}
	v := c.value
	return &v
}

// exactCells maps the raw figures of one organization and measure to the
// report's figures, unsuppressed.
func exactCells(raw map[string]float64) map[string]cell {
	out := map[string]cell{}
	for _, d := range figureDefs {
		out[d.name] = cell{value: figureValue(raw, d.name)}
	}
	return out
}

// figureValue computes a report figure from the raw figures of
// jardam_report_figures.
func figureValue(raw map[string]float64, name string) float64 {
	if name == FigureSpendingKGS {
		return raw["assistance_kgs"] + raw["activity_kgs"]
	}
	return raw[name]
}

// releasedCells reads the figures of measure code in the report of kind
// (a body's: of the organization orgCode) for h from the year's release:
// every figure a coordinator reads is a figure of the release, withheld or
// not by its one decision (docs/disclosure.md). A figure the release does
// not hold (a measure added since it was computed) is withheld.
func releasedCells(rel *stats.Release, h HalfYear, kind, orgCode, code string) map[string]cell {
	org := orgCode
	if kind == KindSummary {
		org = ""
	}
	out := map[string]cell{}
	for _, d := range figureDefs {
		out[d.name] = releasedCell(rel, d.name == FigureSpendingKGS, stats.ReportKey(org, code, d.name, h.Name()))
	}
	return out
}

// releasedCell is the figure key of rel: an amount in som when money.
func releasedCell(rel *stats.Release, money bool, key string) cell {
	if rel == nil {
		return cell{suppressed: true}
	}
	n, withheld, ok := rel.Figure(key)
	switch {
	case !ok || withheld:
		return cell{suppressed: true}
	case money:
		return cell{value: float64(n) / 100}
	}
	return cell{value: float64(n)}
}
