package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var longRun = flag.Bool("jardam.long", os.Getenv("JARDAM_FAULT_LONG") == "1", "run the fault tests longer (more outages, more load)")

// jardamBin is the binary built once for the package's tests.
var jardamBin string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "jardam-faulttest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory; the system cleans what is left
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	jardamBin = filepath.Join(dir, "jardam")
	cmd := exec.Command("go", "build", "-o", jardamBin, "./cmd/jardam")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "faulttest: go build ./cmd/jardam: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot returns the directory of the module's go.mod, as the go
// command finds it.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("faulttest: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("faulttest: no go.mod above the working directory")
	}
	return filepath.Dir(gomod), nil
}

// server is one `jardam serve` process on a private cluster.
type server struct {
	t      testing.TB
	db     *cluster
	env    []string
	URL    string
	cmd    *exec.Cmd
	logf   string
	exited chan struct{}
	err    error // the process's exit status, once exited is closed
}

// newServer prepares a database on db the way .ci/run-local.sh does (keys,
// roles, migrations, the demo organizations and accounts without cases)
// and starts `jardam serve` on a free loopback port.
func newServer(t testing.TB, db *cluster, extraEnv ...string) *server {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	s := &server{t: t, db: db, URL: "http://127.0.0.1:" + strconv.Itoa(port), logf: filepath.Join(dir, "serve.log"), exited: make(chan struct{})}
	s.env = append(os.Environ(),
		"JARDAM_ENV=development",
		"JARDAM_KEYS_DIR="+filepath.Join(dir, "keys"),
		"JARDAM_LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"BOOTSTRAP_DATABASE_URL="+db.URL("postgres", "postgres"),
		"MIGRATION_DATABASE_URL="+db.URL("jardam_owner", "jardam"),
		"DATABASE_URL="+db.URL("jardam_app", "jardam"),
		"JARDAM_AUDIT_LINK_INTERVAL=200ms",
	)
	s.env = append(s.env, extraEnv...)
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"keys", "init", "--dir", filepath.Join(dir, "keys")},
		{"migrate", "--bootstrap"},
		{"migrate"},
		{"seed", "demo", "--if-empty", "--cases", "0"},
	} {
		cmd := exec.Command(jardamBin, args...)
		cmd.Env = s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jardam %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 30))
		}
	}
	s.start()
	return s
}

// another starts a second `jardam serve` on the same database, with the
// same keys and settings, on its own loopback port: a second replica.
func (s *server) another(t testing.TB) *server {
	t.Helper()
	port := freePort(t)
	o := &server{t: t, db: s.db, URL: "http://127.0.0.1:" + strconv.Itoa(port),
		logf: filepath.Join(t.TempDir(), "serve.log"), exited: make(chan struct{})}
	for _, kv := range s.env {
		if strings.HasPrefix(kv, "JARDAM_LISTEN=") {
			kv = "JARDAM_LISTEN=127.0.0.1:" + strconv.Itoa(port)
		}
		o.env = append(o.env, kv)
	}
	o.start()
	return o
}

func (s *server) start() {
	s.t.Helper()
	f, err := os.Create(s.logf)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(jardamBin, "serve")
	s.cmd.Env = s.env
	s.cmd.Stdout = f
	s.cmd.Stderr = f
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		_ = f.Close()
		close(s.exited)
	}()
	s.t.Cleanup(func() {
		if s.running() {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if s.t.Failed() {
			s.t.Logf("jardam serve log (last lines):\n%s", s.logTail(40))
		}
	})
	ok := waitFor(30*time.Second, func() bool {
		if !s.running() {
			return false
		}
		res, err := http.Get(s.URL + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	if !ok {
		s.t.Fatalf("jardam serve did not become ready\n%s", s.logTail(30))
	}
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// signal sends sig to the process.
func (s *server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logf)
	return tail(string(b), n)
}

// logLines returns the log lines that contain every one of words.
func (s *server) logLines(words ...string) []string {
	b, _ := os.ReadFile(s.logf)
	var out []string
next:
	for _, l := range strings.Split(string(b), "\n") {
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// Demo account that may create cases (seed.Accounts).
const (
	demoEmail    = "caseworker@sezim.kg"
	demoPassword = "jardam-demo-2025"
)

// client is an HTTP client signed in as the demo caseworker.
type client struct {
	http  *http.Client
	base  string
	token string
}

func newClient(t testing.TB, base string, conns int) *client {
	t.Helper()
	return newClientAs(t, base, conns, demoEmail)
}

// newClientAs is a client signed in as the demo account email.
func newClientAs(t testing.TB, base string, conns int, email string) *client {
	t.Helper()
	c := &client{base: base, http: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: 30 * time.Second},
	}}
	t.Cleanup(c.http.CloseIdleConnections)
	res, body, err := c.do(context.Background(), http.MethodPost, "/api/v1/auth/login", nil,
		fmt.Appendf(nil, `{"email":%q,"password":%q}`, email, demoPassword))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %v %s", err, statusOf(res, body))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("sign-in answered no access token: %v", err)
	}
	c.token = tok.AccessToken
	return c
}

// do sends one request and reads the whole response.
func (c *client) do(ctx context.Context, method, path string, hdr http.Header, body []byte) (*http.Response, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(res.Body)
	if cerr := res.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, nil, err
	}
	return res, b, nil
}

// createCase sends POST /api/v1/cases with the Idempotency-Key key and
// returns the status and, on 201, the case id.
func (c *client) createCase(ctx context.Context, key string, body []byte) (int, string, []byte, error) {
	res, b, err := c.do(ctx, http.MethodPost, "/api/v1/cases", http.Header{"Idempotency-Key": {key}}, body)
	if err != nil {
		return 0, "", nil, err
	}
	if res.StatusCode != http.StatusCreated {
		return res.StatusCode, "", b, nil
	}
	var cs struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &cs); err != nil || cs.ID == "" {
		return res.StatusCode, "", b, fmt.Errorf("201 without a case id: %w", err)
	}
	return res.StatusCode, cs.ID, b, nil
}

// caseBody is a whole case with identity, events and statistics; n makes
// each logical case's body its own.
func caseBody(n int) []byte {
	return fmt.Appendf(nil, `{"sex":"female","citizenship":"KG","region_of_origin":"osh","identification_channel":"hotline",
	"exploitation_types":["forced_labour"],"countries_of_exploitation":["RU"],"risk_level":"medium",
	"trafficking_events":[{"kind":"exploitation","country":"RU","region":"Moscow","year_month":"2025-03","place":"a market","details":"case %d"}],
	"identity":{"given_name":"Айгүл","family_name":"Токтосунова-%d","birth_date":"1999-04-12","phone":"+996555000111"}}`, n, n)
}

// caseIDOf returns the id of the case in a JSON answer, or "".
func caseIDOf(b []byte) string {
	var cs struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &cs)
	return cs.ID
}

func statusOf(res *http.Response, body []byte) string {
	if res == nil {
		return "(no response)"
	}
	return fmt.Sprintf("%d %s", res.StatusCode, bytes.TrimSpace(body))
}
