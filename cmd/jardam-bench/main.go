// Command jardam-bench measures Jardam over HTTP: it starts a private
// PostgreSQL cluster (or uses the one -bootstrap-url names), builds and
// prepares jardam the way `make run` does, seeds -cases synthetic cases (a
// few through the real services, the rest bulk-copied with the same
// encryption, seed.go), runs `jardam serve` as its own process and drives
// each flow at a fixed concurrency for a fixed time. Per flow it reports
// throughput, p50/p95/p99 latency and the server's peak resident memory,
// and the flow's SQL floor: the statements the server issued for one
// iteration of the flow, captured in the same run and replayed through pgx
// at the same concurrency (floor.go), with the ratio API/floor; and its
// minimal floor: one hand-written statement returning the same data and
// writing the same audit entries, as the owner (minimal.go), with the ratio
// API/minimal. -json writes the same figures to a file (for example under
// docs/bench/).
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
	flag.BoolVar(&o.noFloor, "no-floor", false, "skip both SQL floors (the captured statements replayed through pgx, and the minimal SQL)")
	flag.StringVar(&o.serverEnv, "server-env", "", "extra environment of jardam serve, comma separated KEY=VALUE (e.g. GOMEMLIMIT=off,JARDAM_MAX_CONCURRENT_KDF=4)")
	flag.StringVar(&o.pprofDir, "pprof", "", "write the server's CPU profile during each flow and a heap profile after it to this directory (e.g. .data/bench-pprof)")
	flag.Parse()
	if o.pprofDir != "" && !filepath.IsAbs(o.pprofDir) {
		if root, err := moduleRoot(); err == nil {
			o.pprofDir = filepath.Join(root, o.pprofDir)
		}
	}
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
	t, stopPG, err := startDatabase(ctx, root, tmp, o)
	defer stopPG() // a cluster started before an error stops too
	if err != nil {
		return err
	}
	// The statement trace of the capture requests (see floor.go): in .data,
	// for this run only; it holds ciphertexts and blind index tokens of the
	// synthetic dataset.
	tracePath := filepath.Join(root, ".data", fmt.Sprintf("bench-sqltrace-%d.jsonl", os.Getpid()))
	if err := os.MkdirAll(filepath.Dir(tracePath), 0o755); err != nil {
		return err
	}
	defer func() { _ = os.Remove(tracePath) }() // a temporary file
	total, err := prepareDataset(ctx, root, bin, t, o)
	if err != nil {
		return err
	}
	srv, err := startServe(ctx, bin, tmp, t, tracePath, o)
	if err != nil {
		return err
	}
	defer srv.stop()
	b := &bench{base: srv.base, o: o, tokens: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.concurrency + 2, MaxConnsPerHost: o.concurrency + 2,
	}}}
	b.cpu = cpuMeter{serverPID: srv.cmd.Process.Pid}
	if t.pgData != "" {
		b.cpu.postmasterPID = postmasterPID(t.pgData)
	}
	if err := b.signInAll(ctx); err != nil {
		return err
	}
	if err := b.loadFixtures(ctx, t.superURL, t.dbName); err != nil {
		return err
	}
	report := Report{
		At: time.Now().UTC(), Cases: total, Concurrency: o.concurrency, Duration: o.duration.String(),
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadAverage(),
	}
	if err := b.runFlows(ctx, &report, srv, root); err != nil {
		return err
	}
	if !o.noFloor {
		if err := b.floor(ctx, t.appURL, tracePath, report.Flows); err != nil {
			return fmt.Errorf("SQL floor: %w", err)
		}
		ownerURL, err := withUser(t.superURL, "jardam_owner", t.dbName)
		if err != nil {
			return err
		}
		if err := b.minimal(ctx, ownerURL, report.Flows); err != nil {
			return fmt.Errorf("minimal floor: %w", err)
		}
	}
	report.LoadAfter = loadAverage()
	if err := printTable(os.Stdout, report); err != nil {
		return err
	}
	if o.jsonPath != "" {
		return writeReport(root, o.jsonPath, report)
	}
	return nil
}

// target is the database the benchmark runs against, the keys directory,
// and the environment of jardam's subcommands.
type target struct {
	superURL, dbName, appURL, keys string
	pgData                         string // the private cluster's directory, or ""
	port                           int
	env                            []string
}

