package database

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Replica is a hot standby of the database (DATABASE_REPLICA_URL) from
// which the stored releases of ended periods are read, and on which the
// session of such a read is checked while the primary is away
// (docs/adr/0014-reads-from-a-standby.md). It follows how far behind the
// primary the standby is: SampleOnce, run every second by the server,
// records the primary's WAL position with the time, and the standby's
// replayed position tells from which of these times it holds everything.
// A nil *Replica is no standby: reads go to the primary.
type Replica struct {
	DB      *gorm.DB
	primary *gorm.DB
	maxLag  time.Duration

	mu sync.Mutex
	// samples are the primary's WAL positions (oldest first) not yet
	// known to be replayed, and the last one that is.
	samples []lsnSample
	// heldAt: the standby held everything the primary had committed at
	// this time; lastPrimary: when the primary last answered a sample.
	heldAt, lastPrimary time.Time
}

type lsnSample struct {
	at  time.Time
	lsn string
}

// OpenReplica opens a small pool on the standby at url beside primary. It
// does not wait for the standby to answer: a standby that is down or still
// catching up at start leaves the reads on the primary until it answers.
func OpenReplica(url string, primary *gorm.DB, maxLag time.Duration) (*Replica, error) {
	cfg := gormConfig()
	cfg.DisableAutomaticPing = true
	db, err := gorm.Open(postgres.New(postgres.Config{DSN: withoutJIT(url)}), cfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_REPLICA_URL: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(10)
	sqlDB.SetMaxIdleConns(5)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &Replica{DB: db, primary: primary, maxLag: maxLag}, nil
}

// Reader returns the standby's pool, or primary when there is no standby.
func (r *Replica) Reader(primary *gorm.DB) *gorm.DB {
	if r == nil {
		return primary
	}
	return r.DB
}

// SampleOnce records the primary's WAL position and compares the
// standby's replayed position with the positions recorded so far. It
// returns 1 when the primary answered. Either side failing is an error
// (the job's metrics count it); what was learnt from the other is kept.
func (r *Replica) SampleOnce(ctx context.Context) (int, error) {
	var primaryErr error
	var lsn string
	now := time.Now()
	if primaryErr = r.primary.WithContext(ctx).Raw(`SELECT pg_current_wal_lsn()::text`).Scan(&lsn).Error; primaryErr == nil {
		r.mu.Lock()
		r.samples = append(r.samples, lsnSample{at: now, lsn: lsn})
		r.lastPrimary = now
		r.mu.Unlock()
	}
	r.mu.Lock()
	pending := append([]lsnSample(nil), r.samples...)
	r.mu.Unlock()
	held := -1
	if len(pending) > 0 {
		lsns := make([]string, len(pending))
		for i, s := range pending {
			lsns[i] = s.lsn
		}
		// The newest recorded position the standby has replayed.
		err := r.DB.WithContext(ctx).Raw(`SELECT coalesce(max(o.n), 0)::int FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS o(lsn, n)
			WHERE pg_last_wal_replay_lsn() >= o.lsn::pg_lsn`, Array[string](lsns)).Scan(&held).Error
		if err != nil {
			return 0, fmt.Errorf("replica: read the standby's position: %w", err)
		}
		held--
	}
	r.mu.Lock()
	if held >= 0 {
		r.heldAt = pending[held].at
		r.samples = r.samples[held+1:]
	}
	if len(r.samples) > 600 {
		r.samples = r.samples[len(r.samples)-600:]
	}
	r.mu.Unlock()
	if primaryErr != nil {
		return 0, fmt.Errorf("replica: read the primary's position: %w", primaryErr)
	}
	return 1, nil
}

// Staleness is how far behind the primary the standby was when the primary
// last answered: the time between that answer and the newest moment of the
// primary the standby is known to hold. ok is false before both are known.
func (r *Replica) Staleness() (d time.Duration, ok bool) {
	if r == nil {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.heldAt.IsZero() || r.lastPrimary.IsZero() {
		return 0, false
	}
	return r.lastPrimary.Sub(r.heldAt), true
}

// MayCheckSessions reports whether sessions may be checked on the standby
// while the primary is away: the standby was at most the configured lag
// behind when the primary last answered.
func (r *Replica) MayCheckSessions() bool {
	d, ok := r.Staleness()
	return ok && d <= r.maxLag
}

// ReadTx runs fn in one read-only, repeatable-read transaction on the
// standby, or on primary when there is no standby or the standby cannot
// be reached.
func ReadTx(ctx context.Context, r *Replica, primary *gorm.DB, fn func(tx *gorm.DB) error) error {
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	if r != nil {
		err := r.DB.WithContext(ctx).Transaction(fn, opts)
		if !IsUnavailable(err) {
			return err
		}
	}
	return primary.WithContext(ctx).Transaction(fn, opts)
}
