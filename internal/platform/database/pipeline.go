package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Pipelined runs fn with the pgx connection beneath one pooled connection of
// db, for the hot paths that send a transaction's statements in one round
// trip (a pgx.Batch: BEGIN, the scope, the reads and the audit entry,
// pipelined; see docs/performance.md). fn owns the transaction it opens:
// when fn returns with the connection still in a transaction (an error
// between BEGIN and COMMIT), Pipelined rolls it back, and a connection it
// cannot roll back is closed rather than pooled.
func Pipelined(ctx context.Context, db *gorm.DB, fn func(c *pgx.Conn) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("database: the pool's connections are not pgx connections")
		}
		c := sc.Conn()
		ferr := fn(c)
		if c.PgConn().TxStatus() != 'I' && !c.IsClosed() {
			if _, err := c.Exec(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
				_ = c.Close(context.WithoutCancel(ctx))
			}
		}
		return ferr
	})
}