// startDatabase starts the private cluster unless -bootstrap-url names a
// server, and returns the target with a function that stops the cluster.
func startDatabase(ctx context.Context, root, tmp string, o options) (target, func(), error) {
	t := target{superURL: o.bootstrapURL, dbName: "jardam_bench"}
	stop := func() {}
	dir := o.pgDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	// The keys live beside the private cluster so that a kept dataset can
	// be read again; with -bootstrap-url they last one run.
	t.keys = filepath.Join(tmp, "keys")
	if t.superURL == "" {
		t.dbName = "jardam"
		t.keys = dir + "-keys"
		logf("private PostgreSQL in %s on 127.0.0.1:%d", dir, o.pgPort)
		if err := command(ctx, root, []string{"PG_DURABILITY=off"}, "bash", ".ci/pg.sh", "start", dir, strconv.Itoa(o.pgPort)); err != nil {
			return t, stop, err
		}
		stop = func() { _ = command(context.Background(), root, nil, "bash", ".ci/pg.sh", "stop", dir) }
		t.pgData = dir
		t.superURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", o.pgPort)
	}
	ownerURL, err := withUser(t.superURL, "jardam_owner", t.dbName)
	if err != nil {
		return t, stop, err
	}
	t.appURL, _ = withUser(t.superURL, "jardam_app", t.dbName)
	if t.port, err = freePort(); err != nil {
		return t, stop, err
	}
	t.env = []string{
		"JARDAM_ENV=development", "JARDAM_KEYS_DIR=" + t.keys, "JARDAM_LISTEN=127.0.0.1:" + strconv.Itoa(t.port),
		"BOOTSTRAP_DATABASE_URL=" + t.superURL, "MIGRATION_DATABASE_URL=" + ownerURL, "DATABASE_URL=" + t.appURL,
	}
	return t, stop, nil
}

// prepareDataset reuses the dataset when it has -cases seeded cases (and
// migrates it), or else drops it and seeds a new one: a few cases through
// the case service, the rest bulk-copied. It returns the number of cases.
func prepareDataset(ctx context.Context, root, bin string, t target, o options) (int, error) {
	seeded, total, err := existingCases(ctx, t.superURL, t.dbName)
	if err != nil {
		return 0, err
	}
	if seeded == o.cases && !o.reseed && o.bootstrapURL == "" && dirExists(t.keys) {
		logf("reusing the dataset: %d seeded cases, %d in all", seeded, total)
		// Migrations added since the dataset was seeded.
		return total, command(ctx, root, t.env, bin, "migrate")
	}
	if err := dropDatabase(ctx, t.superURL, t.dbName); err != nil {
		return 0, err
	}
	_ = os.RemoveAll(t.keys)
	if err := os.MkdirAll(t.keys, 0o700); err != nil {
		return 0, err
	}
	for _, args := range [][]string{{"keys", "init", "--dir", t.keys}, {"migrate", "--bootstrap"}, {"migrate"}} {
		if err := command(ctx, root, t.env, bin, args...); err != nil {
			return 0, err
		}
	}
	viaService := min(o.cases, o.serviceCases)
	logf("seeding %d cases through the case service", viaService)
	start := time.Now()
	if err := command(ctx, root, t.env, bin, "seed", "demo", "--cases", strconv.Itoa(viaService)); err != nil {
		return 0, err
	}
	logf("seeded in %v; bulk seeding %d cases", time.Since(start).Round(time.Second), o.cases-viaService)
	start = time.Now()
	if err := seedBulk(ctx, t.superURL, t.dbName, t.keys, o.cases-viaService); err != nil {
		return 0, err
	}
	logf("bulk seeded in %v", time.Since(start).Round(time.Second))
	// Fresh statistics for the planner, as autovacuum would give later.
	return o.cases, analyze(ctx, t.superURL, t.dbName)
}

// server is the running `jardam serve` process.
type server struct {
	cmd       *exec.Cmd
	base      string // the API's base URL
	pprofBase string // the profiles' base URL, or "" without -pprof
	// metricsBase is the operators' endpoint (JARDAM_METRICS_LISTEN),
	// read to wait for the background work (settle.go).
	metricsBase string
	stop        func()
}

