package users

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/database"
)

// dormantJob names the job in scheduled_jobs.
const dormantJob = "disable_dormant_accounts"

// Dormancy disables the accounts nobody has used for a number of days: an
// account unused is a door nobody watches. It runs at most once a day
// across every replica sharing the database.
type Dormancy struct {
	db   *gorm.DB
	days int
	log  *slog.Logger
}

// NewDormancy returns the job for accounts unused for days days.
func NewDormancy(db *gorm.DB, days int, log *slog.Logger) *Dormancy {
	return &Dormancy{db: db, days: days, log: log}
}

// RunOnce disables every active account that has neither signed in nor
// become active in the last days days, unless another replica holds the
// job's advisory lock or the job ran less than a day ago (it then returns 0
// at once). A disabled account's sessions end, its cases are left
// unassigned for its supervisors, its organization is told and the change
// is audited (with no actor: the server did it). It returns how many
// accounts it disabled, or the database's error (the pass then changes
// nothing).
func (d *Dormancy) RunOnce(ctx context.Context) (int, error) {
	n := 0
	_, err := database.OncePerDay(ctx, d.db, dormantJob, func(tx *gorm.DB) error {
		var rows []row
		if err := tx.Raw(selectUser+` u WHERE status = 'active' AND activated_at < now() - make_interval(days => ?)
			AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.created_at >= now() - make_interval(days => ?))
			ORDER BY id FOR UPDATE`, d.days, d.days).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := disableDormant(ctx, tx, r); err != nil {
				return err
			}
		}
		n = len(rows)
		return nil
	})
	if err == nil && n > 0 {
		d.log.InfoContext(ctx, "dormant accounts disabled", slog.Int("accounts", n), slog.Int("unused_days", d.days))
	}
	return n, err
}

func disableDormant(ctx context.Context, tx *gorm.DB, r row) error {
	c := &change{sets: map[string]any{"version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()"),
		"status": StatusDisabled, "disabled_at": gorm.Expr("now()"), "pending_role": nil},
		endSessions: true, handOver: true}
	c.add("user.disable_dormant", notifications.KindAccountDisabled, r.Role)
	_, err := c.apply(ctx, tx, uuid.Nil, r, nil)
	return err
}
