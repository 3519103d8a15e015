package stats

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/disclosure"
	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// ActionRelease is the audit action of a computed release.
const ActionRelease = "stats.release"

// Release is the stored release of one year: each figure's released value,
// or nil when withheld.
type Release struct {
	Year     int       `json:"-"`
	Version  int       `json:"-"`
	K        int       `json:"-"`
	CoversTo time.Time `json:"-"`
	// Figures maps a figure key to its value, nil when withheld.
	Figures map[string]*int64 `json:"figures"`
	// Extra holds shares, means and activity figures, nil when withheld.
	Extra map[string]*float64 `json:"extra"`
	// Grids holds each table's dimension values per period.
	Grids map[string][][]string `json:"grids"`
	// Intervals holds, for each withheld figure, the interval a reader
	// derives from this version (what a later version is audited against).
	Intervals map[string]Bounds `json:"intervals,omitempty"`
	// Stats says how much was withheld and what it cost.
	Stats ReleaseStats `json:"stats"`
}

// ReleaseStats describes a release's computation.
type ReleaseStats struct {
	disclosure.Stats
	Withheld int   `json:"withheld"`
	Millis   int64 `json:"millis"`
	// CountMillis is the part of Millis spent counting the figures (the
	// rest protects them).
	CountMillis int64 `json:"count_millis"`
	Dropped     int   `json:"dropped_relations"`
}

// Figure returns the released value of key; ok is false when the key is
// not part of the release, withheld when it is withheld.
func (r *Release) Figure(key string) (v int64, withheld, ok bool) {
	p, ok := r.Figures[key]
	if !ok {
		return 0, false, false
	}
	if p == nil {
		return 0, true, true
	}
	return *p, false, true
}

// releaseLock is the first key of the advisory lock taken while a year's
// release is computed (the second is the year).
const releaseLock = 0x4a52

// Release returns the current release of year, computing and storing a new
// version first when the stored one is missing, covers fewer ended months
// than have ended, was made with another k, or predates a correction.
func (s *Service) Release(ctx context.Context, year int) (*Release, error) {
	sc := scopeOf(year, s.now())
	if len(sc.months) == 0 {
		return nil, apperr.Invalid("period", "must have ended: statistics cover ended periods only")
	}
	rel, err := s.loadCurrent(ctx, s.db, sc)
	if err != nil || rel != nil {
		return rel, apperr.Wrap(err)
	}
	// The computation runs detached from the request: a reader who gives
	// up (a closed browser tab, a client's timeout) must not cancel work
	// that the next reader needs, or a long year would never be stored.
	// One computation per year runs in this process; the advisory lock
	// makes it one across replicas.
	ch := s.computing.DoChan(strconv.Itoa(year), func() (any, error) {
		return s.compute(context.WithoutCancel(ctx), sc, year)
	})
	select {
	case <-ctx.Done():
		return nil, apperr.Wrap(ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, apperr.Wrap(r.Err)
		}
		return r.Val.(*Release), nil
	}
}

// compute computes, stores and audits the release of sc's year under the
// year's advisory lock, unless another process stored it meanwhile. The
// locks are transaction-level: behind a pooler in transaction mode
// (docs/operations.md) a session lock could be taken on one server
// connection and released on another, and the year would stay locked.
func (s *Service) compute(ctx context.Context, sc yearScope, year int) (*Release, error) {
	for attempt := 1; ; attempt++ {
		rel, err := s.computeOnce(ctx, sc, year)
		if database.IsCode(err, "23505") && attempt < 3 {
			// Another process stored the same version first: read it, or
			// compute the next when a correction has come since.
			continue
		}
		return rel, err
	}
}

func (s *Service) computeOnce(ctx context.Context, sc yearScope, year int) (*Release, error) {
	var rel *Release
	// Read committed: once the lock is held, each statement sees what
	// committed before it.
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if rel, err = s.lockedCurrent(ctx, tx, sc); err != nil || rel != nil {
			return err
		}
		if err := refreshRollups(ctx, tx, yearPeriod(year).From, sc.coversTo); err != nil {
			return fmt.Errorf("refresh statistics rollups: %w", err)
		}
		return nil
	})
	if err != nil || rel != nil {
		return rel, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, releaseLock, sc.year).Error; err != nil {
			return err
		}
		// This transaction's snapshot was taken before the lock was
		// granted; a fresh read on another connection sees a release that
		// another process stored while this one waited.
		var err error
		if rel, err = s.loadCurrent(ctx, s.db, sc); err != nil || rel != nil {
			return err
		}
		rel, err = s.computeRelease(ctx, tx, sc)
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	return rel, err
}

// lockedCurrent takes the year's lock for the rest of tx and returns the
// stored release that is current, or nil.
func (s *Service) lockedCurrent(ctx context.Context, tx *gorm.DB, sc yearScope) (*Release, error) {
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, releaseLock, sc.year).Error; err != nil {
		return nil, err
	}
	return s.loadCurrent(ctx, tx, sc)
}

// storedRelease is a row of stats_releases.
type storedRelease struct {
	Year        int
	Version     int
	CoversTo    time.Time
	K           int
	Corrections int64
	Document    []byte
}

