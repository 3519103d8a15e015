// Package config owns Jardam's one typed configuration, read from environment
// variables. Secrets are masked whenever the configuration is logged.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Environment names.
const (
	EnvProduction  = "production"
	EnvDevelopment = "development"
	EnvTest        = "test"
)

// Config is the whole configuration of a Jardam process.
type Config struct {
	Env                  string
	DatabaseURL          string
	MigrationDatabaseURL string
	BootstrapDatabaseURL string
	Listen               string
	KeysDir              string
	JWTKeysFile          string
	AuditKeyFile         string
	MasterKeyFile        string
	// MasterKey is the master key itself (base64), an alternative to the
	// file in development.
	MasterKey string
	// PreviousMasterKeyFiles are master keys being rotated out: they still
	// unwrap, never wrap.
	PreviousMasterKeyFiles []string
	IndexKeyFile           string
	// PreviousIndexKeyFiles are blind index keys being rotated out
	// (JARDAM_INDEX_KEY_PREVIOUS_FILES): name searches and duplicate checks
	// also look for their tokens; nothing is indexed under them.
	PreviousIndexKeyFiles []string
	// AuditVerifyKeyFiles are the public keys of retired audit checkpoint
	// keys (JARDAM_AUDIT_VERIFY_KEY_FILES): they verify their segments of
	// the trail and sign nothing.
	AuditVerifyKeyFiles []string
	ReflectionDays      int
	// FollowUpMonths are the months after reaching reintegration at which
	// follow-ups are planned (JARDAM_FOLLOW_UP_MONTHS, default 3,6,12).
	FollowUpMonths []int
	// DormantDays: accounts unused for this many days are disabled by a
	// daily job (JARDAM_DORMANT_DAYS, default 90).
	DormantDays int
	// ContactRetentionMonths: hotline contacts that did not become a case
	// are erased after this many months by a daily job
	// (JARDAM_CONTACT_RETENTION_MONTHS, default 24).
	ContactRetentionMonths int
	// ErasureDelay: an approved erasure is carried out this long after its
	// approval (JARDAM_ERASURE_DELAY; 7 days in production, none in
	// development), time for a mistake to be cancelled.
	ErasureDelay time.Duration
	// RetentionYears: the identities of cases closed longer ago are erased
	// by a daily job unless a legal hold stands (JARDAM_RETENTION_YEARS,
	// default 5).
	RetentionYears int
	// StatsK is the suppression threshold of aggregates shown to
	// coordinators (at least 3).
	StatsK int
	// DocumentMaxMB is the largest document accepted, in MiB
	// (JARDAM_DOCUMENT_MAX_MB, default 20); a larger upload answers 413.
	DocumentMaxMB  int
	UrgentResponse time.Duration
	NormalResponse time.Duration
	SMTPAddr       string
	SMTPFrom       string
	BaseURL        string
	TrustedProxies []netip.Prefix
	// TLS is true when the service is reached over HTTPS (directly or through
	// a trusted proxy); it turns on HSTS.
	TLS bool

	AccessTokenTTL   time.Duration
	RefreshTokenTTL  time.Duration
	Issuer           string
	Audience         string
	BodyLimitBytes   int64
	MaxConcurrentKDF int

	LoginFailuresPerEmail int
	LoginFailuresPerIP    int
	LoginWindow           time.Duration

	// MFARequired (JARDAM_MFA_REQUIRED, default true in production, false
	// elsewhere): every account must enroll a second factor before any
	// route but its own account and enrollment answers.
	MFARequired bool

	AuditLinkInterval time.Duration
	ShutdownTimeout   time.Duration

	// AuditAnchorFile is the append-only file, on another volume or host,
	// that receives each signed audit checkpoint head (empty: none).
	AuditAnchorFile string

	// ReplicaURL (DATABASE_REPLICA_URL) is a hot standby of the database,
	// as the application role, from which the stored releases of ended
	// periods are read (empty: none; docs/adr/0014).
	ReplicaURL string
	// ReplicaMaxLag (JARDAM_REPLICA_MAX_LAG, default 10s) is how far behind
	// the primary the standby may have been when the primary was last
	// reached for sessions to be checked on it while the primary is away.
	ReplicaMaxLag time.Duration
	// AuditSpoolFile (JARDAM_AUDIT_SPOOL_FILE) is a local append-only file
	// that keeps, fsynced, the audit entries of reads served from the
	// standby while the primary is away, until they are written to the
	// primary (empty: such reads are refused with 503).
	AuditSpoolFile string

	// MetricsListen is the address of the operators' Prometheus endpoint
	// (GET /metrics); empty, the default, serves no metrics.
	MetricsListen string

	// MemoryLimitMB is the Go runtime's soft memory limit for the server
	// (JARDAM_MEMORY_LIMIT_MB, default 80; GOMEMLIMIT, when set, wins):
	// the collector runs harder near it instead of letting the heap grow
	// to twice the live data under load. With the binary's own pages
	// (about 26 MB resident) the process stays under 150 MB through a burst
	// of sign-ins (docs/performance.md, "Memory and sign-in").
	MemoryLimitMB int
	// SQLTraceFile (JARDAM_SQL_TRACE_FILE) makes the server append the
	// statements of traced requests to this file (database.Options); for the
	// load benchmark's private database only, refused in production.
	SQLTraceFile string
	// PprofListen (JARDAM_PPROF_LISTEN) serves Go's runtime profiles
	// (/debug/pprof/) on this loopback address, for profiling a development
	// server under load; refused in production.
	PprofListen string
}

