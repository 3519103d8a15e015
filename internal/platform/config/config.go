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
	ReflectionDays         int
	// DormantDays: accounts unused for this many days are disabled by a
	// daily job (JARDAM_DORMANT_DAYS, default 90).
	DormantDays int
	// StatsK is the suppression threshold of aggregates shown to
	// coordinators (at least 3).
	StatsK         int
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

	// MetricsListen is the address of the operators' Prometheus endpoint
	// (GET /metrics); empty, the default, serves no metrics.
	MetricsListen string

	// MemoryLimitMB is the Go runtime's soft memory limit for the server
	// (JARDAM_MEMORY_LIMIT_MB, default 100; GOMEMLIMIT, when set, wins):
	// the collector runs harder near it instead of letting the heap grow
	// to twice the live data under load.
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
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(get(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: not a positive duration", name))
			return def
		}
		return d
	}
	integer := func(name string, def int) int {
		v := get(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: not a positive integer", name))
			return def
		}
		return n
	}
	c := Config{
		Env:                   str("JARDAM_ENV", EnvProduction),
		DatabaseURL:           str("DATABASE_URL", ""),
		MigrationDatabaseURL:  str("MIGRATION_DATABASE_URL", ""),
		BootstrapDatabaseURL:  str("BOOTSTRAP_DATABASE_URL", ""),
		Listen:                str("JARDAM_LISTEN", "127.0.0.1:8080"),
		MetricsListen:         str("JARDAM_METRICS_LISTEN", ""),
		KeysDir:               str("JARDAM_KEYS_DIR", ""),
		TLS:                   str("JARDAM_TLS", "") == "true",
		AccessTokenTTL:        dur("JARDAM_ACCESS_TOKEN_TTL", 10*time.Minute),
		RefreshTokenTTL:       dur("JARDAM_REFRESH_TOKEN_TTL", 12*time.Hour),
		Issuer:                str("JARDAM_ISSUER", "jardam"),
		Audience:              str("JARDAM_AUDIENCE", "jardam-api"),
		BodyLimitBytes:        int64(integer("JARDAM_BODY_LIMIT_BYTES", 1<<20)),
		MaxConcurrentKDF:      integer("JARDAM_MAX_CONCURRENT_KDF", 4),
		LoginFailuresPerEmail: integer("JARDAM_LOGIN_FAILURES_PER_EMAIL", 5),
		LoginFailuresPerIP:    integer("JARDAM_LOGIN_FAILURES_PER_IP", 30),
		LoginWindow:           dur("JARDAM_LOGIN_WINDOW", 15*time.Minute),
		AuditLinkInterval:     dur("JARDAM_AUDIT_LINK_INTERVAL", time.Second),
		ShutdownTimeout:       dur("JARDAM_SHUTDOWN_TIMEOUT", 8*time.Second),
	}
	switch c.Env {
	case EnvProduction, EnvDevelopment, EnvTest:
	default:
		errs = append(errs, fmt.Errorf("JARDAM_ENV: must be production, development or test"))
	}
	keyFile := func(name, file string) string {
		if v := str(name, ""); v != "" {
			return v
		}
		if c.KeysDir != "" {
			return filepath.Join(c.KeysDir, file)
		}
		return ""
	}
	c.JWTKeysFile = keyFile("JARDAM_JWT_KEYS_FILE", "jwt.key")
	c.AuditKeyFile = keyFile("JARDAM_AUDIT_KEY_FILE", "audit.key")
	c.AuditAnchorFile = str("JARDAM_AUDIT_ANCHOR_FILE", "")
	c.MasterKeyFile = keyFile("JARDAM_MASTER_KEY_FILE", "master.key")
	c.IndexKeyFile = keyFile("JARDAM_INDEX_KEY_FILE", "index.key")
	c.MasterKey = get("JARDAM_MASTER_KEY")
	if v := str("JARDAM_MASTER_KEY_PREVIOUS_FILES", ""); v != "" {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				c.PreviousMasterKeyFiles = append(c.PreviousMasterKeyFiles, f)
			}
		}
	}
	c.MFARequired = c.Env == EnvProduction
	switch v := str("JARDAM_MFA_REQUIRED", ""); v {
	case "":
	case "true":
		c.MFARequired = true
	case "false":
		c.MFARequired = false
	default:
		errs = append(errs, errors.New("JARDAM_MFA_REQUIRED: must be true or false"))
	}
	c.ReflectionDays = integer("JARDAM_REFLECTION_DAYS", 30)
	c.DormantDays = integer("JARDAM_DORMANT_DAYS", 90)
	c.StatsK = integer("JARDAM_STATS_K", 5)
	if c.StatsK < 3 {
		errs = append(errs, errors.New("JARDAM_STATS_K: must be at least 3"))
	}
	c.UrgentResponse = dur("JARDAM_REFERRAL_URGENT_RESPONSE", 24*time.Hour)
	c.NormalResponse = dur("JARDAM_REFERRAL_NORMAL_RESPONSE", 72*time.Hour)
	c.SMTPAddr = str("JARDAM_SMTP_ADDR", "")
	c.SMTPFrom = str("JARDAM_SMTP_FROM", "jardam@localhost")
	c.BaseURL = str("JARDAM_BASE_URL", "http://127.0.0.1:8080")
	c.MemoryLimitMB = integer("JARDAM_MEMORY_LIMIT_MB", 100)
	c.SQLTraceFile = str("JARDAM_SQL_TRACE_FILE", "")
	c.PprofListen = str("JARDAM_PPROF_LISTEN", "")
	if c.PprofListen != "" && c.Env == EnvProduction {
		errs = append(errs, errors.New("JARDAM_PPROF_LISTEN: refused in production"))
	}
	if c.SQLTraceFile != "" && c.Env == EnvProduction {
		errs = append(errs, errors.New("JARDAM_SQL_TRACE_FILE: refused in production (the trace holds statement arguments)"))
	}
	if v := str("JARDAM_TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
			if err != nil {
				errs = append(errs, fmt.Errorf("JARDAM_TRUSTED_PROXIES: %q is not a CIDR prefix", p))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, pfx)
		}
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 15*time.Minute {
		errs = append(errs, errors.New("JARDAM_ACCESS_TOKEN_TTL: must be between 1m and 15m"))
	}
	return c, errors.Join(errs...)
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