// loadCurrent returns the newest stored release of sc's year when it is
// current, nil otherwise. A stored version never changes, so the decoded
// document is kept per year and decoded again only when a newer version
// is current: a read costs one small query. Callers share the returned
// release and must not change it.
func (s *Service) loadCurrent(ctx context.Context, db *gorm.DB, sc yearScope) (*Release, error) {
	var versions []int
	err := db.WithContext(ctx).Raw(`SELECT r.version
		FROM stats_releases r
		WHERE r.year = ? AND r.k = ? AND r.covers_to = ?
		  AND r.corrections = coalesce((SELECT m.corrections FROM stats_release_marks m WHERE m.year = r.year), 0)
		  AND r.version = (SELECT max(version) FROM stats_releases WHERE year = r.year)`,
		sc.year, s.k, sc.coversTo.UTC()).Scan(&versions).Error
	if err != nil || len(versions) == 0 {
		return nil, err
	}
	if rel, ok := s.releases.Load(sc.year); ok && rel.(*Release).Version == versions[0] {
		return rel.(*Release), nil
	}
	var rows []storedRelease
	if err := db.WithContext(ctx).Raw(`SELECT year, version, covers_to, k, corrections, document
		FROM stats_releases WHERE year = ? AND version = ?`, sc.year, versions[0]).Scan(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	rel, err := decodeRelease(rows[0])
	if err != nil {
		return nil, err
	}
	s.releases.Store(sc.year, rel)
	return rel, nil
}

func decodeRelease(row storedRelease) (*Release, error) {
	rel := &Release{Year: row.Year, Version: row.Version, K: row.K, CoversTo: row.CoversTo}
	if err := json.Unmarshal(row.Document, rel); err != nil {
		return nil, fmt.Errorf("decode release %d v%d: %w", row.Year, row.Version, err)
	}
	return rel, nil
}

// computeRelease counts every figure of sc in tx's snapshot, protects them
// together with every earlier version of the year, and stores and audits
// the new version.
func (s *Service) computeRelease(ctx context.Context, tx *gorm.DB, sc yearScope) (rel *Release, err error) {
	start := time.Now()
	var corrections int64
	if err := tx.Raw(`SELECT coalesce((SELECT corrections FROM stats_release_marks WHERE year = ?), 0)`, sc.year).
		Scan(&corrections).Error; err != nil {
		return nil, err
	}
	var earlier []storedRelease
	if err := tx.Raw(`SELECT year, version, covers_to, k, corrections, document FROM stats_releases WHERE year = ? ORDER BY version`,
		sc.year).Scan(&earlier).Error; err != nil {
		return nil, err
	}
	m := &model{ctx: ctx, tx: tx, sc: sc, k: s.k}
	defer func() {
		// Two outputs meant to share a figure disagreeing is a defect of
		// the definitions, not of the request: report it as internal.
		if r := recover(); r != nil {
			err = fmt.Errorf("release %d: %v", sc.year, r)
		}
	}()
	if err := m.build(); err != nil {
		return nil, err
	}
	counted := time.Since(start).Milliseconds()
	dropped := m.sys.DropFalse()
	for _, e := range earlier {
		prev, err := decodeRelease(e)
		if err != nil {
			return nil, err
		}
		stickTo(&m.sys, prev, s.k)
	}
	pattern, st := disclosure.Protect(&m.sys, s.k)
	rel = &Release{Year: sc.year, Version: len(earlier) + 1, K: s.k, CoversTo: sc.coversTo,
		Figures: map[string]*int64{}, Extra: m.extra, Grids: m.grids, Intervals: readerIntervals(&m.sys, pattern)}
	if n := len(earlier); n > 0 {
		rel.Version = earlier[n-1].Version + 1
	}
	for i := 0; i < m.sys.Len(); i++ {
		if m.sys.Hidden(i) {
			continue
		}
		var v *int64
		if !pattern[i] {
			x := m.sys.Value(i)
			v = &x
		}
		rel.Figures[m.sys.Key(i)] = v
	}
	for key := range rel.Extra {
		if v, ok := rel.Figures[key]; ok && v == nil {
			rel.Extra[key] = nil // an activity figure the reports' figures would give away
		}
	}
	rel.Stats = ReleaseStats{Stats: st, Withheld: pattern.Withheld(), Dropped: dropped,
		Millis: time.Since(start).Milliseconds(), CountMillis: counted}
	doc, err := json.Marshal(rel)
	if err != nil {
		return nil, err
	}
	if err := tx.Exec(`INSERT INTO stats_releases (year, version, covers_to, k, corrections, document) VALUES (?, ?, ?, ?, ?, ?)`,
		sc.year, rel.Version, sc.coversTo.UTC(), s.k, corrections, doc).Error; err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "statistics release computed", "year", sc.year, "version", rel.Version,
		"figures", st.Figures, "withheld", rel.Stats.Withheld, "lps", st.LPs, "ms", rel.Stats.Millis, "count_ms", counted)
	return rel, audit.Record(ctx, tx, ActionRelease, "stats_release", fmt.Sprintf("%d:v%d", sc.year, rel.Version), audit.Success)
}

// WarmOnce computes, when they are not stored yet, the releases a
// coordinator may ask for now (the series reach 24 months back, into the
// year before last), so that no reader waits for one. It returns how many
// years it made sure of and the first error met; the others are still tried.
// Several replicas may warm at once: the advisory lock of Release computes
// each once.
func (s *Service) WarmOnce(ctx context.Context) (int, error) {
	now := s.now().In(Bishkek)
	var first error
	n := 0
	for _, y := range []int{now.Year() - 2, now.Year() - 1, now.Year()} {
		if len(scopeOf(y, now).months) == 0 {
			continue
		}
		if _, err := s.Release(ctx, y); err != nil {
			if first == nil {
				first = fmt.Errorf("release of %d: %w", y, err)
			}
			continue
		}
		n++
	}
	return n, first
}