// Load reads the configuration from the environment.
// It returns an error naming the variable when a value cannot be parsed.
func Load() (Config, error) {
	return load(os.Getenv)
}

func load(get func(string) string) (Config, error) {
	r := &env{get: get}
	c := r.server()
	switch c.Env {
	case EnvProduction, EnvDevelopment, EnvTest:
	default:
		r.fail("JARDAM_ENV: must be production, development or test")
	}
	r.keyFiles(&c)
	c.MFARequired = r.boolean("JARDAM_MFA_REQUIRED", c.Env == EnvProduction)
	r.rules(&c)
	r.diagnostics(&c)
	c.TrustedProxies = r.prefixes("JARDAM_TRUSTED_PROXIES")
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 15*time.Minute {
		r.fail("JARDAM_ACCESS_TOKEN_TTL: must be between 1m and 15m")
	}
	return c, errors.Join(r.errs...)
}

// env reads variables through get and collects an error for each value
// that does not parse, naming the variable.
type env struct {
	get  func(string) string
	errs []error
}

func (r *env) fail(msg string) { r.errs = append(r.errs, errors.New(msg)) }

// str returns the variable, trimmed, or def when it is empty.
func (r *env) str(name, def string) string {
	if v := strings.TrimSpace(r.get(name)); v != "" {
		return v
	}
	return def
}

// positive returns the variable parsed by parse, or def when it is empty
// or does not parse to a positive value (then with an error saying it is
// not a positive what).
func positive[T int | time.Duration](r *env, name string, def T, parse func(string) (T, error), what string) T {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := parse(v)
	if err != nil || n <= 0 {
		r.fail(name + ": not a positive " + what)
		return def
	}
	return n
}

func (r *env) dur(name string, def time.Duration) time.Duration {
	return positive(r, name, def, time.ParseDuration, "duration")
}

// delay returns a duration that may be zero ("0"), or def when the
// variable is empty.
func (r *env) delay(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.get(name))
	if v == "" {
		return def
	}
	if v == "0" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		r.fail(name + ": not a duration (such as 168h, or 0 for none)")
		return def
	}
	return d
}

func (r *env) integer(name string, def int) int {
	return positive(r, name, def, strconv.Atoi, "integer")
}

