// Command jardam-bench measures Jardam over HTTP: it starts a private
// PostgreSQL cluster (or uses the one -bootstrap-url names), builds and
// prepares jardam the way `make run` does, seeds -cases synthetic cases
// through the real case service (`jardam seed demo --cases N`), runs
// `jardam serve` as its own process and drives each flow at a fixed
// concurrency for a fixed time. Per flow it reports throughput and
// p50/p95/p99 latency, and the server's peak resident memory; -json writes
// the same figures to a file (for example under docs/bench/).
//
// It is a benchmark, not a test: it asserts no time. Every request loop is
// bounded by -duration and -max-requests and targets only the loopback
// address.
//
//	go run ./cmd/jardam-bench                         # 2 000 cases, quick
//	go run ./cmd/jardam-bench -cases 100000 -json docs/bench/100k.json
package main

import (
	"bytes"
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
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
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
	flows        string
}

func main() {
	var o options
	flag.IntVar(&o.cases, "cases", 2000, "cases in the dataset (100000 and more take long to seed: the seed goes through the case service)")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent clients per flow")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each flow runs")
	flag.IntVar(&o.maxRequests, "max-requests", 200000, "upper bound on requests per flow")
	flag.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this file (e.g. docs/bench/latest.json)")
	flag.StringVar(&o.pgDir, "pg-dir", ".data/bench-pg", "directory of the private PostgreSQL cluster (kept between runs, with its dataset)")
	flag.IntVar(&o.pgPort, "pg-port", 54390, "port of the private PostgreSQL cluster")
	flag.StringVar(&o.bootstrapURL, "bootstrap-url", "", "superuser URL of an existing PostgreSQL to use instead of the private cluster (database jardam_bench is dropped and created)")
	flag.BoolVar(&o.reseed, "reseed", false, "drop and seed the dataset again even when it already has -cases cases")
	flag.StringVar(&o.flows, "flows", "sign-in,create-case,read-case,list-cases", "flows to run, comma separated")
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
	defer os.RemoveAll(tmp)
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
	seeded, total, err := existingCases(ctx, superURL, dbName)
	if err != nil {
		return err
	}
	if seeded == o.cases && !o.reseed && o.bootstrapURL == "" && dirExists(keys) {
		logf("reusing the dataset: %d seeded cases, %d in all", seeded, total)
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
		logf("seeding %d cases through the case service", o.cases)
		start := time.Now()
		if err := command(ctx, root, env, bin, "seed", "demo", "--cases", strconv.Itoa(o.cases)); err != nil {
			return err
		}
		logf("seeded in %v", time.Since(start).Round(time.Second))
		// Fresh statistics for the planner, as autovacuum would give later.
		if err := analyze(ctx, superURL, dbName); err != nil {
			return err
		}
	}

	logf("serving on 127.0.0.1:%d", port)
	srv := exec.CommandContext(ctx, bin, "serve")
	srv.Env = append(os.Environ(), env...)
	srvLog, err := os.Create(filepath.Join(tmp, "serve.log"))
	if err != nil {
		return err
	}
	defer srvLog.Close()
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
		return err
	}

	b := &bench{base: base, o: o, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency,
	}}}
	if b.token, err = b.signIn(ctx); err != nil {
		return err
	}
	report := Report{
		At: time.Now().UTC(), Cases: total, Concurrency: o.concurrency, Duration: o.duration.String(),
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadAverage(),
	}
	for _, name := range strings.Split(o.flows, ",") {
		f, ok := b.flow(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown flow %q", name)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		logf("flow %s: %d clients for %v", name, o.concurrency, o.duration)
		report.Flows = append(report.Flows, b.drive(ctx, name, f))
	}
	report.ServerPeakRSSMB = peakRSS(srv.Process.Pid)
	report.LoadAfter = loadAverage()
	printTable(os.Stdout, report)
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

// FlowResult is one flow's figures; latencies are in milliseconds.
type FlowResult struct {
	Flow       string  `json:"flow"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Throughput float64 `json:"requests_per_second"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

type bench struct {
	base  string
	o     options
	http  *http.Client
	token string
	seq   atomic.Int64
	// ids the caseworker may read: the first pages of the list and the
	// cases the create flow made.
	mu  sync.Mutex
	ids []string
}

// flow returns one request of the named flow, made by client w.
func (b *bench) flow(name string) (func(ctx context.Context, w, i int) error, bool) {
	switch name {
	case "sign-in":
		return func(ctx context.Context, _, _ int) error { _, err := b.signIn(ctx); return err }, true
	case "create-case":
		return func(ctx context.Context, _, _ int) error {
			n := b.seq.Add(1)
			body := fmt.Appendf(nil, `{"sex":"female","citizenship":"KG","region_of_origin":"osh","identification_channel":"hotline",
				"exploitation_types":["forced_labour"],"countries_of_exploitation":["RU"],"risk_level":"medium",
				"trafficking_events":[{"kind":"exploitation","country":"RU","region":"Moscow","year_month":"2025-03","place":"a market","details":"bench %d"}],
				"identity":{"given_name":"Бенч","family_name":"Бенчова","birth_date":"1999-04-12","phone":"+996555000111"}}`, n)
			var out struct {
				ID string `json:"id"`
			}
			err := b.call(ctx, http.MethodPost, "/api/v1/cases", body, http.StatusCreated, &out,
				"Idempotency-Key", fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n))
			if err == nil {
				b.mu.Lock()
				b.ids = append(b.ids, out.ID)
				b.mu.Unlock()
			}
			return err
		}, true
	case "read-case":
		return func(ctx context.Context, w, i int) error {
			b.mu.Lock()
			if len(b.ids) == 0 {
				b.mu.Unlock()
				if err := b.collectIDs(ctx); err != nil {
					return err
				}
				b.mu.Lock()
			}
			if len(b.ids) == 0 {
				b.mu.Unlock()
				return errors.New("no readable case: seed cases or run create-case first")
			}
			id := b.ids[(w*7919+i)%len(b.ids)]
			b.mu.Unlock()
			return b.call(ctx, http.MethodGet, "/api/v1/cases/"+id, nil, http.StatusOK, nil)
		}, true
	case "list-cases":
		return func(ctx context.Context, _, _ int) error {
			return b.call(ctx, http.MethodGet, "/api/v1/cases?limit=50", nil, http.StatusOK, nil)
		}, true
	}
	return nil, false
}

func (b *bench) collectIDs(ctx context.Context) error {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := b.call(ctx, http.MethodGet, "/api/v1/cases?limit=200", nil, http.StatusOK, &page); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, it := range page.Items {
		b.ids = append(b.ids, it.ID)
	}
	return nil
}

func (b *bench) signIn(ctx context.Context) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := b.call(ctx, http.MethodPost, "/api/v1/auth/login",
		[]byte(`{"email":"caseworker@sezim.kg","password":"jardam-demo-2025"}`), http.StatusOK, &tok)
	return tok.AccessToken, err
}

func (b *bench) call(ctx context.Context, method, path string, body []byte, want int, out any, hdr ...string) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.token != "" && !strings.HasSuffix(path, "/auth/login") {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
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

func printTable(w io.Writer, r Report) {
	fmt.Fprintf(w, "\nJardam over HTTP: %d cases, %d clients per flow, %s per flow, %d CPUs, %s\n\n",
		r.Cases, r.Concurrency, r.Duration, r.CPUs, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flow\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\t")
	for _, f := range r.Flows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t\n", f.Flow, f.Requests, f.Errors, f.Throughput, f.P50, f.P95, f.P99)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nserver peak memory (VmHWM): %.1f MB; load average before %s, after %s\n", r.ServerPeakRSSMB, r.LoadBefore, r.LoadAfter)
	for _, f := range r.Flows {
		if f.FirstError != "" {
			fmt.Fprintf(w, "first error in %s: %s\n", f.Flow, f.FirstError)
		}
	}
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
	_, err = conn.Exec(ctx, "ANALYZE")
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
	defer ln.Close()
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
