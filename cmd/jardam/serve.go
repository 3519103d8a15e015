package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/api"
	"github.com/jardam-kg/jardam/internal/audit"
	"github.com/jardam-kg/jardam/internal/cases"
	"github.com/jardam-kg/jardam/internal/contacts"
	"github.com/jardam-kg/jardam/internal/notifications"
	"github.com/jardam-kg/jardam/internal/platform/authn"
	"github.com/jardam-kg/jardam/internal/platform/authz"
	"github.com/jardam-kg/jardam/internal/platform/config"
	"github.com/jardam-kg/jardam/internal/platform/database"
	"github.com/jardam-kg/jardam/internal/platform/metrics"
	"github.com/jardam-kg/jardam/internal/platform/passwd"
	"github.com/jardam-kg/jardam/internal/platform/schedule"
	"github.com/jardam-kg/jardam/internal/seed"
	"github.com/jardam-kg/jardam/internal/stats"
	"github.com/jardam-kg/jardam/internal/users"
	"github.com/jardam-kg/jardam/internal/work"
	"github.com/jardam-kg/jardam/migrations"
)

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting", slog.Any("config", cfg))
	tokenKeys, signer, err := loadServeKeys(cfg)
	if err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMB) << 20)
	}
	db, err := database.OpenWith(ctx, cfg.DatabaseURL, database.Options{TraceFile: cfg.SQLTraceFile})
	if err != nil {
		return err
	}
	defer database.Close(db)
	if err := database.CheckSchema(ctx, db, migrations.FS); err != nil {
		return fmt.Errorf("refusing to serve: %w", err)
	}
	if err := audit.CheckCurrentKey(ctx, db, signer); err != nil {
		return fmt.Errorf("refusing to serve: %w", err)
	}
	linker := audit.NewLinker(db, signer, log)
	if cfg.AuditAnchorFile != "" {
		linker.WithAnchor(audit.NewAnchor(cfg.AuditAnchorFile))
	}
	rs, err := openReadSide(cfg, db)
	if err != nil {
		return err
	}
	if rs.replica != nil {
		defer database.Close(rs.replica.DB)
	}
	srv, reg, err := newAPI(ctx, cfg, log, db, tokenKeys, signer, rs)
	if err != nil {
		return err
	}
	stopBG, err := runBackground(db, cfg, log, linker, reg, rs.jobs()...)
	if err != nil {
		return fmt.Errorf("background jobs: %w", err)
	}
	stopMetrics := func(context.Context) {}
	if reg != nil {
		if stopMetrics, err = startMetrics(cfg.MetricsListen, reg, db, linker, log); err != nil {
			stopBG()
			return fmt.Errorf("metrics: %w", err)
		}
	}
	if cfg.PprofListen != "" {
		closePprof, err := startPprof(cfg.PprofListen)
		if err != nil {
			stopBG()
			stopMetrics(ctx)
			return err
		}
		defer closePprof()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		stopBG()
		stopMetrics(ctx)
		return err
	}
	hs := newHTTPServer(srv.Echo, log)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	if strings.HasPrefix(cfg.Listen, "0.0.0.0") {
		url = "http://" + cfg.Listen
	}
	log.Info("serving", slog.String("url", url), slog.String("env", cfg.Env))
	select {
	case err := <-errc:
		stopBG()
		return err
	case <-ctx.Done():
	}
	return shutdown(cfg, log, hs, func(sctx context.Context) {
		stopMetrics(sctx)
		stopBG()
	}, linker)
}

// loadServeKeys checks that the database and key files are configured and
// loads the token signing keys and the audit checkpoint signer.
func loadServeKeys(cfg config.Config) (*authn.KeySet, *audit.Signer, error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, errors.New("DATABASE_URL is not set")
	}
	if cfg.JWTKeysFile == "" || cfg.AuditKeyFile == "" {
		return nil, nil, errors.New("set JARDAM_KEYS_DIR (or JARDAM_JWT_KEYS_FILE and JARDAM_AUDIT_KEY_FILE); create keys with `jardam keys init --dir DIR`")
	}
	tokenKeys, err := authn.LoadKeySet(cfg.JWTKeysFile)
	if err != nil {
		return nil, nil, err
	}
	signer, err := audit.LoadSigner(cfg.AuditKeyFile)
	if err != nil {
		return nil, nil, err
	}
	return tokenKeys, signer, nil
}

// newAPI builds the API server, with a metrics registry when an
// operators' address is configured. In production it refuses to serve
// while an account still has the demo password.
func newAPI(ctx context.Context, cfg config.Config, log *slog.Logger, db *gorm.DB, tokenKeys *authn.KeySet, signer *audit.Signer, rs readSide) (*api.Server, *metrics.Registry, error) {
	keys, err := keyring(ctx, cfg, db)
	if err != nil {
		return nil, nil, err
	}
	ring, err := audit.KeyRing(signer, cfg.AuditVerifyKeyFiles)
	if err != nil {
		return nil, nil, err
	}
	enforcer, err := authz.Load()
	if err != nil {
		return nil, nil, err
	}
	// At most one argon2 computation per CPU: more only queue for the CPU
	// while each holds its 19 MiB, so a burst of sign-ins costs memory
	// without adding throughput.
	hasher := passwd.NewHasher(min(cfg.MaxConcurrentKDF, max(1, runtime.GOMAXPROCS(0))))
	if cfg.Production() {
		demo, err := seed.AccountsWithDemoPassword(ctx, db, hasher)
		if err != nil {
			return nil, nil, err
		}
		if len(demo) > 0 {
			return nil, nil, fmt.Errorf("refusing to serve in production: %d account(s) still have the demo password; change them or set JARDAM_ENV=development", len(demo))
		}
	}
	var reg *metrics.Registry
	if cfg.MetricsListen != "" {
		reg = metrics.New()
	}
	srv, err := api.New(api.Deps{
		Config: cfg, DB: db, Logger: log,
		Tokens:        authn.NewTokens(tokenKeys, cfg.Issuer, cfg.Audience, cfg.AccessTokenTTL),
		Hasher:        hasher,
		Enforcer:      enforcer,
		AuditVerifier: ring,
		Keys:          keys,
		Metrics:       reg,
		Replica:       rs.replica,
		Spool:         rs.spool,
	})
	if err != nil {
		return nil, nil, err
	}
	return srv, reg, nil
}

