// Package database owns Jardam's connection to PostgreSQL: opening pools,
// running a function inside one transaction, classifying PostgreSQL errors,
// applying the embedded migrations and creating the roles once per cluster.
package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/reqctx"
)

// Role names. The owner role owns every table and runs migrations; the
// application role, used by the service, owns nothing and holds only the
// grants the migrations give it.
const (
	OwnerRole = "jardam_owner"
	AppRole   = "jardam_app"
)

// ErrUnavailable reports that the database could not be reached.
var ErrUnavailable = errors.New("database unavailable")

// Open connects to url with a small pool suitable for one API replica and
// checks the connection. It returns ErrUnavailable (wrapped) when the server
// does not answer.
func Open(ctx context.Context, url string) (*gorm.DB, error) {
	return OpenWith(ctx, url, Options{})
}

// Options are the opt-in behaviours of a pool.
type Options struct {
	// TraceFile, when set, names a file to which the statements of traced
	// requests (see TraceUserAgentPrefix) are appended with their
	// arguments. It is for the load benchmark's private database only: the
	// arguments hold ciphertexts and blind index tokens. The service
	// refuses it in production.
	TraceFile string
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, o Options) (*gorm.DB, error) {
	dialector := postgres.New(postgres.Config{DSN: withoutJIT(url)})
	if o.TraceFile != "" {
		cfg, err := pgx.ParseConfig(withoutJIT(url))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		tracer, err := newStatementTracer(o.TraceFile)
		if err != nil {
			return nil, err
		}
		cfg.Tracer = tracer
		dialector = postgres.New(postgres.Config{Conn: stdlib.OpenDB(*cfg)})
	}
	db, err := gorm.Open(dialector, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return db, nil
}

// gormConfig is how Jardam uses gorm: raw SQL in explicit transactions,
// no logging (statements carry ciphertexts and tokens), time in UTC.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		TranslateError:         false,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// OpenMaintenance connects to ownerURL (MIGRATION_DATABASE_URL) with a small
// pool whose every connection takes MaintRole with SET ROLE, for `jardam
// keys rotate` and `jardam keys destroy`. It returns ErrUnavailable
// (wrapped) when the server does not answer, and an error saying to run
// `jardam migrate --bootstrap` when the login user may not take the role.
func OpenMaintenance(ctx context.Context, ownerURL string) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return nil, fmt.Errorf("MIGRATION_DATABASE_URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+MaintRole)
		return err
	}))
	sqlDB.SetMaxOpenConns(4)
	sqlDB.SetMaxIdleConns(4)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var role string
	if err := db.WithContext(pctx).Raw("SELECT current_user").Scan(&role).Error; err != nil {
		_ = sqlDB.Close()
		if IsCode(err, "42501") || IsCode(err, "22023") {
			return nil, fmt.Errorf("the login user of MIGRATION_DATABASE_URL may not take the role %s (run `jardam migrate --bootstrap`): %w", MaintRole, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if role != MaintRole {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("maintenance connection runs as %q, not %s", role, MaintRole)
	}
	return db, nil
}

// Close closes the pool behind db.
func Close(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// InTx runs fn inside one transaction on db, committing when fn returns nil
// and rolling back otherwise. A domain service's exported method owns its
// transaction through this helper (or access.InTx and access.InCase, which
// call it); the service's unexported helpers, and the exported functions
// through which another domain changes its tables, take the *gorm.DB of
// that transaction (docs/adr/0010-layers.md).
func InTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(fn)
}

// PostgreSQL error codes Jardam reacts to.
const (
	CodeUniqueViolation     = "23505"
	CodeForeignKeyViolation = "23503"
	CodeCheckViolation      = "23514"
	CodeSerialization       = "40001"
	CodeDuplicateObject     = "42710"
	CodeDuplicateDatabase   = "42P04"
)

// IsCode reports whether err is a PostgreSQL error with the given SQLSTATE.
func IsCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// IsUnavailable reports whether err means the database could not be reached
// (connection refused or lost, server shutting down), as opposed to an error
// in the statement itself.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: admin shutdown,
		// crash shutdown, cannot connect now.
		return len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03")
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	if connectionLost(err) {
		return true
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// connectionLost reports whether err is an established connection breaking
// under a statement: the server went away mid-read (unexpected EOF, reset)
// or mid-write (broken pipe), or the pool handed out a connection that was
// already closed. Whether a COMMIT in flight took effect is then unknown;
// the client's retry under its Idempotency-Key settles it.
func connectionLost(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// InOrgTx runs fn in one transaction whose row-level security scope is the
// organization orgID and the user userID (SET LOCAL, so a pooled connection
// keeps nothing after the transaction).
func InOrgTx(ctx context.Context, db *gorm.DB, orgID, userID fmt.Stringer, fn func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := Scope(tx, orgID, userID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// Scope sets the row-level security scope of the transaction tx to the
// organization orgID and the user userID (SET LOCAL).
func Scope(tx *gorm.DB, orgID, userID fmt.Stringer) error {
	return tx.Exec(`SELECT set_config('jardam.org_id', ?, true), set_config('jardam.user_id', ?, true)`,
		orgID.String(), userID.String()).Error
}

// ScopeSQL is Scope's statement for pgx ($1 the organization, $2 the user),
// for the pipelined hot paths (Pipelined).
const ScopeSQL = `SELECT set_config('jardam.org_id', $1, true), set_config('jardam.user_id', $2, true)`

// withoutJIT turns PostgreSQL's JIT compilation off for the connection
// unless the URL sets it: the row-level security subplans make the planner
// expect costly queries, and compiling them takes longer than running these
// short queries (about 185 of 300 ms of a case list on 3 000 cases).
func withoutJIT(dsn string) string {
	if strings.Contains(dsn, "jit=") {
		return dsn
	}
	if u, err := neturl.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("jit", "off")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " jit=off"
}

// InCallerTx runs fn in one transaction scoped (InOrgTx) to the signed-in
// caller of ctx, whom it passes to fn. Without a caller it answers
// unauthorized; an error of fn that is not already classified becomes an
// internal one.
func InCallerTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, p reqctx.Principal) error) error {
	p, ok := reqctx.PrincipalFrom(ctx)
	if !ok {
		return apperr.Unauthorized("sign in first")
	}
	if p.SessionPending {
		return inPendingTx(ctx, db, p, fn)
	}
	return apperr.Wrap(InOrgTx(ctx, db, p.OrganizationID, p.UserID, func(tx *gorm.DB) error { return fn(tx, p) }))
}

// sessionConfirmed runs reqctx.SessionCheckSQL for p in tx: true when it
// found the session (one row), the scope then set.
func sessionConfirmed(tx *gorm.DB, p reqctx.Principal) (bool, error) {
	rows, err := tx.Raw(placeholders.ReplaceAllString(reqctx.SessionCheckSQL, "?"),
		p.SessionID, p.UserID, p.OrganizationID, p.Role, p.MFARequired).Rows()
	if err != nil {
		return false, err
	}
	defer func() { _ = rows.Close() }()
	n := 0
	for rows.Next() {
		n++
	}
	return n == 1, rows.Err()
}

// placeholders are pgx's numbered parameters, which SessionCheckSQL uses
// once each and in order.
var placeholders = regexp.MustCompile(`\$[0-9]+`)

// inPendingTx is InCallerTx for a principal whose session is still to be
// checked (reqctx.Principal.SessionPending, a web.SessionInTx route): the
// transaction's first statement checks the session and sets the scope
// from it (reqctx.SessionCheckSQL), in place of Scope, so the check costs
// no round trip of its own. A session it does not confirm rolls back and
// answers reqctx.ErrSessionUnconfirmed (the router then authenticates in
// full); a confirmed one is recorded (reqctx.ConfirmSession).
func inPendingTx(ctx context.Context, db *gorm.DB, p reqctx.Principal, fn func(tx *gorm.DB, p reqctx.Principal) error) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := sessionConfirmed(tx, p)
		if err != nil {
			return err
		}
		if !ok {
			return reqctx.ErrSessionUnconfirmed
		}
		reqctx.ConfirmSession(ctx)
		return fn(tx, p)
	})
	if errors.Is(err, reqctx.ErrSessionUnconfirmed) {
		return err
	}
	return apperr.Wrap(err)
}
