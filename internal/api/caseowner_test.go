package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPartsWrittenDuringATransferCarryTheNewOwner: the owner a part of a
// case carries (migration 0041) cannot go stale when a transfer and a
// write of a part meet. A part written while the transfer is under way
// waits for it and carries the new owner; a transfer started while a part
// is being written waits for the part and then carries itself to it.
func TestPartsWrittenDuringATransferCarryTheNewOwner(t *testing.T) {
	t.Parallel()
	w := newReferralWorld(t, "transfer")
	env := w.env
	ctx := context.Background()
	sezim, soc := env.OrgID("SEZIM"), env.OrgID("MLSSM-SOC")
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, env.DB.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(ctx) })
		return c
	}
	transfer, writer := connect(), connect()
	// begin opens a transaction on c and runs sql in it.
	begin := func(c *pgx.Conn, sql string, args ...any) {
		t.Helper()
		if _, err := c.Exec(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	// inBackground runs sql on c and commits; its error arrives on the
	// channel once both are done.
	inBackground := func(c *pgx.Conn, sql string, args ...any) chan error {
		done := make(chan error, 1)
		go func() {
			if _, err := c.Exec(ctx, sql, args...); err != nil {
				done <- err
				return
			}
			_, err := c.Exec(ctx, "COMMIT")
			done <- err
		}()
		return done
	}
	// waits checks that done is still waiting, then lets first commit and
	// the waiting statement finish.
	waits := func(done chan error, first *pgx.Conn) {
		t.Helper()
		select {
		case err := <-done:
			t.Fatalf("did not wait for the other transaction: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		if _, err := first.Exec(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	const move = `INSERT INTO case_stage_moves (case_id, to_stage, reason_enc) VALUES ($1, 'shelter', $2)`
	owners := func(marker string) string {
		return env.DB.Text(t, `SELECT coalesce(string_agg(owner_organization_id::text, ','), '')
			FROM case_stage_moves WHERE case_id = $1 AND reason_enc = $2`, w.caseID, []byte(marker))
	}

	// The transfer first, a part while it is under way.
	begin(transfer, `UPDATE cases SET owner_organization_id = $1 WHERE id = $2`, soc, w.caseID)
	if _, err := writer.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	waits(inBackground(writer, move, w.caseID, []byte("during")), transfer)
	if got := owners("during"); got != soc {
		t.Fatalf("a part written during the transfer carries %q, want the new owner %s", got, soc)
	}

	// A part first, a transfer back while it is being written.
	begin(writer, move, w.caseID, []byte("before"))
	if _, err := transfer.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	waits(inBackground(transfer, `UPDATE cases SET owner_organization_id = $1 WHERE id = $2`, sezim, w.caseID), writer)
	if got := owners("before"); got != sezim {
		t.Fatalf("a part written before the transfer back carries %q, want %s", got, sezim)
	}
	if n := env.DB.Count(t, `SELECT count(*) FROM case_stage_moves WHERE case_id = $1 AND owner_organization_id <> $2`,
		w.caseID, sezim); n != 0 {
		t.Fatalf("%d stage moves of the case carry another owner than its own", n)
	}
}