// boolean returns true or false as written, or def when the variable is
// empty.
func (r *env) boolean(name string, def bool) bool {
	switch r.str(name, "") {
	case "":
		return def
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(name + ": must be true or false")
	return def
}

// list returns the non-empty items of a comma-separated variable.
func (r *env) list(name string) []string {
	var out []string
	for _, f := range strings.Split(r.str(name, ""), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// prefixes returns the CIDR prefixes of a comma-separated variable.
func (r *env) prefixes(name string) []netip.Prefix {
	v := r.str(name, "")
	if v == "" {
		return nil
	}
	var out []netip.Prefix
	for _, p := range strings.Split(v, ",") {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: %q is not a CIDR prefix", name, p))
			continue
		}
		out = append(out, pfx)
	}
	return out
}

// server reads the environment, the databases, the listeners and the
// token and login settings.
func (r *env) server() Config {
	return Config{
		Env:                   r.str("JARDAM_ENV", EnvProduction),
		DatabaseURL:           r.str("DATABASE_URL", ""),
		MigrationDatabaseURL:  r.str("MIGRATION_DATABASE_URL", ""),
		BootstrapDatabaseURL:  r.str("BOOTSTRAP_DATABASE_URL", ""),
		ReplicaURL:            r.str("DATABASE_REPLICA_URL", ""),
		ReplicaMaxLag:         r.dur("JARDAM_REPLICA_MAX_LAG", 10*time.Second),
		Listen:                r.str("JARDAM_LISTEN", "127.0.0.1:8080"),
		MetricsListen:         r.str("JARDAM_METRICS_LISTEN", ""),
		KeysDir:               r.str("JARDAM_KEYS_DIR", ""),
		TLS:                   r.str("JARDAM_TLS", "") == "true",
		AccessTokenTTL:        r.dur("JARDAM_ACCESS_TOKEN_TTL", 10*time.Minute),
		RefreshTokenTTL:       r.dur("JARDAM_REFRESH_TOKEN_TTL", 12*time.Hour),
		Issuer:                r.str("JARDAM_ISSUER", "jardam"),
		Audience:              r.str("JARDAM_AUDIENCE", "jardam-api"),
		BodyLimitBytes:        int64(r.integer("JARDAM_BODY_LIMIT_BYTES", 1<<20)),
		MaxConcurrentKDF:      r.integer("JARDAM_MAX_CONCURRENT_KDF", 4),
		LoginFailuresPerEmail: r.integer("JARDAM_LOGIN_FAILURES_PER_EMAIL", 5),
		LoginFailuresPerIP:    r.integer("JARDAM_LOGIN_FAILURES_PER_IP", 30),
		LoginWindow:           r.dur("JARDAM_LOGIN_WINDOW", 15*time.Minute),
		AuditLinkInterval:     r.dur("JARDAM_AUDIT_LINK_INTERVAL", time.Second),
		ShutdownTimeout:       r.dur("JARDAM_SHUTDOWN_TIMEOUT", 8*time.Second),
	}
}

// keyFiles sets each key file from its variable, or else from its name in
// the keys directory when there is one.
func (r *env) keyFiles(c *Config) {
	keyFile := func(name, file string) string {
		if v := r.str(name, ""); v != "" {
			return v
		}
		if c.KeysDir != "" {
			return filepath.Join(c.KeysDir, file)
		}
		return ""
	}
	c.JWTKeysFile = keyFile("JARDAM_JWT_KEYS_FILE", "jwt.key")
	c.AuditKeyFile = keyFile("JARDAM_AUDIT_KEY_FILE", "audit.key")
	c.AuditAnchorFile = r.str("JARDAM_AUDIT_ANCHOR_FILE", "")
	c.AuditSpoolFile = r.str("JARDAM_AUDIT_SPOOL_FILE", "")
	c.MasterKeyFile = keyFile("JARDAM_MASTER_KEY_FILE", "master.key")
	c.IndexKeyFile = keyFile("JARDAM_INDEX_KEY_FILE", "index.key")
	c.MasterKey = r.get("JARDAM_MASTER_KEY")
	c.PreviousMasterKeyFiles = r.list("JARDAM_MASTER_KEY_PREVIOUS_FILES")
	c.PreviousIndexKeyFiles = r.list("JARDAM_INDEX_KEY_PREVIOUS_FILES")
	c.AuditVerifyKeyFiles = r.list("JARDAM_AUDIT_VERIFY_KEY_FILES")
}

// rules reads the periods, thresholds and mail settings of the product's
// rules.
func (r *env) rules(c *Config) {
	c.ReflectionDays = r.integer("JARDAM_REFLECTION_DAYS", 30)
	c.FollowUpMonths = []int{3, 6, 12}
	if months := r.list("JARDAM_FOLLOW_UP_MONTHS"); len(months) > 0 {
		c.FollowUpMonths = nil
		for _, m := range months {
			n, err := strconv.Atoi(m)
			if err != nil || n < 1 || n > 60 {
				r.fail("JARDAM_FOLLOW_UP_MONTHS: must list months from 1 to 60, such as 3,6,12")
				break
			}
			c.FollowUpMonths = append(c.FollowUpMonths, n)
		}
	}
	c.DormantDays = r.integer("JARDAM_DORMANT_DAYS", 90)
	c.ContactRetentionMonths = r.integer("JARDAM_CONTACT_RETENTION_MONTHS", 24)
	erasureDelay := time.Duration(0)
	if c.Env == EnvProduction {
		erasureDelay = 7 * 24 * time.Hour
	}
	c.ErasureDelay = r.delay("JARDAM_ERASURE_DELAY", erasureDelay)
	c.RetentionYears = r.integer("JARDAM_RETENTION_YEARS", 5)
	c.StatsK = r.integer("JARDAM_STATS_K", 5)
	if c.StatsK < 3 {
		r.fail("JARDAM_STATS_K: must be at least 3")
	}
	c.UrgentResponse = r.dur("JARDAM_REFERRAL_URGENT_RESPONSE", 24*time.Hour)
	c.NormalResponse = r.dur("JARDAM_REFERRAL_NORMAL_RESPONSE", 72*time.Hour)
	c.SMTPAddr = r.str("JARDAM_SMTP_ADDR", "")
	c.SMTPFrom = r.str("JARDAM_SMTP_FROM", "jardam@localhost")
	c.BaseURL = r.str("JARDAM_BASE_URL", "http://127.0.0.1:8080")
	c.MemoryLimitMB = r.integer("JARDAM_MEMORY_LIMIT_MB", 80)
	c.DocumentMaxMB = r.integer("JARDAM_DOCUMENT_MAX_MB", 20)
	if c.DocumentMaxMB < 1 || c.DocumentMaxMB > 1024 {
		r.fail("JARDAM_DOCUMENT_MAX_MB: must be from 1 to 1024")
	}
}

// diagnostics reads the SQL trace and profiling settings, both refused in
// production.
func (r *env) diagnostics(c *Config) {
	c.SQLTraceFile = r.str("JARDAM_SQL_TRACE_FILE", "")
	c.PprofListen = r.str("JARDAM_PPROF_LISTEN", "")
	if c.PprofListen != "" && c.Env == EnvProduction {
		r.fail("JARDAM_PPROF_LISTEN: refused in production")
	}
	if c.SQLTraceFile != "" && c.Env == EnvProduction {
		r.fail("JARDAM_SQL_TRACE_FILE: refused in production (the trace holds statement arguments)")
	}
}

// Production reports whether the process runs in production mode.
func (c Config) Production() bool { return c.Env == EnvProduction }

// LogValue masks secrets: database passwords are replaced, key files are
// named by path only.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("env", c.Env),
		slog.String("database_url", MaskURL(c.DatabaseURL)),
		slog.String("migration_database_url", MaskURL(c.MigrationDatabaseURL)),
		slog.String("database_replica_url", MaskURL(c.ReplicaURL)),
		slog.String("listen", c.Listen),
		slog.String("metrics_listen", c.MetricsListen),
		slog.String("keys_dir", c.KeysDir),
		slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.Bool("tls", c.TLS),
		slog.Duration("access_token_ttl", c.AccessTokenTTL),
		slog.Bool("mfa_required", c.MFARequired),
	)
}

// MaskURL returns the URL with any password replaced by "xxxxx".
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
