-- Four eyes on access grants: an account whose role reads case data or
-- grants roles becomes usable only when a second person approves it.
--
-- status: pending_approval (waiting for a second person), active, disabled.
-- disabled_at keeps its meaning for every existing check ("disabled_at IS
-- NULL" means the account may act): it is set whenever the account is not
-- active, pending or disabled, so that nothing written before this file
-- lets a pending account sign in, refresh, be assigned or be notified of a
-- referral.
--
-- pending_role: a role raise waiting for approval; the account keeps
-- working in its current role until then.
--
-- Who asked and who knew the password, for the approver rule: the approver
-- may be neither the requester nor anyone who created or last set the
-- password of the requester's account (created_by, password_set_by; null
-- for the server's own `jardam user create` and the demo seed, the root of
-- trust). requested_by is the person who asked for the pending grant.
--
-- activated_at: when the account last became active (creation, approval,
-- re-enabling); the dormancy job counts unused days from the later of it
-- and the last sign-in.
--
-- Locks: adds columns to users, updates the disabled accounts and builds two small indexes
--        (users, sessions) without CONCURRENTLY: sign-ins wait for seconds at most.
ALTER TABLE users
    ADD COLUMN status          text NOT NULL DEFAULT 'active'
                               CHECK (status IN ('pending_approval', 'active', 'disabled')),
    ADD COLUMN pending_role    text,
    ADD COLUMN created_by      uuid REFERENCES users (id),
    ADD COLUMN requested_by    uuid REFERENCES users (id),
    ADD COLUMN password_set_by uuid REFERENCES users (id),
    ADD COLUMN approved_by     uuid REFERENCES users (id),
    ADD COLUMN approved_at     timestamptz,
    ADD COLUMN activated_at    timestamptz NOT NULL DEFAULT now();

UPDATE users SET status = 'disabled' WHERE disabled_at IS NOT NULL;

ALTER TABLE users
    ADD CONSTRAINT users_status_disabled_at CHECK ((status = 'active') = (disabled_at IS NULL)),
    ADD CONSTRAINT users_pending_role CHECK (pending_role IS NULL OR (pending_role <> role AND status = 'active'));

CREATE INDEX users_pending_idx ON users (organization_id) WHERE status = 'pending_approval' OR pending_role IS NOT NULL;

-- Last sign-in per account, for the dormancy job.
CREATE INDEX sessions_user_created_idx ON sessions (user_id, created_at DESC);

-- Daily jobs that must run once across replicas record their last run here
-- (read and written under a transaction-level advisory lock).
CREATE TABLE scheduled_jobs (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z_]+$'),
    last_run_at  timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON scheduled_jobs TO jardam_app;
