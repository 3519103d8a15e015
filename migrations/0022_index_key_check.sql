-- Index key check: a keyed hash, under the blind index key, of a fixed
-- label. The blind indexes that find duplicates and searched names are
-- made with that key; a service started with another one would silently
-- find nothing, so it refuses to start instead, and `jardam backup check`
-- tells an operator before a restore whether the key files and a database
-- belong together. The value reveals nothing of the key. One row at most.
-- A small new table: no lock on existing data.
--
-- Locks: a new table; locks nothing that holds data.
CREATE TABLE index_key_checks (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON index_key_checks TO jardam_app;
