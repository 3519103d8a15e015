package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The restore drill of docs/operations.md, on real PostgreSQL processes:
// a cluster archiving its WAL serves Jardam; a base backup is taken, more
// cases are written, a named restore point is set, and more cases again.
// The master key survives only as shares held by three of five officials.
// The cluster is lost; the base backup and the archive are restored to the
// restore point in a new cluster, the master key is rebuilt from three
// shares, and the service starts on them. `jardam backup check` and
// `jardam audit verify` pass, every case written before the restore point
// opens with its identity, and those written after it are absent. The
// same check refuses a master key that is not the database's.
func TestRestoreDrill_PointInTimeWithKeysFromShares(t *testing.T) {
	t.Parallel()
	started := time.Now()
	ctx := context.Background()
	db := startCluster(t)
	archive := db.enableArchiving(ctx)
	srv := newServer(t, db)
	api := newClient(t, srv.URL, 2)

	before := writeCases(t, api, 1000, 3)
	base := filepath.Join(db.dir, "base")
	if out, err := db.run("pg_basebackup", "--host=127.0.0.1", "--port="+strconv.Itoa(db.Port), "--username=postgres",
		"--pgdata="+base, "--checkpoint=fast", "--wal-method=stream"); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	for k, v := range writeCases(t, api, 2000, 3) {
		before[k] = v
	}
	db.restorePoint(ctx, "drill")
	after := writeCases(t, api, 3000, 3)
	db.switchWAL(ctx)

	keysDir := filepath.Join(filepath.Dir(srv.logf), "keys")
	restoredKeys := rebuildKeysFromShares(t, srv.env, keysDir)
	srv.stopNow()
	db.stop("immediate")

	restored := restoreCluster(t, db, base, archive, "drill")
	env := restoredEnv(srv.env, restored, restoredKeys)
	for _, args := range [][]string{{"backup", "check"}, {"audit", "verify"}} {
		if out, err := jardam(env, args...); err != nil {
			t.Fatalf("jardam %s on the restored database: %v\n%s", strings.Join(args, " "), err, tail(out, 30))
		}
	}
	restoredSize, verified := restored.count(ctx, "SELECT pg_database_size('jardam')"), restored.count(ctx, "SELECT count(*) FROM audit_entries")
	foreign := filepath.Join(t.TempDir(), "keys")
	if out, err := jardam(env, "keys", "init", "--dir", foreign); err != nil {
		t.Fatalf("keys init: %v\n%s", err, out)
	}
	out, err := jardam(append(env, "JARDAM_MASTER_KEY_FILE="+filepath.Join(foreign, "master.key")), "backup", "check")
	if err == nil || !strings.Contains(out, `"master_key": "crypto: master key does not match`) || !strings.Contains(out, `"ok": false`) {
		t.Errorf("backup check with another master key: %v\n%s", err, out)
	}

	again := restartOn(t, srv, env)
	api = newClient(t, again.URL, 2)
	for id, family := range before {
		res, body, err := api.do(ctx, http.MethodGet, "/api/v1/cases/"+id, nil, nil)
		if err != nil || res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(family)) {
			t.Errorf("case written before the restore point (%s): %s", family, statusOf(res, body))
		}
	}
	for id := range after {
		if res, body, err := api.do(ctx, http.MethodGet, "/api/v1/cases/"+id, nil, nil); err != nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("case written after the restore point: %s", statusOf(res, body))
		}
	}
	t.Logf("restore drill: %d cases restored, %d after the point absent; base backup %s, %d WAL segments archived; "+
		"restored database %s with %d audit entries verified; %s in all",
		len(before), len(after), humanBytes(dirSize(base)), countFiles(archive),
		humanBytes(restoredSize), verified,
		time.Since(started).Round(100*time.Millisecond))
}

// enableArchiving turns on WAL archiving into the cluster's archive/
// directory (a restart) and returns that directory.
func (c *cluster) enableArchiving(ctx context.Context) string {
	c.t.Helper()
	archive := filepath.Join(c.dir, "archive")
	if out, err := c.asOwner("mkdir", "-m", "0700", archive); err != nil {
		c.t.Fatalf("mkdir archive: %v\n%s", err, out)
	}
	conn := c.superuserOn(ctx, "postgres")
	for _, stmt := range []string{
		"ALTER SYSTEM SET wal_level = 'replica'",
		"ALTER SYSTEM SET archive_mode = 'on'",
		fmt.Sprintf("ALTER SYSTEM SET archive_command = 'test ! -f %[1]s/%%f && cp %%p %[1]s/%%f'", archive),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			c.t.Fatalf("%s: %v", stmt, err)
		}
	}
	_ = conn.Close(ctx)
	c.stop("fast")
	c.start()
	return archive
}

// restorePoint creates a named restore point and has its WAL segment
// archived.
func (c *cluster) restorePoint(ctx context.Context, name string) {
	c.t.Helper()
	conn := c.superuserOn(ctx, "postgres")
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "SELECT pg_create_restore_point($1)", name); err != nil {
		c.t.Fatalf("restore point: %v", err)
	}
}

// switchWAL closes the current WAL segment and waits until the archiver
// has stored it.
func (c *cluster) switchWAL(ctx context.Context) {
	c.t.Helper()
	conn := c.superuserOn(ctx, "postgres")
	defer func() { _ = conn.Close(ctx) }()
	var segment string
	if err := conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&segment); err != nil {
		c.t.Fatalf("pg_switch_wal: %v", err)
	}
	ok := waitFor(30*time.Second, func() bool {
		var last *string
		_ = conn.QueryRow(ctx, "SELECT last_archived_wal FROM pg_stat_archiver").Scan(&last)
		return last != nil && *last >= segment
	})
	if !ok {
		c.t.Fatalf("WAL segment %s was not archived within 30 s", segment)
	}
}

