// Command jardam-bench measures Jardam over HTTP: it starts a private
// PostgreSQL cluster (or uses the one -bootstrap-url names), builds and
// prepares jardam the way `make run` does, seeds -cases synthetic cases (a
// few through the real services, the rest bulk-copied with the same
// encryption, seed.go), runs `jardam serve` as its own process and drives
// each flow at a fixed concurrency for a fixed time. Per flow it reports
// throughput, p50/p95/p99 latency and the server's peak resident memory,
// and the flow's SQL floor: the statements the server issued for one
// iteration of the flow, captured in the same run and replayed through pgx
// at the same concurrency (floor.go), with the ratio API/floor. -json
// writes the same figures to a file (for example under docs/bench/).
//
// It is a benchmark, not a test: it asserts no time. Every request loop is
// bounded by -duration and -max-requests and targets only the loopback
// address.
//
//	go run ./cmd/jardam-bench                         # 100 000 cases
//	go run ./cmd/jardam-bench -cases 1000000 -pg-dir .data/bench-pg-1m -pg-port 54391 -json docs/bench/1m.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/platform/database"
)

type options struct {
	cases        int
	concurrency  int
	duration     time.Duration
	maxRequests  int
	jsonPath     string
	pgDir        string
	pgPort       int
	bootstrapURL string
	reseed       bool
	serviceCases int
	noFloor      bool
	serverEnv    string
	pprofDir     string
	flows        string
}

