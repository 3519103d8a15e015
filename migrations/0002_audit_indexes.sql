-- Verification pages through checkpoints by (seq, id); auditors filter the
-- trail by organization.
--
-- Locks: builds two indexes (audit_entries, audit_checkpoints) without CONCURRENTLY: writes to
--        those tables wait while they build, seconds per million entries.
CREATE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq, id);
CREATE INDEX audit_entries_organization_idx ON audit_entries (organization_id, id DESC);
