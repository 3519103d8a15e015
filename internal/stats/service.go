package stats

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Audit actions of the statistics service.
const (
	ActionRead = "stats.read"
)

// Service computes the predefined tables and series and owns their
// transactions.
type Service struct {
	db  *gorm.DB
	k   int
	log *slog.Logger
	now func() time.Time
}

// NewService returns the statistics service. It panics when set.K is below
// MinK: a threshold the service refuses to run with (Settings.Validate lets
// configuration loading refuse it first).
func NewService(db *gorm.DB, set Settings, log *slog.Logger) *Service {
	if err := set.Validate(); err != nil {
		panic(err)
	}
	if set.K == 0 {
		set.K = DefaultK
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, k: set.K, log: log, now: time.Now}
}

// K returns the suppression threshold.
func (s *Service) K() int { return s.k }

// List describes every predefined table and series.
func (s *Service) List() []Info {
	out := []Info{}
	for _, t := range tables {
		g := []string{string(Year), string(HalfYear)}
		if !t.cross() {
			g = append(g, string(Month))
		}
		out = append(out, Info{Name: t.name, Kind: KindTable, Title: t.title, Dimensions: dimNames(t), Granularity: g})
	}
	for _, t := range series {
		out = append(out, Info{Name: t.name, Kind: KindSeries, Title: t.title, Dimensions: dimNames(t), Granularity: []string{string(Month)}})
	}
	return out
}

func dimNames(t tableDef) []string {
	out := make([]string, len(t.dims))
	for i, d := range t.dims {
		out[i] = d.name
	}
	return out
}

// Table returns the table name for period (empty: the last ended
// half-year), suppressed. It returns a not-found error for an unknown name,
// an invalid-input error naming `period` for a malformed, current or future
// period or a month asked of a cross-tabulation, and records the read in the
// audit trail.
func (s *Service) Table(ctx context.Context, name, period string) (Table, error) {
	def, ok := findDef(tables, name)
	if !ok {
		return Table{}, apperr.NotFound("table")
	}
	now := s.now()
	p := LastEndedHalfYear(now)
	if period != "" {
		var err error
		if p, err = ParsePeriod(period, now); err != nil {
			return Table{}, err
		}
	}
	if def.cross() && p.Granularity == Month {
		return Table{}, apperr.Invalid("period", "cross-tabulations cover half-years and years only")
	}
	if def.rollup {
		if err := s.refresh(ctx, p.From, p.To); err != nil {
			return Table{}, err
		}
	}
	var out Table
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		grids := make([][]string, len(def.dims))
		for i, d := range def.dims {
			grids[i] = d.values
			if d.measures {
				codes, err := measureGrid(ctx, tx, p.To)
				if err != nil {
					return fmt.Errorf("measures of %s: %w", p.Name, err)
				}
				grids[i] = codes
			}
		}
		var err error
		out, err = s.compute(ctx, tx, def, grids, p.From, p.To, p.Name)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionRead, "stats_table", def.name+":"+p.Name, audit.Success)
	})
	return out, err
}

// Series returns the monthly series name over the last SeriesMonths ended
// months, suppressed. It returns a not-found error for an unknown name and
// records the read in the audit trail.
func (s *Service) Series(ctx context.Context, name string) (Table, error) {
	def, ok := findDef(series, name)
	if !ok {
		return Table{}, apperr.NotFound("series")
	}
	months := LastEndedMonths(s.now(), SeriesMonths)
	grid := make([]string, len(months))
	for i, m := range months {
		grid[i] = m.Name
	}
	span := months[0].Name + "/" + months[len(months)-1].Name
	if def.rollup {
		if err := s.refresh(ctx, months[0].From, months[len(months)-1].To); err != nil {
			return Table{}, err
		}
	}
	var out Table
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = s.compute(ctx, tx, def, [][]string{grid}, months[0].From, months[len(months)-1].To, span)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, ActionRead, "stats_series", def.name+":"+span, audit.Success)
	})
	return out, err
}

// compute counts the full grid of def and suppresses it.
func (s *Service) compute(ctx context.Context, tx *gorm.DB, def tableDef, grids [][]string, from, to time.Time, period string) (Table, error) {
	cells, total, err := countCells(ctx, tx, def, grids, from, to)
	if err != nil {
		return Table{}, fmt.Errorf("count %s: %w", def.name, err)
	}
	return assemble(def, grids, cells, total, s.k, period), nil
}

// assemble lays counts onto the full grid (zeros included), suppresses and
// converts to the response.
func assemble(def tableDef, grids [][]string, cells []cellCount, total int64, k int, period string) Table {
	rows, cols := len(grids[0]), 1
	if len(grids) > 1 {
		cols = len(grids[1])
	}
	index := map[[2]string]int{}
	for i, a := range grids[0] {
		if len(grids) > 1 {
			for j, b := range grids[1] {
				index[[2]string{a, b}] = i*cols + j
			}
		} else {
			index[[2]string{a, ""}] = i
		}
	}
	counts := make([]int64, rows*cols)
	for _, c := range cells {
		if i, ok := index[[2]string{c.G0, c.G1}]; ok {
			counts[i] += c.N
		}
	}
	var lines [][]int
	if len(grids) > 1 {
		lines = crossLines(rows, cols)
	}
	sup := Suppress(Grid{Counts: counts, Lines: lines, Total: total}, k)
	t := Table{Name: def.name, Period: period, K: k, Dimensions: dimNames(def), Rows: make([]Row, 0, len(counts))}
	for i := range counts {
		r := Row{Dims: []Dim{{def.dims[0].name, grids[0][i/cols]}}}
		if len(grids) > 1 {
			r.Dims = append(r.Dims, Dim{def.dims[1].name, grids[1][i%cols]})
		}
		if sup.Cells[i] {
			r.Suppressed = true
		} else {
			n := counts[i]
			r.Count = &n
		}
		t.Rows = append(t.Rows, r)
	}
	if sup.Total {
		t.Totals.Suppressed = true
	} else {
		n := total
		t.Totals.Count = &n
	}
	return t
}

// refresh brings the monthly rollups of [from, to) up to date before a
// read (only for a signed-in caller).
func (s *Service) refresh(ctx context.Context, from, to time.Time) error {
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return apperr.Unauthorized("sign in first")
	}
	if err := refreshRollups(ctx, s.db, from, to); err != nil {
		return apperr.Internal(fmt.Errorf("refresh statistics rollups: %w", err))
	}
	return nil
}

// inTx runs fn in one repeatable-read transaction, so that a table's cells
// and totals come from one snapshot; the audit entry commits with it.
func (s *Service) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return apperr.Unauthorized("sign in first")
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}))
}
