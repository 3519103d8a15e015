package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jardam-kg/jardam/internal/platform/database"
)

// The SQL floor of a flow: the statements the server issued for one
// iteration of the flow, captured in the same run (the server's statement
// trace, JARDAM_SQL_TRACE_FILE, records the requests whose User-Agent
// carries database.TraceUserAgentPrefix), replayed straight through pgx as
// the application role, at the same concurrency and for the same time, on
// a pool as large as the server's. Each request's statements run in order
// on one pooled connection, BEGIN and COMMIT included, rows read and
// dropped. What the floor leaves out is the API's own work: HTTP, JSON,
// authentication, authorization, encryption, and the Go side of the
// database driver and ORM.
//
// A flow that writes replays as one transaction per iteration, its
// requests' statements in order between a BEGIN and a ROLLBACK (in place of
// each request's own BEGIN and COMMIT), so that the dataset stays as seeded:
// the replayed rows' ciphertexts are bound to the original ids and would
// not open. On the benchmark's cluster (durability off) a COMMIT costs
// about what a ROLLBACK does. Values the original's committed rows now hold
// under a unique key are renewed for each iteration, the same way in every
// statement of it: an id an INSERT writes to an id column becomes a new
// UUID, a case or referral code and an idempotency key get a suffix, a
// refresh token hash is drawn anew; so an accept updates the referral its
// own iteration inserted.

// serverPoolSize is the server's pool (database.Open: 20 connections).
const serverPoolSize = 20

// request is the statements of one captured request, in order.
type request struct {
	ID         string
	Statements []database.TracedStatement
}

// readTrace returns the captured requests of each label, in order.
func readTrace(path string) (map[string][]request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	byID := map[string]*request{}
	labels := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var s database.TracedStatement
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("trace %s: %w", path, err)
		}
		r, ok := byID[s.RequestID]
		if !ok {
			r = &request{ID: s.RequestID}
			byID[s.RequestID] = r
			labels[s.Label] = append(labels[s.Label], s.RequestID)
		}
		r.Statements = append(r.Statements, s)
	}
	out := map[string][]request{}
	for l, ids := range labels {
		for _, id := range ids {
			out[l] = append(out[l], *byID[id])
		}
	}
	return out, sc.Err()
}

var (
	uuidPattern   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	insertPattern = regexp.MustCompile(`(?is)INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*(VALUES|SELECT)\s*`)
	paramPattern  = regexp.MustCompile(`^\$(\d+)(?:::[\w\[\]]+)?$`)
	fromPattern   = regexp.MustCompile(`(?i)\sFROM\s`)
	// unnest($1::uuid[], $2::int[]) AS e(id, position): each array
	// parameter fills the column its alias names.
	unnestPattern = regexp.MustCompile(`(?is)unnest\(([^)]*)\)\s+AS\s+\w+\s*\(([^)]*)\)`)
)

// insertColumns maps the parameters of the INSERT ... VALUES and INSERT ...
// SELECT statements in sql (several in a statement of data-modifying
// common table expressions) to the columns they fill (parameter number to
// column name), and the array parameters of unnest(...) AS x(columns) to
// the columns they name. A parameter that fills an id column anywhere
// maps to id.
func insertColumns(sql string) map[int]string {
	out := map[int]string{}
	set := func(item, col string) {
		if p := paramPattern.FindStringSubmatch(strings.TrimSpace(item)); p != nil {
			n, _ := strconv.Atoi(p[1])
			if out[n] != "id" {
				out[n] = col
			}
		}
	}
	locs := insertPattern.FindAllStringSubmatchIndex(sql, -1)
	for k, loc := range locs {
		end := len(sql)
		if k+1 < len(locs) {
			end = locs[k+1][0]
		}
		var cols []string
		for _, c := range strings.Split(sql[loc[2]:loc[3]], ",") {
			cols = append(cols, strings.TrimSpace(c))
		}
		values := sql[loc[1]:end]
		if strings.EqualFold(sql[loc[4]:loc[5]], "SELECT") {
			// INSERT ... SELECT a, b, c FROM ...: one tuple, the select list.
			if i := fromPattern.FindStringIndex(values); i != nil {
				values = values[:i[0]]
			}
			values = "(" + values + ")"
		}
		depth, item, col := 0, "", 0
		for _, r := range values {
			switch {
			case r == '(':
				depth++
				if depth == 1 {
					item, col = "", 0
					continue
				}
			case r == ')':
				depth--
				if depth == 0 {
					if col < len(cols) {
						set(item, cols[col])
					}
					continue
				}
			case r == ',' && depth == 1:
				if col < len(cols) {
					set(item, cols[col])
				}
				item, col = "", col+1
				continue
			}
			if depth >= 1 {
				item += string(r)
			}
		}
	}
	for _, m := range unnestPattern.FindAllStringSubmatch(sql, -1) {
		params, names := strings.Split(m[1], ","), strings.Split(m[2], ",")
		for i := range min(len(params), len(names)) {
			set(params[i], strings.TrimSpace(names[i]))
		}
	}
	return out
}