func main() {
	var o options
	flag.IntVar(&o.cases, "cases", 100000, "cases in the dataset (up to 1000000): -service-cases through the case service, the rest bulk-copied with the same encryption")
	flag.IntVar(&o.serviceCases, "service-cases", 100, "cases of the dataset created through the case service (the demo seed), the rest bulk-copied")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent clients per flow")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each flow runs")
	flag.IntVar(&o.maxRequests, "max-requests", 200000, "upper bound on requests per flow")
	flag.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this file (e.g. docs/bench/latest.json)")
	flag.StringVar(&o.pgDir, "pg-dir", ".data/bench-pg", "directory of the private PostgreSQL cluster (kept between runs, with its dataset)")
	flag.IntVar(&o.pgPort, "pg-port", 54390, "port of the private PostgreSQL cluster")
	flag.StringVar(&o.bootstrapURL, "bootstrap-url", "", "superuser URL of an existing PostgreSQL to use instead of the private cluster (database jardam_bench is dropped and created)")
	flag.BoolVar(&o.reseed, "reseed", false, "drop and seed the dataset again even when it already has -cases cases")
	flag.StringVar(&o.flows, "flows", strings.Join(allFlows, ","), "flows to run, comma separated")
	flag.BoolVar(&o.noFloor, "no-floor", false, "skip the SQL floor (the captured statements replayed through pgx)")
	flag.StringVar(&o.serverEnv, "server-env", "", "extra environment of jardam serve, comma separated KEY=VALUE (e.g. GOMEMLIMIT=off,JARDAM_MAX_CONCURRENT_KDF=4)")
	flag.StringVar(&o.pprofDir, "pprof", "", "write a heap profile of the server after each flow to this directory (e.g. .data/bench-pprof)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "jardam-bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...)
}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "jardam-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }() // a temporary directory
	bin := filepath.Join(tmp, "jardam")
	logf("building jardam")
	if err := command(ctx, root, nil, "go", "build", "-trimpath", "-o", bin, "./cmd/jardam"); err != nil {
		return err
	}

	superURL, dbName := o.bootstrapURL, "jardam_bench"
	dir := o.pgDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	// The keys live beside the private cluster so that a kept dataset can
	// be read again; with -bootstrap-url they last one run.
	keys := filepath.Join(tmp, "keys")
	if superURL == "" {
		dbName = "jardam"
		keys = dir + "-keys"
		logf("private PostgreSQL in %s on 127.0.0.1:%d", dir, o.pgPort)
		if err := command(ctx, root, []string{"PG_DURABILITY=off"}, "bash", ".ci/pg.sh", "start", dir, strconv.Itoa(o.pgPort)); err != nil {
			return err
		}
		defer func() { _ = command(context.Background(), root, nil, "bash", ".ci/pg.sh", "stop", dir) }()
		superURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", o.pgPort)
	}
	ownerURL, err := withUser(superURL, "jardam_owner", dbName)
	if err != nil {
		return err
	}
	appURL, _ := withUser(superURL, "jardam_app", dbName)
	port, err := freePort()
	if err != nil {
		return err
	}
	env := []string{
		"JARDAM_ENV=development", "JARDAM_KEYS_DIR=" + keys, "JARDAM_LISTEN=127.0.0.1:" + strconv.Itoa(port),
		"BOOTSTRAP_DATABASE_URL=" + superURL, "MIGRATION_DATABASE_URL=" + ownerURL, "DATABASE_URL=" + appURL,
	}
	// The statement trace of the capture requests (see floor.go): in .data,
	// for this run only; it holds ciphertexts and blind index tokens of the
	// synthetic dataset.
	tracePath := filepath.Join(root, ".data", "bench-sqltrace.jsonl")
	_ = os.Remove(tracePath)
	if err := os.MkdirAll(filepath.Dir(tracePath), 0o755); err != nil {
		return err
	}
	defer func() { _ = os.Remove(tracePath) }() // a temporary file
	seeded, total, err := existingCases(ctx, superURL, dbName)
	if err != nil {
		return err
	}
	if seeded == o.cases && !o.reseed && o.bootstrapURL == "" && dirExists(keys) {
		logf("reusing the dataset: %d seeded cases, %d in all", seeded, total)
		// Migrations added since the dataset was seeded.
		if err := command(ctx, root, env, bin, "migrate"); err != nil {
			return err
		}
	} else {
		if err := dropDatabase(ctx, superURL, dbName); err != nil {
			return err
		}
		_ = os.RemoveAll(keys)
		if err := os.MkdirAll(keys, 0o700); err != nil {
			return err
		}
		total = o.cases
		for _, args := range [][]string{{"keys", "init", "--dir", keys}, {"migrate", "--bootstrap"}, {"migrate"}} {
			if err := command(ctx, root, env, bin, args...); err != nil {
				return err
			}
		}
		viaService := min(o.cases, o.serviceCases)
		logf("seeding %d cases through the case service", viaService)
		start := time.Now()
		if err := command(ctx, root, env, bin, "seed", "demo", "--cases", strconv.Itoa(viaService)); err != nil {
			return err
		}
		logf("seeded in %v; bulk seeding %d cases", time.Since(start).Round(time.Second), o.cases-viaService)
		start = time.Now()
		if err := seedBulk(ctx, superURL, dbName, keys, o.cases-viaService); err != nil {
			return err
		}
		logf("bulk seeded in %v", time.Since(start).Round(time.Second))
		// Fresh statistics for the planner, as autovacuum would give later.
		if err := analyze(ctx, superURL, dbName); err != nil {
			return err
		}
	}

	logf("serving on 127.0.0.1:%d", port)
	srv := exec.CommandContext(ctx, bin, "serve")
	srv.Env = append(append(os.Environ(), env...), "JARDAM_SQL_TRACE_FILE="+tracePath, "JARDAM_ACCESS_TOKEN_TTL=15m")
	pprofBase := ""
	if o.pprofDir != "" {
		pp, err := freePort()
		if err != nil {
			return err
		}
		pprofBase = "http://127.0.0.1:" + strconv.Itoa(pp)
		srv.Env = append(srv.Env, "JARDAM_PPROF_LISTEN=127.0.0.1:"+strconv.Itoa(pp))
	}
	if o.serverEnv != "" {
		srv.Env = append(srv.Env, strings.Split(o.serverEnv, ",")...)
	}
	srvLog, err := os.Create(filepath.Join(tmp, "serve.log"))
	if err != nil {
		return err
	}
	defer func() { _ = srvLog.Close() }() // written by the server process, which has ended
	srv.Stdout, srv.Stderr = srvLog, srvLog
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(ctx, base); err != nil {
		out, _ := os.ReadFile(srvLog.Name())
		return fmt.Errorf("%w\n%s", err, lastLines(string(out), 20))
	}

	b := &bench{base: base, o: o, tokens: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.concurrency + 2, MaxConnsPerHost: o.concurrency + 2,
	}}}
	for who := range accounts {
		if b.tokens[who], err = b.signIn(ctx, who, ""); err != nil {
			return err
		}
	}
	if err := b.loadFixtures(ctx, superURL, dbName); err != nil {
		return err
	}
	report := Report{
		At: time.Now().UTC(), Cases: total, Concurrency: o.concurrency, Duration: o.duration.String(),
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadAverage(),
	}
	for _, name := range strings.Split(o.flows, ",") {
		name = strings.TrimSpace(name)
		f, ok := b.flow(name)
		if !ok {
			return fmt.Errorf("unknown flow %q (known: %s)", name, strings.Join(allFlows, ", "))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f.available != nil {
			if why := f.available(ctx); why != "" {
				logf("flow %s: unavailable (%s)", name, why)
				report.Flows = append(report.Flows, FlowResult{Flow: name, Unavailable: true, FirstError: why})
				continue
			}
		}
		if f.setup != nil {
			if err := f.setup(ctx); err != nil {
				return fmt.Errorf("flow %s: %w", name, err)
			}
		}
		logf("flow %s: %d clients for %v", name, o.concurrency, o.duration)
		resetPeakRSS(srv.Process.Pid)
		res := b.drive(ctx, name, func(ctx context.Context, w, i int) error { return f.run(ctx, w, i, "") })
		res.PeakRSSMB = peakRSS(srv.Process.Pid)
		report.ServerPeakRSSMB = max(report.ServerPeakRSSMB, res.PeakRSSMB)
		if pprofBase != "" {
			if err := saveProfile(ctx, pprofBase+"/debug/pprof/heap", filepath.Join(root, o.pprofDir, name+".heap")); err != nil {
				logf("heap profile: %v", err)
			}
		}
		// One more iteration, traced: the statements of the floor.
		if err := f.run(ctx, 0, -1, database.TraceUserAgentPrefix+name); err != nil {
			logf("flow %s: traced iteration failed: %v", name, err)
		}
		report.Flows = append(report.Flows, res)
	}
	if !o.noFloor {
		if err := b.floor(ctx, appURL, tracePath, report.Flows); err != nil {
			return fmt.Errorf("SQL floor: %w", err)
		}
	}
	report.LoadAfter = loadAverage()
	if err := printTable(os.Stdout, report); err != nil {
		return err
	}
	if o.jsonPath != "" {
		p := o.jsonPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		data, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return err
		}
		logf("wrote %s", p)
	}
	return nil
}

