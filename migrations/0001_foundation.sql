-- Foundation: organizations, users, sessions, sign-in throttling and the
-- append-only audit trail. Run as the owner role; the application role
-- (jardam_app) receives only the grants below and owns nothing.
--
-- Locks: new tables only; locks nothing that holds data.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9-]{1,23}$'),
    name_ru     text NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 300),
    name_ky     text NOT NULL CHECK (length(name_ky) BETWEEN 1 AND 300),
    name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
    kind        text NOT NULL CHECK (kind IN ('state_body', 'local_authority', 'law_enforcement',
                    'crisis_center', 'ngo', 'international_org', 'coordinator', 'operator')),
    region      text NOT NULL CHECK (region IN ('bishkek_city', 'osh_city', 'batken', 'jalal_abad',
                    'issyk_kul', 'naryn', 'osh', 'talas', 'chui')),
    services    text[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id      uuid NOT NULL REFERENCES organizations (id),
    email                text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role                 text NOT NULL CHECK (role IN ('caseworker', 'supervisor', 'coordinator',
                             'org_admin', 'admin', 'auditor')),
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    disabled_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_organization_idx ON users (organization_id, created_at DESC, id DESC);

-- A session is one sign-in; access tokens carry its id and every request
-- checks it, so logout, disabling a user or changing their role end access
-- at once. Refresh tokens of one session form a family.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id),
    role            text NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL REFERENCES sessions (id),
    token_hash  bytea NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Failed sign-ins per submitted e-mail string and per client address, keyed
-- by a hash so that the table names no account.
CREATE TABLE login_throttle (
    scope         text NOT NULL CHECK (scope IN ('email', 'ip')),
    key_hash      bytea NOT NULL,
    window_start  timestamptz NOT NULL,
    failures      integer NOT NULL,
    PRIMARY KEY (scope, key_hash)
);

-- The audit trail. Entries are written inside the request's transaction;
-- a single linker (one across replicas, under an advisory lock) chains them
-- afterwards in commit order into audit_links; signed checkpoints pin the
-- head of the chain. All three tables are append-only.
CREATE TABLE audit_entries (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id        uuid,
    organization_id uuid,
    role            text NOT NULL DEFAULT '',
    action          text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    object_type     text NOT NULL DEFAULT '',
    object_id       text NOT NULL DEFAULT '',
    outcome         text NOT NULL CHECK (outcome IN ('success', 'denied', 'not_found', 'failure')),
    request_id      text NOT NULL DEFAULT '',
    client_ip       text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    txid            xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_entries_txid_idx ON audit_entries (txid);
CREATE INDEX audit_entries_at_idx ON audit_entries (at DESC, id DESC);
CREATE INDEX audit_entries_object_idx ON audit_entries (object_type, object_id, id DESC);
CREATE INDEX audit_entries_actor_idx ON audit_entries (actor_id, id DESC);

CREATE TABLE audit_links (
    seq        bigint PRIMARY KEY CHECK (seq > 0),
    entry_id   bigint NOT NULL UNIQUE REFERENCES audit_entries (id),
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    linked_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE audit_checkpoints (
    id         bigserial PRIMARY KEY,
    seq        bigint NOT NULL,
    hash       bytea NOT NULL,
    key_id     text NOT NULL,
    signature  bytea NOT NULL,
    at         timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_entries', 'audit_links', 'audit_checkpoints'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', t || '_no_truncate', t);
    END LOOP;
END;
$$;

-- Grants to the application role.
GRANT SELECT ON schema_migrations TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON organizations, users TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON sessions, refresh_tokens TO jardam_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO jardam_app;
GRANT SELECT, INSERT ON audit_entries, audit_links, audit_checkpoints TO jardam_app;
GRANT USAGE ON SEQUENCE audit_entries_id_seq, audit_checkpoints_id_seq TO jardam_app;
