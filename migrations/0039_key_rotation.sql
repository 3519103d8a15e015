-- Rotating the audit key and the blind index key (docs/keys.md).
--
-- audit_key_handovers: each change of the key that signs the audit trail's
-- checkpoints, at the chain's head when it happened (seq 0 and 32 zero
-- bytes for an empty chain), signed by the outgoing and by the incoming
-- key over the same message. Checkpoints up to a handover's seq belong to
-- the outgoing key's segment, those after it to the incoming key's; a
-- checkpoint signed by a key outside its segment does not verify. Append
-- only, like the rest of the trail.
--
-- index_key_checks.next_value: the key check of the index key a rotation
-- is moving the blind indexes to. While it is set, a service whose current
-- index key is that one and whose previous keys include the stored one is
-- accepted; the rotation moves it into value when every case's tokens are
-- under the new key, and the stored one into retired: a service or a backup
-- check with a retired index key is refused.
--
-- Locks: a new table; index_key_checks (one row) for an instant, a column
-- without a default.
CREATE TABLE audit_key_handovers (
    id             bigserial PRIMARY KEY,
    seq            bigint NOT NULL CHECK (seq >= 0),
    hash           bytea NOT NULL,
    old_key_id     text NOT NULL,
    new_key_id     text NOT NULL CHECK (new_key_id <> old_key_id),
    old_signature  bytea NOT NULL,
    new_signature  bytea NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX audit_key_handovers_seq_idx ON audit_key_handovers (seq, id);

CREATE TRIGGER audit_key_handovers_append_only BEFORE UPDATE OR DELETE ON audit_key_handovers
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_key_handovers_no_truncate BEFORE TRUNCATE ON audit_key_handovers
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

GRANT SELECT, INSERT ON audit_key_handovers TO jardam_app;
GRANT USAGE ON SEQUENCE audit_key_handovers_id_seq TO jardam_app;

ALTER TABLE index_key_checks ADD COLUMN next_value bytea,
    ADD COLUMN retired bytea[] NOT NULL DEFAULT '{}';
GRANT UPDATE (value, next_value, retired) ON index_key_checks TO jardam_app;