// freshValues returns the text arguments of reqs that a replay must renew
// because the original's row now holds them under a unique key: what an
// INSERT writes to an id or code column, and idempotency keys.
func freshValues(reqs []request) map[string]bool {
	fresh := map[string]bool{}
	for _, r := range reqs {
		for _, s := range r.Statements {
			cols := insertColumns(s.SQL)
			for i, a := range s.Args {
				col := cols[i+1]
				if a.K == "bytes" && strings.HasSuffix(col, "token_hash") {
					fresh["bytes:"+a.V] = true
				}
				if a.K != "text" {
					continue
				}
				if (col == "id" && uuidPattern.MatchString(a.V)) || col == "code" || strings.HasPrefix(a.V, "bench-") {
					fresh[a.V] = true
				}
				if col == "id" && strings.HasPrefix(a.V, "{") {
					// The new rows' ids of an unnested array.
					for _, e := range strings.Split(strings.Trim(a.V, "{}"), ",") {
						if e = strings.Trim(e, `"`); uuidPattern.MatchString(e) {
							fresh[e] = true
						}
					}
				}
			}
		}
	}
	return fresh
}

// replayer replays one flow's captured requests.
type replayer struct {
	pool   *pgxpool.Pool
	reqs   []request
	fresh  map[string]bool
	writes bool
	seq    atomic.Int64
}

func (p *replayer) once(ctx context.Context) error {
	n := p.seq.Add(1)
	subst := map[string]string{}
	for v := range p.fresh {
		switch {
		case strings.HasPrefix(v, "bytes:"):
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			subst[v] = base64.StdEncoding.EncodeToString(b)
		case uuidPattern.MatchString(v):
			subst[v] = uuid.NewString()
		default:
			subst[v] = v + "-f" + strconv.FormatInt(n, 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
		}
	}
	if !p.writes {
		for _, r := range p.reqs {
			if err := p.request(ctx, r.Statements, subst); err != nil {
				return err
			}
		}
		return nil
	}
	// A flow that writes runs as one transaction rolled back at the end,
	// so the dataset stays as seeded (the replayed rows' ciphertexts are
	// bound to the original ids and would not open).
	var all []database.TracedStatement
	all = append(all, database.TracedStatement{SQL: "BEGIN"})
	for _, r := range p.reqs {
		for _, s := range r.Statements {
			if w := verb(s.SQL); w != "begin" && w != "commit" && w != "rollback" {
				all = append(all, s)
			}
		}
	}
	all = append(all, database.TracedStatement{SQL: "ROLLBACK"})
	return p.request(ctx, all, subst)
}

// verb is the first word of a statement, in lower case.
func verb(sql string) string {
	return strings.ToLower(strings.Fields(strings.TrimSpace(sql) + " x")[0])
}

// writes reports whether any statement of reqs changes data.
func writes(reqs []request) bool {
	for _, r := range reqs {
		for _, s := range r.Statements {
			u := strings.ToUpper(s.SQL)
			if strings.Contains(u, "INSERT INTO") || strings.HasPrefix(strings.TrimSpace(u), "UPDATE ") || strings.Contains(u, "DELETE FROM") {
				return true
			}
		}
	}
	return false
}

// request runs statements in order on one pooled connection.
func (p *replayer) request(ctx context.Context, statements []database.TracedStatement, subst map[string]string) error {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	inTx := false
	for _, s := range statements {
		args := make([]any, len(s.Args))
		for i, a := range s.Args {
			switch a.K {
			case "text":
				if v, ok := subst[a.V]; ok {
					a.V = v
				} else if strings.HasPrefix(a.V, "{") {
					for old, v := range subst {
						if uuidPattern.MatchString(old) {
							a.V = strings.ReplaceAll(a.V, old, v)
						}
					}
				}
			case "bytes":
				if v, ok := subst["bytes:"+a.V]; ok {
					a.V = v
				}
			}
			if args[i], err = a.Value(); err != nil {
				return err
			}
		}
		switch verb(s.SQL) {
		case "begin":
			inTx = true
		case "commit", "rollback":
			inTx = false
		}
		rows, err := conn.Query(ctx, s.SQL, args...)
		if err == nil {
			for rows.Next() {
				_ = rows.RawValues()
			}
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			if inTx {
				_, _ = conn.Exec(context.Background(), "ROLLBACK")
			}
			return fmt.Errorf("replay of %q: %w", firstLine(s.SQL), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// floor replays the captured requests of each flow and sets the floor
// figures and ratio of its result.
func (b *bench) floor(ctx context.Context, appURL, tracePath string, results []FlowResult) error {
	traces, err := readTrace(tracePath)
	if err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = serverPoolSize
	cfg.ConnConfig.RuntimeParams["jit"] = "off" // as the server's connections (database.Open)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	for i := range results {
		f := &results[i]
		reqs := traces[f.Flow]
		if f.Unavailable || len(reqs) == 0 {
			continue
		}
		f.FloorStatements = 0
		for _, r := range reqs {
			f.FloorStatements += len(r.Statements)
		}
		f.FloorRequests = len(reqs)
		p := &replayer{pool: pool, reqs: reqs, fresh: freshValues(reqs), writes: writes(reqs)}
		logf("floor %s: %d statements in %d request(s), %d clients for %v", f.Flow, f.FloorStatements, len(reqs), b.o.concurrency, b.o.duration)
		fr := b.drive(ctx, f.Flow+" (floor)", func(ctx context.Context, _, _ int) error { return p.once(ctx) })
		f.FloorThroughput, f.FloorP50, f.FloorP95, f.FloorP99, f.FloorErrors, f.FloorFirstError = fr.Throughput, fr.P50, fr.P95, fr.P99, fr.Errors, fr.FirstError
		f.FloorCPU = &fr.CPU
		if fr.Throughput > 0 {
			f.Ratio = f.Throughput / fr.Throughput
		}
	}
	return nil
}
