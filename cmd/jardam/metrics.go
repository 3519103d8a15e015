package main

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/platform/metrics"
)

// startMetrics serves the operators' metrics endpoint on addr: the HTTP
// request metrics (recorded through reg), the database pool, the outbox
// backlog and the audit linker's lag. It returns a function that stops the
// endpoint.
func startMetrics(addr string, reg *metrics.Registry, db *gorm.DB, linker *audit.Linker, log *slog.Logger) (stop func(context.Context), err error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if err := reg.AddDBPool(sqlDB, "jardam"); err != nil {
		return nil, err
	}
	if err := reg.AddGauge("outbox_pending", "Referral events in the outbox not delivered yet.", 2*time.Second,
		func(ctx context.Context) (float64, error) {
			var n int64
			err := db.WithContext(ctx).Raw(`SELECT count(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n).Error
			return float64(n), err
		}); err != nil {
		return nil, err
	}
	if err := reg.AddGauge("outbox_oldest_pending_seconds", "Age of the oldest undelivered outbox event (0 when none).", 2*time.Second,
		func(ctx context.Context) (float64, error) {
			var age float64
			err := db.WithContext(ctx).Raw(`SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
				FROM outbox WHERE delivered_at IS NULL`).Scan(&age).Error
			return age, err
		}); err != nil {
		return nil, err
	}
	if err := reg.AddGauge("audit_unlinked_entries", "Committed audit entries the linker has not chained yet.", 2*time.Second,
		func(ctx context.Context) (float64, error) {
			n, err := linker.Lag(ctx)
			return float64(n), err
		}); err != nil {
		return nil, err
	}
	srv, err := reg.Listen(addr, log)
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve() }()
	log.Info("serving metrics", slog.String("url", "http://"+srv.Addr()+"/metrics"))
	return func(ctx context.Context) { _ = srv.Shutdown(ctx) }, nil
}