// withUser returns raw with its user replaced by user and its database by
// db (no password: the private cluster trusts loopback connections; with
// -bootstrap-url the roles get none either).
func withUser(raw, user, db string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("-bootstrap-url: %w", err)
	}
	u.User = url.User(user)
	u.Path = "/" + db
	return u.String(), nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// Report is what one run measured.
type Report struct {
	At          time.Time `json:"at"`
	Cases       int       `json:"cases"`
	Concurrency int       `json:"concurrency"`
	Duration    string    `json:"duration_per_flow"`
	GoVersion   string    `json:"go_version"`
	CPUs        int       `json:"cpus"`
	// LoadBefore and LoadAfter are the machine's 1-minute load average
	// around the run: figures taken on a busy machine are not comparable.
	LoadBefore      string       `json:"load_average_before"`
	LoadAfter       string       `json:"load_average_after"`
	ServerPeakRSSMB float64      `json:"server_peak_rss_mb"`
	Flows           []FlowResult `json:"flows"`
}

// drive runs f from o.concurrency clients until o.duration or
// o.maxRequests, whichever comes first.
func (b *bench) drive(ctx context.Context, name string, f func(ctx context.Context, w, i int) error) FlowResult {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  string
		count     atomic.Int64
		wg        sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, b.o.duration)
	defer cancel()
	start := time.Now()
	for w := range b.o.concurrency {
		wg.Go(func() {
			var local []time.Duration
			for i := 0; ctx.Err() == nil && count.Add(1) <= int64(b.o.maxRequests); i++ {
				t := time.Now()
				err := f(ctx, w, i)
				d := time.Since(t)
				if ctx.Err() != nil {
					break // cut off by the end of the run, not measured
				}
				if err != nil {
					mu.Lock()
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	q := func(p float64) float64 { return percentile(latencies, p) }
	return FlowResult{
		Flow: name, Requests: len(latencies), Errors: errs,
		Throughput: float64(len(latencies)) / elapsed.Seconds(),
		P50:        q(.50), P95: q(.95), P99: q(.99), FirstError: firstErr,
	}
}

// percentile returns the p-quantile (0 < p <= 1) of sorted latencies in
// milliseconds by the nearest-rank method, or 0 when there are none.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

// peakRSS returns the process's peak resident set size in MB, from
// /proc/PID/status (0 where there is none).
func peakRSS(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// existingCases returns how many cases the dataset in db was seeded with
// and how many it holds now (earlier runs' create flow adds some); both
// are 0 when there is no such database or schema.
// loadAverage returns the 1-minute load average from /proc/loadavg.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(data))[0]
}

func existingCases(ctx context.Context, superURL, db string) (seeded, total int, err error) {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return 0, 0, err
	}
	var exists bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, db).Scan(&exists)
	_ = conn.Close(ctx)
	if err != nil || !exists {
		return 0, 0, err
	}
	conn, err = connectTo(ctx, superURL, db)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	var created int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM cases),
		(SELECT count(*) FROM idempotency_keys WHERE key LIKE 'bench-%')`).Scan(&total, &created); err != nil {
		return 0, 0, nil // no schema yet: seed afresh
	}
	return total - created, total, nil
}

func connectTo(ctx context.Context, superURL, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(superURL)
	if err != nil {
		return nil, err
	}
	cfg.Database = db
	return pgx.ConnectConfig(ctx, cfg)
}

func dropDatabase(ctx context.Context, superURL, db string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	return err
}

func analyze(ctx context.Context, superURL, db string) error {
	conn, err := connectTo(ctx, superURL, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// VACUUM as well: the visibility map of freshly copied rows is empty,
	// which autovacuum would fix a little later.
	_, err = conn.Exec(ctx, "VACUUM (ANALYZE)")
	return err
}

func command(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return nil
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("jardam serve did not become ready within 30 s")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run jardam-bench inside the Jardam repository")
		}
		dir = parent
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// resetPeakRSS resets the process's peak resident set size (VmHWM), so
// that each flow reports its own peak.
func resetPeakRSS(pid int) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// saveProfile writes the profile at url to path.
func saveProfile(ctx context.Context, url, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
