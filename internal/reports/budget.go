package reports

import (
	"context"
	"regexp"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/measures"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
	"github.com/jardam-kg/jardam/internal/stats"
)

// BudgetSource is the plan and the actual spending of a measure from one
// funding source in a year. A withheld actual is null with
// actual_suppressed true.
type BudgetSource struct {
	FundingSource string `json:"funding_source"`
	MeasureBudget
}

// BudgetMeasure is one measure of the budget: its sources and totals.
type BudgetMeasure struct {
	Code      string         `json:"code"`
	Direction string         `json:"direction"`
	Title     measures.Title `json:"title"`
	Sources   []BudgetSource `json:"sources"`
	MeasureBudget
}

// Budget is the answer of GET /api/v1/budget: Appendix 4's planned amounts
// per measure and funding source for a year, with the actual spending
// beside them, and the program's totals.
type Budget struct {
	Program          string          `json:"program"`
	Year             int             `json:"year"`
	K                int             `json:"k"`
	FundingSources   []string        `json:"funding_sources"`
	Items            []BudgetMeasure `json:"items"`
	PlannedKGS       float64         `json:"planned_kgs"`
	ActualKGS        *float64        `json:"actual_kgs"`
	ActualSuppressed bool            `json:"actual_suppressed"`
}

var programPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}$`)

// Budget returns the budget of program (empty: the program in force in the
// year) for year (empty: the last ended year; it must have ended, Asia/
// Bishkek), and records the read (budget.read).
//
// Planned amounts are the measure's budget lines. Actual spending per
// measure and funding source is the cost of assistance implementing the
// measure that was given (in progress or completed) and started in the
// year (started_on, or the day it was recorded), plus the cost of
// activities against the measure held in the year; a cost without a
// funding source counts under other, and assistance that implements
// several measures counts under each. Actual spending spans every
// organization, so every caller reads it from the statistical release of
// the year (stats.Release), where it is one system with the half-year
// reports' spending and every other figure of the year: a sum of costs
// from 1 to k-1 persons, or more than half of it from one person, is
// withheld, and no withheld amount can be narrowed to within
// stats.MoneyShare of its value.
//
// It answers invalid errors naming `year` or `program`, and not found for
// a program that does not exist.
func (s *Service) Budget(ctx context.Context, program, year string) (Budget, error) {
	now := s.now().In(stats.Bishkek)
	y := now.Year() - 1
	if year != "" {
		v, err := strconv.Atoi(year)
		switch {
		case err != nil || len(year) != 4 || v < 2000:
			return Budget{}, apperr.Invalid("year", "must be a year written YYYY")
		case v >= now.Year():
			return Budget{}, apperr.Invalid("year", "must have ended: actual spending covers ended years only")
		}
		y = v
	}
	if program != "" && !programPattern.MatchString(program) {
		return Budget{}, apperr.Invalid("program", "must be a program code written YYYY-YYYY")
	}
	rel, err := s.yearRelease(ctx, y)
	if err != nil {
		return Budget{}, err
	}
	out := Budget{Year: y, K: s.k, FundingSources: measures.FundingSources, Items: []BudgetMeasure{}}
	err = database.InCallerTx(ctx, s.db, func(tx *gorm.DB, _ reqctx.Principal) error {
		var codes []string
		var err error
		if program != "" {
			err = tx.Raw(`SELECT code FROM programs WHERE code = ?`, program).Scan(&codes).Error
		} else {
			err = tx.Raw(`SELECT code FROM programs WHERE starts_on <= make_date(?, 12, 31)
				ORDER BY (ends_on >= make_date(?, 1, 1)) DESC, starts_on DESC LIMIT 1`, y, y).Scan(&codes).Error
		}
		if err != nil {
			return err
		}
		if len(codes) == 0 {
			if aerr := audit.Record(ctx, tx, ActionBudget, "budget", strconv.Itoa(y), audit.NotFound); aerr != nil {
				return aerr
			}
			return apperr.NotFound("program")
		}
		out.Program = codes[0]
		if err := fillBudget(tx, &out, rel); err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionBudget, "budget", out.Program+":"+strconv.Itoa(y), audit.Success)
	})
	return out, apperr.Wrap(err)
}

// fillBudget fills the measures of out.Program with their planned
// amounts and the actual spending released in rel.
func fillBudget(tx *gorm.DB, out *Budget, rel *stats.Release) error {
	ms, err := loadMeasures(tx, out.Program)
	if err != nil {
		return err
	}
	planned, err := plannedBySource(tx, ms, out.Year)
	if err != nil {
		return err
	}
	for _, m := range ms {
		bm := BudgetMeasure{Code: m.Code, Direction: m.Direction, Title: measures.Title{RU: m.TitleRu, KY: m.TitleKy, EN: m.TitleEn},
			Sources: make([]BudgetSource, len(measures.FundingSources))}
		for i, fs := range measures.FundingSources {
			c := releasedCell(rel, true, stats.BudgetKey(m.Code, fs, out.Year))
			bm.Sources[i] = BudgetSource{FundingSource: fs, MeasureBudget: MeasureBudget{PlannedKGS: planned[m.Code][i],
				ActualKGS: c.released(), ActualSuppressed: c.suppressed}}
			bm.PlannedKGS += planned[m.Code][i]
		}
		c := releasedCell(rel, true, stats.BudgetKey(m.Code, "", out.Year))
		bm.ActualKGS, bm.ActualSuppressed = c.released(), c.suppressed
		out.PlannedKGS += bm.PlannedKGS
		out.Items = append(out.Items, bm)
	}
	c := releasedCell(rel, true, stats.BudgetProgramKey(out.Program, out.Year))
	out.ActualKGS, out.ActualSuppressed = c.released(), c.suppressed
	return nil
}

// plannedBySource sums the planned amounts of ms in year per measure and
// funding source (in the order of measures.FundingSources).
func plannedBySource(tx *gorm.DB, ms []measureRow, year int) (map[string][]float64, error) {
	codes := make([]string, len(ms))
	for i, m := range ms {
		codes[i] = m.Code
	}
	var lines []struct {
		MeasureCode   string
		FundingSource string
		Planned       float64
	}
	if err := tx.Raw(`SELECT measure_code, funding_source, planned_kgs::float8 AS planned FROM measure_budget_lines
		WHERE year = ? AND measure_code IN ?`, year, append(codes, "")).Scan(&lines).Error; err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for _, m := range ms {
		out[m.Code] = make([]float64, len(measures.FundingSources))
	}
	for _, l := range lines {
		i := slices.Index(measures.FundingSources, l.FundingSource)
		if i < 0 {
			i = slices.Index(measures.FundingSources, "other")
		}
		out[l.MeasureCode][i] += l.Planned
	}
	return out, nil
}
