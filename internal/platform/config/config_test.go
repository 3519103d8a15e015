package config

import (
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := load(envOf(map[string]string{"JARDAM_KEYS_DIR": "/keys", "JARDAM_MASTER_KEY_PREVIOUS_FILES": " a.key, ,b.key ",
		"JARDAM_INDEX_KEY_PREVIOUS_FILES": "old-index.key", "JARDAM_AUDIT_VERIFY_KEY_FILES": "audit-1.pub,audit-2.pub"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != EnvProduction || !c.MFARequired || c.AccessTokenTTL != 10*time.Minute || c.StatsK != 5 ||
		c.BodyLimitBytes != 1<<20 || c.Listen != "127.0.0.1:8080" || c.TrustedProxies != nil {
		t.Fatalf("defaults: %+v", c)
	}
	if c.JWTKeysFile != "/keys/jwt.key" || c.IndexKeyFile != "/keys/index.key" || c.AuditAnchorFile != "" {
		t.Fatalf("key files: %q %q %q", c.JWTKeysFile, c.IndexKeyFile, c.AuditAnchorFile)
	}
	if strings.Join(c.PreviousMasterKeyFiles, "|") != "a.key|b.key" {
		t.Fatalf("previous master keys %q", c.PreviousMasterKeyFiles)
	}
	if strings.Join(c.PreviousIndexKeyFiles, "|") != "old-index.key" || strings.Join(c.AuditVerifyKeyFiles, "|") != "audit-1.pub|audit-2.pub" {
		t.Fatalf("previous index keys %q, audit verify keys %q", c.PreviousIndexKeyFiles, c.AuditVerifyKeyFiles)
	}
}

func TestLoadNamesEachBadVariable(t *testing.T) {
	_, err := load(envOf(map[string]string{
		"JARDAM_ENV":              "staging",
		"JARDAM_LOGIN_WINDOW":     "-1s",
		"JARDAM_DORMANT_DAYS":     "many",
		"JARDAM_MFA_REQUIRED":     "yes",
		"JARDAM_STATS_K":          "2",
		"JARDAM_TRUSTED_PROXIES":  "10.0.0.0/8,nope",
		"JARDAM_ACCESS_TOKEN_TTL": "1h",
		"JARDAM_SQL_TRACE_FILE":   "/tmp/trace",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	want := []string{
		"JARDAM_LOGIN_WINDOW: not a positive duration",
		"JARDAM_ENV: must be production, development or test",
		"JARDAM_MFA_REQUIRED: must be true or false",
		"JARDAM_DORMANT_DAYS: not a positive integer",
		"JARDAM_STATS_K: must be at least 3",
		`JARDAM_TRUSTED_PROXIES: "nope" is not a CIDR prefix`,
		"JARDAM_ACCESS_TOKEN_TTL: must be between 1m and 15m",
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Fatalf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestLoadRefusesDiagnosticsInProduction(t *testing.T) {
	_, err := load(envOf(map[string]string{"JARDAM_PPROF_LISTEN": "127.0.0.1:6060", "JARDAM_SQL_TRACE_FILE": "/tmp/t"}))
	if err == nil || !strings.Contains(err.Error(), "JARDAM_PPROF_LISTEN: refused in production") ||
		!strings.Contains(err.Error(), "JARDAM_SQL_TRACE_FILE: refused in production") {
		t.Fatalf("got %v", err)
	}
	c, err := load(envOf(map[string]string{"JARDAM_ENV": "development", "JARDAM_PPROF_LISTEN": "127.0.0.1:6060"}))
	if err != nil || c.MFARequired || c.PprofListen != "127.0.0.1:6060" {
		t.Fatalf("development: %v %+v", err, c)
	}
}
