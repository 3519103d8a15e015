package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The streaming replica of docs/operations.md, on real PostgreSQL
// processes: a standby made with `pg_basebackup -R` on a port of its own
// serves the reads of stored releases (tables, series, indicators, a
// coordinator's view of an ended half-year report). With the standby's
// replay paused and the year marked for recomputation on the primary,
// those reads still answer from the release the standby holds and the
// primary computes no new version: they reached the standby (a process of
// the service started without the standby makes the primary compute it,
// so the check can fail). Then the
// primary stops: the same reads are served, their sessions checked on the
// standby (a session revoked before the stop stays refused), writes answer
// 503, and the audit entries are spooled; once the primary is back they
// are in its audit trail, in order and with the time of the read, and
// `jardam audit verify` passes. The jobs that follow the standby and drain
// the spool log the outage once, not every second.
func TestStandbyServesStoredReleasesWhileThePrimaryRestarts(t *testing.T) {
	t.Parallel()
	started := time.Now()
	ctx := context.Background()
	db := startCluster(t)
	standby := startStandby(t, db)
	spool := filepath.Join(t.TempDir(), "audit.spool")
	srv := newServer(t, db, "DATABASE_REPLICA_URL="+standby.URL("jardam_app", "jardam"), "JARDAM_AUDIT_SPOOL_FILE="+spool)
	coordinator := newClientAs(t, srv.URL, 2, "coordinator@mlsp.gov.kg")
	revoked := newClientAs(t, srv.URL, 1, "coordinator@mlsp.gov.kg")
	caseworker := newClient(t, srv.URL, 1)
	year, half := lastEndedHalf(time.Now())
	reads := []string{
		"/api/v1/stats/tables/persons_by_sex_age",
		"/api/v1/stats/series/persons_identified",
		"/api/v1/indicators",
		fmt.Sprintf("/api/v1/reports/half-year/%d/%d", year, half),
	}
	readAll(t, coordinator, reads, http.StatusOK, "with the primary up")
	standby.caughtUpWith(ctx, db)

	// The standby's replay paused, the year's release marked outdated on
	// the primary: a read served by the primary would store version 2.
	standby.exec(ctx, "SELECT pg_wal_replay_pause()")
	db.exec(ctx, fmt.Sprintf("INSERT INTO stats_release_marks (year) VALUES (%d) ON CONFLICT (year) DO UPDATE SET corrections = stats_release_marks.corrections + 1", year))
	readAll(t, coordinator, reads, http.StatusOK, "with the standby's replay paused")
	if v := db.count(ctx, fmt.Sprintf("SELECT max(version) FROM stats_releases WHERE year = %d", year)); v != 1 {
		t.Errorf("the primary stored version %d of %d: the reads did not come from the standby", v, year)
	}
	// The same reads from a process of the service without the standby
	// reach the primary, which stores version 2: the check above tells
	// where the reads went.
	direct := restartOn(t, srv, withoutEnv(srv.env, "DATABASE_REPLICA_URL", "JARDAM_AUDIT_SPOOL_FILE"))
	readAll(t, newClientAs(t, direct.URL, 1, "coordinator@mlsp.gov.kg"), reads, http.StatusOK, "without the standby")
	if v := db.count(ctx, fmt.Sprintf("SELECT max(version) FROM stats_releases WHERE year = %d", year)); v != 2 {
		t.Errorf("reads without the standby left version %d of %d on the primary, want 2: the check cannot tell where reads went", v, year)
	}
	direct.stopNow()
	standby.exec(ctx, "SELECT pg_wal_replay_resume()")
	readAll(t, coordinator, reads, http.StatusOK, "once the standby replays again")
	if res, body, err := revoked.do(ctx, http.MethodPost, "/api/v1/auth/logout", nil, []byte(`{}`)); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %v %s", err, statusOf(res, body))
	}
	standby.caughtUpWith(ctx, db)
	time.Sleep(1500 * time.Millisecond) // a lag sample of the caught-up standby

	db.stop("fast")
	outage := time.Now()
	readAll(t, coordinator, reads, http.StatusOK, "with the primary stopped")
	readAll(t, revoked, reads[:1], http.StatusUnauthorized, "with a session revoked before the stop")
	if status, _, body, err := caseworker.createCase(ctx, "standby-write", caseBody(1)); err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("a write with the primary stopped: %d %v %s", status, err, body)
	}
	// One entry per read answered; the refused session and the refused
	// write leave none (nothing was read).
	spooled := countLines(t, spool)
	if spooled != len(reads) {
		t.Fatalf("%d entries spooled for %d reads with the primary stopped", spooled, len(reads))
	}

	time.Sleep(3 * time.Second) // several runs of the jobs that run every second
	db.start()
	if !waitFor(30*time.Second, func() bool { return countLines(t, spool) == 0 }) {
		t.Fatalf("the spool was not written to the primary within 30 s\n%s", srv.logTail(20))
	}
	want := "stats.read stats.read indicator.read report.read"
	if got := coordinatorActions(ctx, t, db, outage.Add(-time.Second), outage.Add(time.Minute)); got != want {
		t.Errorf("audit entries of the reads during the outage: %q, want %q", got, want)
	}
	assertOutageLoggedOnce(t, srv)
	time.Sleep(time.Second) // the linker chains the drained entries
	if out, err := jardam(srv.env, "audit", "verify"); err != nil {
		t.Fatalf("jardam audit verify after the drain: %v\n%s", err, tail(out, 20))
	}
	t.Logf("standby: %d reads served with the primary stopped, %d audit entries spooled and drained; %s in all",
		len(reads), spooled, time.Since(started).Round(100*time.Millisecond))
}

