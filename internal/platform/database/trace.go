package database

import (
	"bufio"
	"context"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// TraceUserAgentPrefix marks the requests whose SQL a statement trace
// records: only requests whose User-Agent starts with it (the load
// benchmark's capture requests) are written, so the trace holds the
// statements of chosen requests and tracing costs the others nothing but a
// prefix check.
const TraceUserAgentPrefix = "jardam-sqltrace/"

// TracedStatement is one line of a statement trace file: a statement a
// traced request issued, in order, with its arguments. Args are the
// statement's parameters as sent, each tagged with its kind (see
// TraceArg).
type TracedStatement struct {
	RequestID string     `json:"request_id"`
	Label     string     `json:"label"`
	Seq       int64      `json:"seq"`
	PID       uint32     `json:"pid"`
	SQL       string     `json:"sql"`
	Args      []TraceArg `json:"args"`
}

// TraceArg is one statement parameter: K is "null", "text", "bytes"
// (base64 in V), "int", "float", "bool" or "time" (RFC 3339 with
// nanoseconds in V).
type TraceArg struct {
	K string `json:"k"`
	V string `json:"v,omitempty"`
}

// Value returns the argument as a value pgx sends as the original was
// sent (text in PostgreSQL's text form, bytes as bytea).
func (a TraceArg) Value() (any, error) {
	switch a.K {
	case "null":
		return nil, nil
	case "text":
		return a.V, nil
	case "bytes":
		return base64.StdEncoding.DecodeString(a.V)
	case "int":
		var n int64
		_, err := fmt.Sscan(a.V, &n)
		return n, err
	case "float":
		var f float64
		_, err := fmt.Sscan(a.V, &f)
		return f, err
	case "bool":
		return a.V == "true", nil
	case "time":
		return time.Parse(time.RFC3339Nano, a.V)
	}
	return nil, fmt.Errorf("trace argument of unknown kind %q", a.K)
}

// statementTracer writes the statements of traced requests to a file, one
// JSON object (TracedStatement) per line.
type statementTracer struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	seq int64
}

func newStatementTracer(path string) (*statementTracer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("SQL trace file: %w", err)
	}
	return &statementTracer{f: f, w: bufio.NewWriter(f)}, nil
}

// TraceQueryStart records the statement when the request is traced.
func (t *statementTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	m := reqctx.MetaFrom(ctx)
	if !strings.HasPrefix(m.UserAgent, TraceUserAgentPrefix) {
		return ctx
	}
	s := TracedStatement{RequestID: m.RequestID, Label: strings.TrimPrefix(m.UserAgent, TraceUserAgentPrefix), SQL: data.SQL,
		Args: make([]TraceArg, len(data.Args))}
	if conn != nil && conn.PgConn() != nil {
		s.PID = conn.PgConn().PID()
	}
	s.Args = s.Args[:0]
	for _, a := range data.Args {
		switch a.(type) {
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryExecMode:
			// Options database/sql's adapter passes to pgx, not parameters.
			continue
		}
		s.Args = append(s.Args, traceArg(a))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	s.Seq = t.seq
	line, err := json.Marshal(s)
	if err == nil {
		_, _ = t.w.Write(append(line, '\n'))
		_ = t.w.Flush()
	}
	return ctx
}

// TraceQueryEnd does nothing: the trace records what was sent.
func (t *statementTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func traceArg(a any) TraceArg {
	for i := 0; i < 8; i++ {
		if v, ok := a.(driver.Valuer); ok {
			rv := reflect.ValueOf(a)
			if rv.Kind() == reflect.Pointer && rv.IsNil() {
				return TraceArg{K: "null"}
			}
			dv, err := v.Value()
			if err != nil {
				return TraceArg{K: "null"}
			}
			a = dv
			continue
		}
		rv := reflect.ValueOf(a)
		if a == nil || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
			return TraceArg{K: "null"}
		}
		if rv.Kind() == reflect.Pointer {
			a = rv.Elem().Interface()
			continue
		}
		break
	}
	switch v := a.(type) {
	case nil:
		return TraceArg{K: "null"}
	case string:
		return TraceArg{K: "text", V: v}
	case []byte:
		return TraceArg{K: "bytes", V: base64.StdEncoding.EncodeToString(v)}
	case bool:
		return TraceArg{K: "bool", V: fmt.Sprint(v)}
	case time.Time:
		return TraceArg{K: "time", V: v.Format(time.RFC3339Nano)}
	case float32, float64:
		return TraceArg{K: "float", V: fmt.Sprint(v)}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return TraceArg{K: "int", V: fmt.Sprint(v)}
	case fmt.Stringer:
		return TraceArg{K: "text", V: v.String()}
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice {
		// An array parameter (text[], uuid[]) as PostgreSQL's array
		// literal, which the server reads into the parameter's array type.
		quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
		items := make([]string, rv.Len())
		for i := range items {
			e := rv.Index(i)
			for e.Kind() == reflect.Pointer && !e.IsNil() {
				e = e.Elem()
			}
			switch v := e.Interface().(type) {
			case []byte:
				if v == nil {
					items[i] = "NULL"
				} else {
					items[i] = `"` + quote.Replace(`\x`+hex.EncodeToString(v)) + `"`
				}
			default:
				if e.Kind() == reflect.Pointer {
					items[i] = "NULL"
				} else {
					items[i] = `"` + quote.Replace(fmt.Sprint(v)) + `"`
				}
			}
		}
		return TraceArg{K: "text", V: "{" + strings.Join(items, ",") + "}"}
	}
	return TraceArg{K: "text", V: fmt.Sprint(a)}
}

// TraceBatchStart does nothing: each statement of a batch is recorded by
// TraceBatchQuery.
func (t *statementTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchQuery records a statement of a pipelined batch (as
// TraceQueryStart records one sent alone), in the batch's order.
func (t *statementTracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	t.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: data.SQL, Args: data.Args})
}

// TraceBatchEnd does nothing.
func (t *statementTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