// superuserOn connects to dbname as postgres.
func (c *cluster) superuserOn(ctx context.Context, dbname string) *pgx.Conn {
	c.t.Helper()
	conn, err := pgx.Connect(ctx, c.URL("postgres", dbname))
	if err != nil {
		c.t.Fatalf("superuser connection: %v", err)
	}
	return conn
}

// asOwner runs a system command (mkdir, cp) as the cluster's owner.
func (c *cluster) asOwner(name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, err
	}
	return c.runPath(path, args...)
}

// restoreCluster makes a new cluster from the base backup in base and the
// WAL archive, recovered up to the named restore point and promoted, and
// starts it on a port of its own.
func restoreCluster(t *testing.T, old *cluster, base, archive, target string) *cluster {
	t.Helper()
	c := newClusterDir(t, old.bin, "jardam-faulttest-restored-")
	if out, err := c.asOwner("cp", "-a", base, c.data); err != nil {
		t.Fatalf("copy the base backup: %v\n%s", err, out)
	}
	// postgresql.auto.conf is read last: it overrides the port and the
	// archiving the lost cluster had set there.
	conf := fmt.Sprintf("\nport = %d\narchive_mode = 'off'\nrestore_command = 'cp %s/%%f %%p'\n"+
		"recovery_target_name = '%s'\nrecovery_target_action = 'promote'\n", c.Port, archive, target)
	appendFile(t, filepath.Join(c.data, "postgresql.auto.conf"), conf)
	appendFile(t, filepath.Join(c.data, "recovery.signal"), "")
	c.chownToOwner(filepath.Join(c.data, "recovery.signal"))
	c.start()
	ctx := context.Background()
	conn := c.superuserOn(ctx, "postgres")
	defer func() { _ = conn.Close(ctx) }()
	promoted := waitFor(60*time.Second, func() bool {
		var inRecovery bool
		return conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery) == nil && !inRecovery
	})
	if !promoted {
		b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		t.Fatalf("the restored cluster did not finish recovery within 60 s\n%s", tail(string(b), 30))
	}
	return c
}

// writeCases creates n cases (caseBody from first on) and returns their
// ids with the family name each carries.
func writeCases(t *testing.T, api *client, first, n int) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for i := first; i < first+n; i++ {
		status, id, body, err := api.createCase(context.Background(), "drill-"+strconv.Itoa(i), caseBody(i))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("create case %d: %d %v %s", i, status, err, body)
		}
		ids[id] = fmt.Sprintf("Токтосунова-%d", i)
	}
	return ids
}

// rebuildKeysFromShares splits the master key of keysDir into five shares,
// then makes a new key directory from the other key files and the master
// key rebuilt from shares 1, 3 and 5, as the ceremony in docs/keys.md does.
func rebuildKeysFromShares(t *testing.T, env []string, keysDir string) string {
	t.Helper()
	work := t.TempDir()
	shares, restored := filepath.Join(work, "shares"), filepath.Join(work, "keys")
	if out, err := jardam(env, "keys", "split", "--shares", "5", "--threshold", "3", "--out", shares); err != nil {
		t.Fatalf("keys split: %v\n%s", err, out)
	}
	if err := os.Mkdir(restored, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"jwt.key", "audit.key", "index.key"} {
		b, err := os.ReadFile(filepath.Join(keysDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restored, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	share := func(i string) string { return filepath.Join(shares, "share-"+i) }
	if out, err := jardam(env, "keys", "combine", "--out", filepath.Join(restored, "master.key"), share("1"), share("3"), share("5")); err != nil {
		t.Fatalf("keys combine: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(keysDir, "master.key"))
	if got, _ := os.ReadFile(filepath.Join(restored, "master.key")); !bytes.Equal(got, want) {
		t.Fatal("the master key rebuilt from shares differs from the original")
	}
	return restored
}

// restoredEnv is the server's environment pointed at the restored cluster
// and key directory.
func restoredEnv(env []string, db *cluster, keysDir string) []string {
	set := map[string]string{
		"BOOTSTRAP_DATABASE_URL": db.URL("postgres", "postgres"),
		"MIGRATION_DATABASE_URL": db.URL("jardam_owner", "jardam"),
		"DATABASE_URL":           db.URL("jardam_app", "jardam"),
		"JARDAM_KEYS_DIR":        keysDir,
	}
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if v, ok := set[name]; ok {
			kv = name + "=" + v
		}
		out = append(out, kv)
	}
	return out
}

// jardam runs one command of the binary with env.
func jardam(env []string, args ...string) (string, error) {
	cmd := exec.Command(jardamBin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stopNow ends the process as an operator would (SIGTERM) and waits.
func (s *server) stopNow() {
	s.t.Helper()
	s.signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatal("jardam serve did not exit within 30 s of SIGTERM")
	}
}

// restartOn starts `jardam serve` with env on a new port.
func restartOn(t *testing.T, s *server, env []string) *server {
	t.Helper()
	port := freePort(t)
	o := &server{t: t, db: s.db, URL: "http://127.0.0.1:" + strconv.Itoa(port),
		logf: filepath.Join(t.TempDir(), "serve.log"), exited: make(chan struct{})}
	for _, kv := range env {
		if strings.HasPrefix(kv, "JARDAM_LISTEN=") {
			kv = "JARDAM_LISTEN=127.0.0.1:" + strconv.Itoa(port)
		}
		o.env = append(o.env, kv)
	}
	o.start()
	return o
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func countFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	return len(entries)
}

func humanBytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