// assertOutageLoggedOnce checks that the jobs run every second logged the
// primary's absence once each, not every second, and the lag sampling its
// return.
func assertOutageLoggedOnce(t *testing.T, srv *server) {
	t.Helper()
	if n := len(srv.logLines("background job failed", "replica_lag")); n != 1 {
		t.Errorf("replica_lag logged %d failures for one outage of the primary, want 1", n)
	}
	if n := len(srv.logLines("background job failed", "audit_spool_drain")); n != 1 {
		t.Errorf("audit_spool_drain logged %d failures for one outage of the primary, want 1", n)
	}
	for _, job := range []string{"replica_lag", "audit_spool_drain"} {
		if !waitFor(10*time.Second, func() bool { return len(srv.logLines("background job recovered", job)) == 1 }) {
			t.Errorf("%s did not log its recovery once", job)
		}
	}
}

// coordinatorActions are the actions of coordinators' audit entries at
// times in [from, to), in the trail's order, separated by spaces.
func coordinatorActions(ctx context.Context, t *testing.T, db *cluster, from, to time.Time) string {
	t.Helper()
	conn := db.superuser(ctx)
	rows, err := conn.Query(ctx, `SELECT action FROM audit_entries WHERE at >= $1 AND at < $2 AND role = 'coordinator' ORDER BY id`, from, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var actions []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(actions, " ")
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}

// lastEndedHalf is the last half-year that has ended at now (Bishkek).
func lastEndedHalf(now time.Time) (year, half int) {
	loc := time.FixedZone("Asia/Bishkek", 6*3600)
	n := now.In(loc)
	if n.Month() >= time.July {
		return n.Year(), 1
	}
	return n.Year() - 1, 2
}

// readAll reads each path and wants status.
func readAll(t *testing.T, c *client, paths []string, status int, when string) {
	t.Helper()
	for _, p := range paths {
		res, body, err := c.do(context.Background(), http.MethodGet, p, nil, nil)
		if err != nil || res.StatusCode != status {
			t.Fatalf("GET %s %s: %v %s", p, when, err, statusOf(res, body))
		}
	}
}

// startStandby makes a hot standby of primary with `pg_basebackup -R`
// (streaming replication) and starts it on a port of its own.
func startStandby(t *testing.T, primary *cluster) *cluster {
	t.Helper()
	c := newClusterDir(t, primary.bin, "jardam-faulttest-standby-")
	if out, err := c.run("pg_basebackup", "--host=127.0.0.1", "--port="+strconv.Itoa(primary.Port), "--username=postgres",
		"--pgdata="+c.data, "--checkpoint=fast", "--wal-method=stream", "--write-recovery-conf"); err != nil {
		t.Fatalf("pg_basebackup -R: %v\n%s", err, out)
	}
	appendFile(t, filepath.Join(c.data, "postgresql.auto.conf"), fmt.Sprintf("\nport = %d\nhot_standby = on\n", c.Port))
	c.start()
	return c
}

// caughtUpWith waits until the standby c has replayed all WAL the primary
// has written.
func (c *cluster) caughtUpWith(ctx context.Context, primary *cluster) {
	c.t.Helper()
	p := primary.superuserOn(ctx, "postgres")
	defer func() { _ = p.Close(ctx) }()
	var lsn string
	if err := p.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		c.t.Fatal(err)
	}
	s := c.superuserOn(ctx, "postgres")
	defer func() { _ = s.Close(ctx) }()
	ok := waitFor(30*time.Second, func() bool {
		var done bool
		return s.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&done) == nil && done
	})
	if !ok {
		c.t.Fatalf("the standby did not replay up to %s within 30 s", lsn)
	}
}

// exec runs one statement as the superuser on the jardam database.
func (c *cluster) exec(ctx context.Context, sql string) {
	c.t.Helper()
	conn := c.superuserOn(ctx, "jardam")
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, sql); err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
}

// count runs a query answering one integer as the superuser.
func (c *cluster) count(ctx context.Context, sql string) int64 {
	c.t.Helper()
	conn := c.superuserOn(ctx, "jardam")
	defer func() { _ = conn.Close(ctx) }()
	var n *int64
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
	if n == nil {
		return 0
	}
	return *n
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}
