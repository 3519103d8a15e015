package faulttest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is a private PostgreSQL cluster on 127.0.0.1 that trusts local TCP
// connections; its superuser is postgres. As root it belongs to the postgres
// system user (initdb refuses to run as root), like the one .ci/pg.sh starts.
type cluster struct {
	t    testing.TB
	bin  string
	dir  string // holds data/ and server.log
	data string
	Port int
	root bool
	mu   sync.Mutex
}

// pgBinDir returns the newest /usr/lib/postgresql/*/bin holding initdb, or
// PG_BIN when set, or "" when there is none.
func pgBinDir() string {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// requirePostgres returns the PostgreSQL binary directory. Missing binaries
// fail the test with a message saying what to install; under -short they
// skip it with that reason instead.
func requirePostgres(t testing.TB) string {
	t.Helper()
	bin := pgBinDir()
	if bin != "" {
		for _, tool := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
				bin = ""
				break
			}
		}
	}
	if bin == "" {
		msg := "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found under /usr/lib/postgresql/*/bin or PG_BIN: " +
			"the fault tests start their own cluster; install the postgresql package (apt-get install postgresql) or set PG_BIN"
		if testing.Short() {
			t.Skip("-short: " + msg)
		}
		t.Fatal(msg)
	}
	return bin
}

// freePort returns a port at or above 54340 that nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for p := nextPort; p < 54340+400; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		_ = ln.Close()
		nextPort = p + 1
		return p
	}
	t.Fatal("no free port in 54340-54739")
	return 0
}

var (
	portMu   sync.Mutex
	nextPort = 54340 + os.Getpid()%200
)

// startCluster creates a cluster in a new temporary directory, starts it
// and registers its stop and removal as test cleanup.
func startCluster(t testing.TB) *cluster {
	t.Helper()
	c := newClusterDir(t, requirePostgres(t), "jardam-faulttest-pg-")
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	c.chownToOwner(c.data)
	if out, err := c.run("initdb", "--pgdata="+c.data, "--username=postgres", "--auth-local=trust", "--auth-host=trust",
		"--encoding=UTF8", "--locale=C"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// fsync off is safe here: the tests kill PostgreSQL, not the machine.
	// synchronous_commit stays on, so an acknowledged commit is in the WAL
	// the server writes before it answers.
	appendFile(t, filepath.Join(c.data, "postgresql.conf"), fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = ''\n"+
		"fsync = off\nfull_page_writes = off\nmax_connections = 60\n", c.Port))
	c.start()
	return c
}

// newClusterDir makes the temporary directory of a cluster (its data/ not
// yet there), picks its port and registers its stop and removal as test
// cleanup.
func newClusterDir(t testing.TB, bin, prefix string) *cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data"), root: os.Geteuid() == 0}
	t.Cleanup(func() {
		c.stop("immediate")
		_ = os.RemoveAll(dir)
	})
	// The postgres user must reach the directory when we run as root.
	if err := os.Chmod(dir, 0o755); err != nil { //nolint:gosec // G302: a directory the postgres user, outside our group, must enter
		t.Fatal(err)
	}
	c.chownToOwner(dir)
	c.Port = freePort(t)
	return c
}

// chownToOwner gives path to the postgres user when we run as root.
func (c *cluster) chownToOwner(path string) {
	c.t.Helper()
	if !c.root {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		c.t.Fatalf("running as root, the cluster needs the postgres system user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		c.t.Fatal(err)
	}
}

// appendFile appends text to the file at path, creating it (mode 0600).
func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// run runs one of PostgreSQL's programs as the cluster's owner.
func (c *cluster) run(tool string, args ...string) ([]byte, error) {
	return c.runPath(filepath.Join(c.bin, tool), args...)
}

// runPath runs the program at path as the cluster's owner.
func (c *cluster) runPath(path string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if c.root {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = "/"
	return cmd.CombinedOutput()
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.run("pg_ctl", "start", "--pgdata="+c.data, "--wait", "--timeout=60", "--log="+filepath.Join(c.dir, "server.log"))
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, tail(string(log), 30))
	}
}

// stop stops the server in the given mode (immediate: every backend is
// killed at once and the next start runs crash recovery). Stopping a
// stopped server does nothing.
func (c *cluster) stop(mode string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err != nil {
		return
	}
	if out, err := c.run("pg_ctl", "stop", "--pgdata="+c.data, "--mode="+mode, "--wait", "--timeout=60"); err != nil {
		c.t.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
}

// URL returns a connection URL for role on database db.
func (c *cluster) URL(role, db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", role, c.Port, db)
}

// superuser connects to the jardam database as postgres, bypassing
// row-level security, for the tests' own checks.
func (c *cluster) superuser(ctx context.Context) *pgx.Conn {
	c.t.Helper()
	conn, err := pgx.Connect(ctx, c.URL("postgres", "jardam"))
	if err != nil {
		c.t.Fatalf("superuser connection: %v", err)
	}
	c.t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
