-- Receipts of audit entries spooled on a service's local disk while the
-- primary was away (a read served from the standby) and written to the
-- trail afterwards: one row per spooled entry, written in the transaction
-- that inserts the entry, so that a drain repeated after a crash never
-- writes an entry twice (docs/adr/0014-reads-from-a-standby.md).
--
-- Locks: a new table; locks nothing that holds data.
CREATE TABLE audit_spool_receipts (
    entry_key   uuid PRIMARY KEY,
    drained_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON audit_spool_receipts TO jardam_app;