// startServe starts `jardam serve` with its log in tmp and waits until it
// is ready; stop ends it with SIGTERM and waits for it.
func startServe(ctx context.Context, bin, tmp string, t target, tracePath string, o options) (*server, error) {
	logf("serving on 127.0.0.1:%d", t.port)
	s := &server{cmd: exec.CommandContext(ctx, bin, "serve"), base: "http://127.0.0.1:" + strconv.Itoa(t.port)}
	s.cmd.Env = append(append(os.Environ(), t.env...), "JARDAM_SQL_TRACE_FILE="+tracePath, "JARDAM_ACCESS_TOKEN_TTL=15m")
	mp, err := freePort()
	if err != nil {
		return nil, err
	}
	s.metricsBase = "http://127.0.0.1:" + strconv.Itoa(mp)
	s.cmd.Env = append(s.cmd.Env, "JARDAM_METRICS_LISTEN=127.0.0.1:"+strconv.Itoa(mp))
	if o.pprofDir != "" {
		pp, err := freePort()
		if err != nil {
			return nil, err
		}
		s.pprofBase = "http://127.0.0.1:" + strconv.Itoa(pp)
		s.cmd.Env = append(s.cmd.Env, "JARDAM_PPROF_LISTEN=127.0.0.1:"+strconv.Itoa(pp))
	}
	if o.serverEnv != "" {
		s.cmd.Env = append(s.cmd.Env, strings.Split(o.serverEnv, ",")...)
	}
	srvLog, err := os.Create(filepath.Join(tmp, "serve.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = srvLog, srvLog
	if err := s.cmd.Start(); err != nil {
		_ = srvLog.Close()
		return nil, err
	}
	s.stop = func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
		_ = srvLog.Close()
	}
	if err := waitReady(ctx, s.base); err != nil {
		s.stop()
		out, _ := os.ReadFile(srvLog.Name())
		return nil, fmt.Errorf("%w\n%s", err, lastLines(string(out), 20))
	}
	return s, nil
}

// runFlows drives each flow of -flows in turn and adds its result to
// report, with the server's peak memory, its CPU and heap profiles with -pprof, and
// one traced iteration for the SQL floor.
func (b *bench) runFlows(ctx context.Context, report *Report, srv *server, root string) error {
	for _, name := range strings.Split(b.o.flows, ",") {
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
		first, err := b.first(ctx, f)
		if err != nil {
			logf("flow %s: first request failed: %v", name, err)
		}
		logf("flow %s: first request %.0f ms; %d clients for %v", name, first, b.o.concurrency, b.o.duration)
		// Fresh access tokens for the timed requests and the traced one: a
		// first request that waited for a release may outlast them.
		if err := b.signInAll(ctx); err != nil {
			return err
		}
		waited, err := srv.settle(ctx)
		if err != nil {
			return fmt.Errorf("flow %s: %w", name, err)
		}
		logf("flow %s: background work settled in %v", name, waited.Round(time.Millisecond))
		pid := srv.cmd.Process.Pid
		resetPeakRSS(pid)
		cpu := b.cpuProfile(ctx, srv, filepath.Join(b.o.pprofDir, name+".cpu"))
		res := b.drive(ctx, name, func(ctx context.Context, w, i int) error { return f.run(ctx, w, i, "") })
		if err := <-cpu; err != nil {
			logf("cpu profile: %v", err)
		}
		res.FirstMS = first
		res.SettleMS = float64(waited.Microseconds()) / 1000
		if f.byPath != nil {
			res.P95ByPath = f.byPath()
			for p, ms := range res.P95ByPath {
				logf("flow %s: %s p95 %.1f ms", name, p, ms)
			}
		}
		res.PeakRSSMB = peakRSS(pid)
		report.ServerPeakRSSMB = max(report.ServerPeakRSSMB, res.PeakRSSMB)
		if srv.pprofBase != "" {
			if err := saveProfile(ctx, srv.pprofBase+"/debug/pprof/heap", filepath.Join(b.o.pprofDir, name+".heap")); err != nil {
				logf("heap profile: %v", err)
			}
		}
		// One more iteration, traced: the statements of the floor.
		if err := f.run(ctx, 0, -1, database.TraceUserAgentPrefix+name); err != nil {
			logf("flow %s: traced iteration failed: %v", name, err)
		}
		report.Flows = append(report.Flows, res)
	}
	return nil
}

// first runs one iteration of f before the timed ones and returns how long
// it took in milliseconds. It may wait long (up to 30 minutes): the first
// statistics request of a year waits for the year's release.
func (b *bench) first(ctx context.Context, f flowSpec) (float64, error) {
	saved := b.http
	b.http = &http.Client{Timeout: 30 * time.Minute, Transport: saved.Transport}
	defer func() { b.http = saved }()
	start := time.Now()
	err := f.run(ctx, 0, 0, "")
	return float64(time.Since(start).Microseconds()) / 1000, err
}

// writeReport writes report as JSON to path (relative to the repository
// root unless absolute).
func writeReport(root, path string, report Report) error {
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(report, "", "  ")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
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
	before := b.cpu.sample()
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
	cpu := b.cpu.per(before, b.cpu.sample(), len(latencies)+errs)
	slices.Sort(latencies)
	q := func(p float64) float64 { return percentile(latencies, p) }
	return FlowResult{
		Flow: name, Requests: len(latencies), Errors: errs,
		Throughput: float64(len(latencies)) / elapsed.Seconds(),
		P50:        q(.50), P95: q(.95), P99: q(.99), FirstError: firstErr, CPU: cpu,
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
// cpuProfile records, with -pprof, the server's CPU profile over the
// flow's duration beside the heap profiles; the channel gives
// its outcome once the profile is written to path (at once without -pprof).
func (b *bench) cpuProfile(ctx context.Context, srv *server, path string) <-chan error {
	done := make(chan error, 1)
	if srv.pprofBase == "" {
		done <- nil
		return done
	}
	url := srv.pprofBase + "/debug/pprof/profile?seconds=" + strconv.Itoa(max(1, int(b.o.duration.Seconds())))
	go func() { done <- saveProfile(ctx, url, path) }()
	return done
}

func saveProfile(ctx context.Context, url, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	_, data, err := fetch(http.DefaultClient, req)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// fetch sends req with client and returns the response's status and body.
func fetch(client *http.Client, req *http.Request) (status int, body []byte, err error) {
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = res.Body.Close() }() // read to the end first
	body, err = io.ReadAll(res.Body)
	return res.StatusCode, body, err
}