// backgroundJobs is the service's background work, run by one scheduler
// (internal/platform/schedule) whose counts are on /metrics. The daily
// jobs run once a day across replicas (database.OncePerDay); the others
// are safe to run in every replica at once.
func backgroundJobs(db *gorm.DB, cfg config.Config, log *slog.Logger, linker *audit.Linker) []schedule.Job {
	mail := notifications.SMTP{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, BaseURL: cfg.BaseURL}
	erasures := cases.NewErasures(db, cfg.RetentionYears)
	return []schedule.Job{
		{Name: "audit_link", Every: cfg.AuditLinkInterval, Backlog: audit.MaxLinkBatch, Step: linker.LinkOnce},
		// Statistical releases are computed ahead of coordinators' reads
		// (a year of figures at a million cases takes minutes).
		{Name: "stats_warm", Every: 10 * time.Minute, Step: stats.NewService(db, stats.Settings{K: cfg.StatsK}, log).WarmOnce},
		{Name: "notification_delivery", Every: 2 * time.Second, Backlog: notifications.DeliveryBatch, Step: notifications.NewDeliverer(db, mail, log).DeliverOnce},
		// Checked hourly; each runs once a day across replicas.
		{Name: "dormant_accounts", Every: time.Hour, Step: users.NewDormancy(db, cfg.DormantDays, log).RunOnce},
		{Name: "contact_retention", Every: time.Hour, Step: contacts.NewRetention(db, cfg.ContactRetentionMonths, log).RunOnce},
		{Name: "work_digest", Every: time.Hour, Step: work.NewDigest(work.NewService(db, nil), mail, log).RunOnce},
		// Approved erasures, once their delay has passed; retention once a
		// day.
		{Name: "erasure", Every: time.Minute, Backlog: cases.ErasureBatch, Step: erasures.RunOnce},
		{Name: "retention", Every: time.Hour, Step: erasures.RetentionOnce},
	}
}

// runBackground starts the background jobs, counted on reg when there is
// one. The returned function stops them and waits for them.
func runBackground(db *gorm.DB, cfg config.Config, log *slog.Logger, linker *audit.Linker, reg *metrics.Registry, extra ...schedule.Job) (stop func(), err error) {
	sched := schedule.New(log, append(backgroundJobs(db, cfg, log, linker), extra...)...)
	if reg != nil {
		if err := reg.Register(sched); err != nil {
			return nil, err
		}
	}
	return sched.Start(context.Background()), nil
}

// readSide is the standby that serves the reads of stored releases and the
// spool of their audit entries (docs/adr/0014); both nil when not
// configured.
type readSide struct {
	primary *gorm.DB
	replica *database.Replica
	spool   *audit.Spool
}

// openReadSide opens DATABASE_REPLICA_URL and JARDAM_AUDIT_SPOOL_FILE when
// they are set.
func openReadSide(cfg config.Config, db *gorm.DB) (readSide, error) {
	rs := readSide{primary: db}
	if cfg.ReplicaURL != "" {
		r, err := database.OpenReplica(cfg.ReplicaURL, db, cfg.ReplicaMaxLag)
		if err != nil {
			return rs, err
		}
		rs.replica = r
	}
	if cfg.AuditSpoolFile != "" {
		sp, err := audit.OpenSpool(cfg.AuditSpoolFile)
		if err != nil {
			return rs, err
		}
		rs.spool = sp
	}
	return rs, nil
}

// jobs are the read side's background jobs: the standby's lag, sampled
// every second, and the spool written to the primary as soon as it answers.
func (rs readSide) jobs() []schedule.Job {
	var out []schedule.Job
	if rs.replica != nil {
		out = append(out, schedule.Job{Name: "replica_lag", Every: time.Second, Step: rs.replica.SampleOnce})
	}
	if rs.spool != nil {
		out = append(out, schedule.Job{Name: "audit_spool_drain", Every: time.Second,
			Step: func(ctx context.Context) (int, error) { return rs.spool.Drain(ctx, rs.primary) }})
	}
	return out
}

// startPprof serves Go's runtime profiles on addr (development only:
// config refuses it in production) and returns a function that closes the
// listener.
func startPprof(addr string) (closeFn func(), err error) {
	pl, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() { _ = http.Serve(pl, mux) }() //nolint:gosec // G114: profiling on a local address, refused in production
	return func() { _ = pl.Close() }, nil
}

// newHTTPServer returns the API's HTTP server with its timeouts and limits.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// shutdown finishes in-flight requests within the shutdown timeout, stops
// the rest (stop) and links what the final requests wrote.
func shutdown(cfg config.Config, log *slog.Logger, hs *http.Server, stop func(context.Context), linker *audit.Linker) error {
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	stop(sctx)
	// A last pass links what the final requests wrote.
	lctx, lcancel := context.WithTimeout(context.Background(), time.Second)
	_, _ = linker.LinkOnce(lctx)
	lcancel()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
