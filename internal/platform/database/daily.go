package database

import (
	"context"

	"gorm.io/gorm"
)

// OncePerDay runs fn in a transaction unless job ran less than a day ago or
// another process is running it now: one transaction-level advisory lock
// per job name, and the last run in scheduled_jobs, recorded in the same
// transaction, so that with several replicas the job runs once a day and a
// failed run (fn's error) records nothing and is tried again. It reports
// whether fn ran.
func OncePerDay(ctx context.Context, db *gorm.DB, job string, fn func(tx *gorm.DB) error) (bool, error) {
	ran := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var due bool
		if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('jardam.job'), hashtext(?)) AND NOT EXISTS (
			SELECT 1 FROM scheduled_jobs WHERE name = ? AND last_run_at > now() - interval '1 day')`, job, job).
			Scan(&due).Error; err != nil || !due {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		ran = true
		return tx.Exec(`INSERT INTO scheduled_jobs (name, last_run_at) VALUES (?, now())
			ON CONFLICT (name) DO UPDATE SET last_run_at = now()`, job).Error
	})
	return ran && err == nil, err
}
