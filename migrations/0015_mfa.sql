-- Second factor: TOTP (RFC 6238) with single-use recovery codes.
--
-- Each factor seals its TOTP secret under its own data key, wrapped by the
-- master key like a case's, so that the secret is never stored in clear and
-- master key rotation re-wraps it. last_step is the last accepted time step:
-- a code is accepted once, across every replica. A user has at most one
-- confirmed factor and at most one enrollment in progress (a re-enrollment
-- replaces the confirmed factor only when confirmed).
--
-- Locks: new tables only; locks nothing that holds data.

CREATE TABLE totp_factors (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id),
    master_version  text NOT NULL,
    key_wrapped     bytea NOT NULL,
    secret_sealed   bytea NOT NULL,
    confirmed_at    timestamptz,
    last_step       bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX totp_factors_confirmed_key ON totp_factors (user_id) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX totp_factors_pending_key ON totp_factors (user_id) WHERE confirmed_at IS NULL;

-- Recovery codes, argon2id-hashed; each opens one sign-in.
CREATE TABLE mfa_recovery_codes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    factor_id   uuid NOT NULL REFERENCES totp_factors (id) ON DELETE CASCADE,
    code_hash   text NOT NULL,
    used_at     timestamptz
);
CREATE INDEX mfa_recovery_codes_factor_idx ON mfa_recovery_codes (factor_id) WHERE used_at IS NULL;

-- The second step of a sign-in: the password was right, the code is still
-- due. The token is stored hashed, lives minutes, opens one session and
-- dies after a few wrong codes.
CREATE TABLE mfa_challenges (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    expires_at  timestamptz NOT NULL,
    failures    integer NOT NULL DEFAULT 0,
    used_at     timestamptz
);
CREATE INDEX mfa_challenges_expiry_idx ON mfa_challenges (expires_at);

-- A reset of someone's factor takes two people: one asks, another approves.
CREATE TABLE mfa_reset_requests (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    requested_by  uuid NOT NULL REFERENCES users (id),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    approved_by   uuid REFERENCES users (id),
    approved_at   timestamptz
);
CREATE UNIQUE INDEX mfa_reset_requests_pending_key ON mfa_reset_requests (user_id) WHERE approved_at IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON totp_factors, mfa_recovery_codes, mfa_challenges TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON mfa_reset_requests TO jardam_app;

-- Master key rotation re-wraps factor keys: the maintenance role sees the
-- key columns only, never the sealed secret or whose factor it is.
GRANT SELECT (id, master_version, key_wrapped) ON totp_factors TO jardam_maint;
GRANT UPDATE (master_version, key_wrapped) ON totp_factors TO jardam_maint;
