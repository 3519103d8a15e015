package stats

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"golang.org/x/sync/singleflight"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
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
	// releases holds the last decoded release per year (loadCurrent).
	releases sync.Map
	// computing runs one computation of a year's release at a time in this
	// process, whoever asks for it (Release).
	computing singleflight.Group
	// Replica, when set, is the standby from which stored releases are
	// read first (Stored); computing one stays on the primary.
	Replica *database.Replica
	// Spool, when set, keeps the audit entries of reads answered while
	// the primary is away.
	Spool *audit.Spool
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

// List describes every predefined table and series. Tables cover
// half-years and years; months are in the series only (a monthly
// breakdown of a national caseload would be withheld nearly whole, and
// would tie every table to twelve more periods).
func (s *Service) List() []Info {
	out := []Info{}
	for _, t := range tables {
		out = append(out, Info{Name: t.name, Kind: KindTable, Title: t.title, Dimensions: dimNames(t),
			Granularity: []string{string(Year), string(HalfYear)}, Additive: t.additive()})
	}
	for _, t := range series {
		out = append(out, Info{Name: t.name, Kind: KindSeries, Title: t.title, Dimensions: dimNames(t),
			Granularity: []string{string(Month)}, Additive: t.additive()})
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
// half-year) from the stored release of its year. It returns a not-found
// error for an unknown name, an invalid-input error naming `period` for a
// malformed, current or future period or a month, and records the read in
// the audit trail.
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
	if p.Granularity == Month {
		return Table{}, apperr.Invalid("period", "tables cover half-years and years; monthly figures are in the series")
	}
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return Table{}, apperr.Unauthorized("sign in first")
	}
	rel, err := s.Stored(ctx, p.From.In(Bishkek).Year())
	if err != nil {
		return Table{}, err
	}
	out, err := tableOf(def, rel, p.Name)
	if err != nil {
		return Table{}, apperr.Internal(err)
	}
	return out, s.recordRead(ctx, "stats_table", def.name+":"+p.Name)
}

// tableOf reads table def of period from a release.
func tableOf(def tableDef, rel *Release, period string) (Table, error) {
	grids, ok := rel.Grids[gridKey(def.name, period)]
	if !ok {
		return Table{}, fmt.Errorf("release %d v%d has no %s for %s", rel.Year, rel.Version, def.name, period)
	}
	t := Table{Name: def.name, Period: period, K: rel.K, Dimensions: dimNames(def), Rows: []Row{}}
	forEachCell(grids, func(_ int, dims []string) {
		r := Row{}
		for i, d := range dims {
			r.Dims = append(r.Dims, Dim{def.dims[i].name, d})
		}
		r.Count, r.Suppressed = released(rel, cellKey(def.name, period, dims...))
		t.Rows = append(t.Rows, r)
	})
	t.Totals.Count, t.Totals.Suppressed = released(rel, famKey(def.family, period))
	return t, nil
}

// released returns a figure of a release as a count and a withheld flag.
func released(rel *Release, key string) (*int64, bool) {
	v, ok := rel.Figures[key]
	if !ok || v == nil {
		return nil, true
	}
	n := *v
	return &n, false
}

// Series returns the monthly series name over the last SeriesMonths ended
// months, from the stored releases of their years. It returns a not-found
// error for an unknown name and records the read in the audit trail.
func (s *Service) Series(ctx context.Context, name string) (Table, error) {
	def, ok := findDef(series, name)
	if !ok {
		return Table{}, apperr.NotFound("series")
	}
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return Table{}, apperr.Unauthorized("sign in first")
	}
	months := LastEndedMonths(s.now(), SeriesMonths)
	span := months[0].Name + "/" + months[len(months)-1].Name
	out := Table{Name: def.name, Period: span, K: s.k, Dimensions: dimNames(def), Rows: []Row{}}
	rels := map[int]*Release{}
	var total int64
	whole := def.additive()
	for _, m := range months {
		y := m.From.In(Bishkek).Year()
		if rels[y] == nil {
			rel, err := s.Stored(ctx, y)
			if err != nil {
				return Table{}, err
			}
			rels[y] = rel
		}
		r := Row{Dims: []Dim{{def.dims[0].name, m.Name}}}
		r.Count, r.Suppressed = released(rels[y], famKey(def.family, m.Name))
		if r.Count != nil {
			total += *r.Count
		}
		whole = whole && !r.Suppressed
		out.Rows = append(out.Rows, r)
	}
	// The total is the sum of the months when they add up and are all
	// released (nothing new); a count of distinct persons over 24 months
	// would be a figure outside every release, so it is withheld.
	out.Totals = Totals{Suppressed: true}
	if whole {
		out.Totals = Totals{Count: &total}
	}
	return out, s.recordRead(ctx, "stats_series", def.name+":"+span)
}

// recordRead records the caller's read of a stored release's figures, on
// the primary or, while it is away, in the spool (audit.RecordDurably).
func (s *Service) recordRead(ctx context.Context, objectType, objectID string) error {
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return apperr.Unauthorized("sign in first")
	}
	return apperr.Wrap(audit.RecordDurably(ctx, s.db, s.Spool, ActionRead, objectType, objectID, audit.Success))
}

// Stored returns the current release of year as the standby holds it,
// when there is a standby and it holds one; otherwise Release on the
// primary (which computes a missing or outdated one). A standby holds
// what the primary had committed a replication lag ago: a release stored
// or marked for recomputation within that lag is read from the primary.
func (s *Service) Stored(ctx context.Context, year int) (*Release, error) {
	if s.Replica != nil {
		sc := scopeOf(year, s.now())
		if len(sc.months) > 0 {
			if rel, err := s.loadCurrent(ctx, s.Replica.DB, sc); err == nil && rel != nil {
				return rel, nil
			}
		}
	}
	return s.Release(ctx, year)
}

// StoredReleases gives the releases of Stored to the services that read
// them (measures, reports).
func (s *Service) StoredReleases() StoredReleases { return StoredReleases{s} }

// StoredReleases is a source of releases that reads the standby first.
type StoredReleases struct{ s *Service }

// Release returns the current release of year (Service.Stored).
func (r StoredReleases) Release(ctx context.Context, year int) (*Release, error) {
	return r.s.Stored(ctx, year)
}

// inTx runs fn in one repeatable-read transaction, so that a table's cells
// and totals come from one snapshot; the audit entry commits with it.
func (s *Service) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if _, ok := reqctx.PrincipalFrom(ctx); !ok {
		return apperr.Unauthorized("sign in first")
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}))
}
