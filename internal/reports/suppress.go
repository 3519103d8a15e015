package reports

import (
	"github.com/google/uuid"

	"github.com/jardam-kg/jardam/internal/stats"
)

// cell is one figure's value and whether it is withheld.
type cell struct {
	value      float64
	suppressed bool
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

// guard names, for each report figure, the raw count whose grid decides
// whether it is withheld: persons for figures about persons' assistance,
// the figure itself for counts that concern no victim.
var guard = map[string]string{
	FigurePersonsIdentified:  FigurePersonsIdentified,
	FigurePersonsAssisted:    FigurePersonsAssisted,
	FigureAssistanceServices: FigurePersonsAssisted,
	FigureActivitiesHeld:     FigureActivitiesHeld,
	FigurePeopleReached:      FigurePeopleReached,
	FigureOfficialsTrained:   FigureOfficialsTrained,
	FigureSpendingKGS:        "cost_persons",
}

// suppressedCells computes the figures of measure m for the report t from
// every organization's figures, suppressed with threshold k. For each
// guarding count, the cells of a stats.Suppress grid are the bodies listed
// for the measure, plus one cell for what an observer can derive about
// every other organization (the all-organization value less the bodies'),
// and its total is the all-organization value; a body's figure is withheld
// when its cell is, the summary's when the total is.
func suppressedCells(figs map[figureKey]map[string]float64, m measureRow, bodies []uuid.UUID, t target, k int) map[string]cell {
	all := figs[figureKey{Code: m.Code}]
	at := -1
	for i, b := range bodies {
		if t.kind == KindBody && b == t.orgID {
			at = i
		}
	}
	withheld := map[string]bool{}
	for _, g := range guard {
		if _, done := withheld[g]; done {
			continue
		}
		counts := make([]int64, 0, len(bodies)+1)
		var sum int64
		for _, b := range bodies {
			c := int64(figs[figureKey{Org: b, Code: m.Code}][g])
			counts = append(counts, c)
			sum += c
		}
		total := int64(all[g])
		rest := total - sum
		if rest < 0 {
			rest = 0
		}
		counts = append(counts, rest)
		sup := stats.Suppress(stats.Grid{Counts: counts, Total: total}, k)
		switch {
		case t.kind == KindSummary:
			withheld[g] = sup.Total
		case at >= 0:
			withheld[g] = sup.Cells[at]
		default:
			withheld[g] = true
		}
	}
	raw := all
	if t.kind == KindBody {
		raw = figs[figureKey{Org: t.orgID, Code: m.Code}]
	}
	out := map[string]cell{}
	for _, d := range figureDefs {
		if withheld[guard[d.name]] {
			out[d.name] = cell{suppressed: true}
			continue
		}
		out[d.name] = cell{value: figureValue(raw, d.name)}
	}
	return out
}

// sharedWithTables applies the statistical release to the figures of the
// summary that are also statistics cells: persons identified under a
// measure in a half-year is the cell of cases_by_measure, so it is
// withheld in the summary exactly when the release withholds it (one
// figure, one decision, whichever output shows it).
func sharedWithTables(cells map[string]cell, rel *stats.Release, h HalfYear, code string) {
	if rel == nil {
		return
	}
	key := "t|cases_by_measure|" + h.Name() + "|" + code
	v, ok := rel.Figures[key]
	if !ok {
		return
	}
	c := cell{suppressed: true}
	if v != nil {
		c = cell{value: float64(*v)}
	}
	cells[FigurePersonsIdentified] = c
}
