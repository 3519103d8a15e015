package database_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jardam-kg/jardam/internal/platform/database"
)

// The errors a statement meets when PostgreSQL goes away under it (seen
// in the fault tests while the server is stopped in immediate mode) mean
// "unavailable", so the API answers 503 and the client retries; errors in
// the statement itself do not.
func TestIsUnavailable(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"UnexpectedEOFMidStatement", io.ErrUnexpectedEOF, true},
		{"ResetByPeerWrapped", fmt.Errorf("audit: record case.create: %w", reset), true},
		{"BrokenPipe", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, true},
		{"ClosedConnection", fmt.Errorf("query: %w", net.ErrClosed), true},
		{"AdminShutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"StartingUp", &pgconn.PgError{Code: "57P03"}, true},
		{"Sentinel", fmt.Errorf("%w: refused", database.ErrUnavailable), true},
		{"UniqueViolationIsNot", &pgconn.PgError{Code: database.CodeUniqueViolation}, false},
		{"PlainErrorIsNot", errors.New("boom"), false},
		{"CanceledIsNot", context.Canceled, false},
		{"NilIsNot", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := database.IsUnavailable(c.err); got != c.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
