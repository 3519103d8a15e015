package contacts

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// retentionJob names the job in scheduled_jobs.
const retentionJob = "erase_expired_contacts"

// Retention erases the contacts that did not become a case once they are
// older than the retention period: their data key is destroyed and their
// sealed fields removed, with the keys and sealed fields of their intakes
// that opened no case; what was counted (channel, caller, topic, region,
// screening) stays for the statistics. It runs at most once a day across
// every replica sharing the database.
type Retention struct {
	db     *gorm.DB
	months int
	log    *slog.Logger
	now    func() time.Time
}

// NewRetention returns the job for a retention of months months.
func NewRetention(db *gorm.DB, months int, log *slog.Logger) *Retention {
	return &Retention{db: db, months: months, log: log, now: time.Now}
}

// RunOnce erases the expired contacts, unless another replica holds the
// job's lock or it ran less than a day ago (it then returns 0 at once);
// each erased contact is audited (no actor: the server did it). It returns
// how many it erased, or the database's error (the pass then erases
// nothing).
func (j *Retention) RunOnce(ctx context.Context) (int, error) {
	n := 0
	_, err := database.OncePerDay(ctx, j.db, retentionJob, func(tx *gorm.DB) error {
		var err error
		n, err = EraseExpired(ctx, tx, j.now().AddDate(0, -j.months, 0))
		return err
	})
	if err == nil && n > 0 {
		j.log.InfoContext(ctx, "expired contacts erased", slog.Int("contacts", n), slog.Int("retention_months", j.months))
	}
	return n, err
}

// EraseExpired erases, in tx, the contacts recorded before cutoff that did
// not become a case and have no intake pending, auditing each; it returns
// how many it erased.
func EraseExpired(ctx context.Context, tx *gorm.DB, cutoff time.Time) (int, error) {
	var ids []uuid.UUID
	if err := tx.Raw(`SELECT jardam_erase_expired_contacts(?)`, cutoff).Scan(&ids).Error; err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := audit.RecordEntry(ctx, tx, audit.Entry{Action: "contact.erase", ObjectType: "contact", ObjectID: id.String(),
			Outcome: audit.Success}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
