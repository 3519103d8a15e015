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
	FundingSource    string   `json:"funding_source"`
	PlannedKGS       float64  `json:"planned_kgs"`
	ActualKGS        *float64 `json:"actual_kgs"`
	ActualSuppressed bool     `json:"actual_suppressed"`
}

// BudgetMeasure is one measure of the budget: its sources and totals.
type BudgetMeasure struct {
	Code             string         `json:"code"`
	Direction        string         `json:"direction"`
	Title            measures.Title `json:"title"`
	Sources          []BudgetSource `json:"sources"`
	PlannedKGS       float64        `json:"planned_kgs"`
	ActualKGS        *float64       `json:"actual_kgs"`
	ActualSuppressed bool           `json:"actual_suppressed"`
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
// several measures counts under each. Actual spending is a sum over
// persons and is suppressed for every caller (coordinators and the
// supervisors of any one body alike, since it spans every organization):
// per measure, the funding sources are the cells and the measure the total
// of a stats.Suppress grid over the distinct persons whose assistance has
// a cost, so spending attributable to 1 to k-1 persons is withheld and
// cannot be recovered from the measure's total; the program's total is
// withheld whenever a measure's is.
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
	out := Budget{Year: y, K: s.k, FundingSources: measures.FundingSources, Items: []BudgetMeasure{}}
	err := database.InCallerTx(ctx, s.db, func(tx *gorm.DB, _ reqctx.Principal) error {
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
		if err := s.fillBudget(tx, &out); err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionBudget, "budget", out.Program+":"+strconv.Itoa(y), audit.Success)
	})
	return out, apperr.Wrap(err)
}

type actualRow struct {
	MeasureCode   string
	FundingSource *string
	Persons       int64
	AssistanceKgs float64
	ActivityKgs   float64
}

func (s *Service) fillBudget(tx *gorm.DB, out *Budget) error {
	ms, err := loadMeasures(tx, out.Program)
	if err != nil {
		return err
	}
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
		WHERE year = ? AND measure_code IN ?`, out.Year, append(codes, "")).Scan(&lines).Error; err != nil {
		return err
	}
	var actual []actualRow
	if err := tx.Raw(`SELECT measure_code, funding_source, persons, assistance_kgs::float8 AS assistance_kgs,
			activity_kgs::float8 AS activity_kgs FROM jardam_budget_actuals(?, ?::text[])`, out.Year, database.Array[string](codes)).
		Scan(&actual).Error; err != nil {
		return err
	}
	sources := measures.FundingSources
	src := func(v string) int {
		if i := slices.Index(sources, v); i >= 0 {
			return i
		}
		return slices.Index(sources, "other")
	}
	type acc struct {
		planned, kgs []float64
		persons      []int64
		totalKGS     float64
		totalPersons int64
	}
	per := map[string]*acc{}
	get := func(code string) *acc {
		if per[code] == nil {
			per[code] = &acc{planned: make([]float64, len(sources)), kgs: make([]float64, len(sources)), persons: make([]int64, len(sources))}
		}
		return per[code]
	}
	for _, l := range lines {
		get(l.MeasureCode).planned[src(l.FundingSource)] += l.Planned
	}
	for _, a := range actual {
		g := get(a.MeasureCode)
		if a.FundingSource == nil {
			g.totalKGS, g.totalPersons = a.AssistanceKgs+a.ActivityKgs, a.Persons
			continue
		}
		i := src(*a.FundingSource)
		g.kgs[i] += a.AssistanceKgs + a.ActivityKgs
		g.persons[i] += a.Persons
	}
	var grand float64
	grandWithheld := false
	for _, m := range ms {
		g := get(m.Code)
		sup := stats.Suppress(stats.Grid{Counts: g.persons, Total: g.totalPersons}, s.k)
		bm := BudgetMeasure{Code: m.Code, Direction: m.Direction, Title: measures.Title{RU: m.TitleRu, KY: m.TitleKy, EN: m.TitleEn},
			Sources: make([]BudgetSource, len(sources))}
		for i, fs := range sources {
			c := BudgetSource{FundingSource: fs, PlannedKGS: g.planned[i], ActualSuppressed: sup.Cells[i]}
			if !sup.Cells[i] {
				v := g.kgs[i]
				c.ActualKGS = &v
			}
			bm.Sources[i] = c
			bm.PlannedKGS += g.planned[i]
		}
		if sup.Total {
			bm.ActualSuppressed = true
			grandWithheld = true
		} else {
			v := g.totalKGS
			bm.ActualKGS = &v
			grand += v
		}
		out.PlannedKGS += bm.PlannedKGS
		out.Items = append(out.Items, bm)
	}
	if grandWithheld {
		out.ActualSuppressed = true
	} else {
		out.ActualKGS = &grand
	}
	return nil
}
