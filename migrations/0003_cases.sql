-- Case records. Identity, contact, notes, plans and event details are
-- encrypted by the application under a per-case data key (case_keys), itself
-- wrapped by the master key; the database holds ciphertext only. Statistical
-- attributes are in clear. Row-level security keeps every case row to the
-- organization set in the transaction (SET LOCAL jardam.org_id): the
-- services decide who inside that organization sees what, and the few paths
-- that cross organizations are named functions below.
--
-- Locks: new tables only; locks nothing that holds data.

-- The organization of the current transaction, or NULL.
CREATE FUNCTION jardam_current_org() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('jardam.org_id', true), '')::uuid
$$;

-- Key check: a value wrapped by the master key, so the service refuses to
-- start with the wrong one.
CREATE TABLE key_checks (
    master_version  text PRIMARY KEY,
    value           bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    id                          uuid PRIMARY KEY,
    code                        text NOT NULL UNIQUE,
    owner_organization_id       uuid NOT NULL REFERENCES organizations (id),
    identifying_organization_id uuid NOT NULL REFERENCES organizations (id),
    version                     integer NOT NULL DEFAULT 1,
    source                      text NOT NULL DEFAULT 'record' CHECK (source IN ('record', 'import')),
    stage                       text NOT NULL CHECK (stage IN ('identification', 'shelter', 'rehabilitation', 'reintegration', 'closed')),
    status                      text NOT NULL CHECK (status IN ('open', 'closed')),
    closure_reason              text CHECK (closure_reason IN ('reintegrated', 'transferred', 'declined_assistance',
                                    'lost_contact', 'not_a_victim', 'deceased', 'other')),
    risk_level                  text CHECK (risk_level IN ('low', 'medium', 'high')),
    identified_at               timestamptz NOT NULL,
    identification_channel      text,
    trafficking_status          text CHECK (trafficking_status IN ('possible', 'actual', 'not_a_victim')),
    sex                         text NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    age_bracket                 text NOT NULL DEFAULT 'unknown',
    is_minor                    boolean,
    citizenship                 text,
    region_of_origin            text,
    exploitation_types          text[] NOT NULL DEFAULT '{}',
    countries_of_exploitation   text[] NOT NULL DEFAULT '{}',
    means_of_control            text[] NOT NULL DEFAULT '{}',
    labour_sector               text,
    recruitment_method          text,
    recruiter_relation          text,
    measure_codes               text[] NOT NULL DEFAULT '{}',
    reflection_ends_on          date,
    -- Ciphertexts (NULL when nothing is recorded).
    identity_enc                bytea,
    contact_enc                 bytea,
    created_by                  uuid REFERENCES users (id),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'closed') = (stage = 'closed')),
    CHECK ((status = 'closed') = (closure_reason IS NOT NULL))
);
CREATE INDEX cases_owner_idx ON cases (owner_organization_id, created_at DESC, id DESC);
CREATE INDEX cases_owner_stage_idx ON cases (owner_organization_id, stage, created_at DESC, id DESC);
CREATE INDEX cases_identified_idx ON cases (identified_at);

-- Per-case data keys, wrapped by the master key. Destroying a key (wrapped
-- set to NULL) makes the case's identity unrecoverable.
CREATE TABLE case_keys (
    case_id         uuid PRIMARY KEY REFERENCES cases (id),
    key_version     integer NOT NULL DEFAULT 1,
    master_version  text,
    wrapped         bytea,
    destroyed_at    timestamptz,
    CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
);

CREATE TABLE case_code_counters (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    year            integer NOT NULL,
    last            integer NOT NULL,
    PRIMARY KEY (organization_id, year)
);

CREATE TABLE case_assignments (
    case_id      uuid NOT NULL REFERENCES cases (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    assigned_by  uuid REFERENCES users (id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_assignments_user_idx ON case_assignments (user_id, case_id);

CREATE TABLE case_stage_moves (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL REFERENCES cases (id),
    from_stage     text,
    to_stage       text NOT NULL,
    reason_enc     bytea,
    closure_reason text,
    moved_by       uuid REFERENCES users (id),
    moved_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_stage_moves_case_idx ON case_stage_moves (case_id, moved_at);

-- Trafficking events: kind, country, region and year-month in clear; place
-- and details encrypted.
CREATE TABLE case_events (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    position     integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('recruitment', 'transit', 'exploitation')),
    country      text,
    region       text,
    year_month   text CHECK (year_month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
    details_enc  bytea
);
CREATE INDEX case_events_case_idx ON case_events (case_id, position);

-- Needs assessment and individual assistance plan (encrypted), with the
-- next goal due date in clear for deadline badges.
CREATE TABLE case_plans (
    case_id      uuid PRIMARY KEY REFERENCES cases (id),
    plan_enc     bytea NOT NULL,
    next_due_on  date,
    version      integer NOT NULL DEFAULT 1,
    updated_by   uuid REFERENCES users (id),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Keyed blind indexes (HMAC) of normalized identity, for search and the
-- duplicate check. They reveal equality only, never the value.
CREATE TABLE case_blind_index (
    case_id  uuid NOT NULL REFERENCES cases (id),
    kind     text NOT NULL CHECK (kind IN ('name', 'name_birth', 'document')),
    token    bytea NOT NULL,
    PRIMARY KEY (case_id, kind, token)
);
CREATE INDEX case_blind_index_token_idx ON case_blind_index (kind, token);

CREATE TABLE assistance (
    id                        uuid PRIMARY KEY,
    case_id                   uuid NOT NULL REFERENCES cases (id),
    type                      text NOT NULL,
    provider_organization_id  uuid NOT NULL REFERENCES organizations (id),
    status                    text NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'declined')),
    started_on                date,
    ended_on                  date CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on),
    cost_kgs                  numeric(14, 2) CHECK (cost_kgs IS NULL OR cost_kgs >= 0),
    funding_source            text,
    measure_codes             text[] NOT NULL DEFAULT '{}',
    notes_enc                 bytea,
    version                   integer NOT NULL DEFAULT 1,
    created_by                uuid REFERENCES users (id),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistance_case_idx ON assistance (case_id, created_at DESC, id DESC);
CREATE INDEX assistance_provider_idx ON assistance (provider_organization_id, created_at DESC);

-- Notes stay with the organization that wrote them.
CREATE TABLE case_notes (
    id               uuid PRIMARY KEY,
    case_id          uuid NOT NULL REFERENCES cases (id),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    author_id        uuid NOT NULL REFERENCES users (id),
    text_enc         bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, created_at DESC, id DESC);

-- Idempotency keys, per user and route, kept 24 hours. The request is
-- remembered by a keyed hash only; a replay re-reads the created object.
CREATE TABLE idempotency_keys (
    user_id       uuid NOT NULL REFERENCES users (id),
    route         text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    status        integer NOT NULL,
    resource_id   uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, route, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- In-app notifications; they never carry personal data.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    kind        text NOT NULL,
    ref_code    text NOT NULL DEFAULT '',
    link        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);

-- Row-level security: the backstop under the services' object checks.
ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY cases_own_org ON cases
    USING (owner_organization_id = jardam_current_org())
    WITH CHECK (owner_organization_id = jardam_current_org());

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_keys', 'case_assignments', 'case_stage_moves', 'case_events', 'case_plans', 'case_blind_index'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
                        WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))', t || '_via_case', t);
    END LOOP;
END;
$$;

ALTER TABLE assistance ENABLE ROW LEVEL SECURITY;
CREATE POLICY assistance_visible ON assistance
    USING (provider_organization_id = jardam_current_org() OR EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (provider_organization_id = jardam_current_org() OR EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));

ALTER TABLE case_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_notes_own_org ON case_notes
    USING (organization_id = jardam_current_org())
    WITH CHECK (organization_id = jardam_current_org() AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY notifications_own ON notifications
    USING (user_id = nullif(current_setting('jardam.user_id', true), '')::uuid);

-- The duplicate check's narrow door: given blind-index tokens, tell whether
-- a case outside the caller's visible set matches (yes or no, never which),
-- and notify the supervisors of the organizations holding a match. It runs
-- with the owner's rights, so it sees past row-level security; it returns a
-- boolean only.
CREATE FUNCTION jardam_duplicate_elsewhere(tokens bytea[], kinds text[], visible uuid[]) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found boolean := false;
    r record;
BEGIN
    FOR r IN
        SELECT DISTINCT c.owner_organization_id AS org, c.code
        FROM case_blind_index b JOIN cases c ON c.id = b.case_id
        WHERE (b.kind, b.token) IN (SELECT * FROM unnest(kinds, tokens))
          AND NOT (c.id = ANY (coalesce(visible, '{}')))
    LOOP
        found := true;
        INSERT INTO notifications (user_id, kind, ref_code, link)
        SELECT u.id, 'duplicate_check_match', r.code, '/cases'
        FROM users u WHERE u.organization_id = r.org AND u.role = 'supervisor' AND u.disabled_at IS NULL;
    END LOOP;
    RETURN found;
END;
$$;
REVOKE ALL ON FUNCTION jardam_duplicate_elsewhere(bytea[], text[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_duplicate_elsewhere(bytea[], text[], uuid[]) TO jardam_app;

GRANT SELECT, INSERT ON key_checks TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON cases, case_keys, case_plans, assistance TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON case_code_counters TO jardam_app;
GRANT SELECT, INSERT, DELETE ON case_assignments, case_events, case_blind_index TO jardam_app;
GRANT SELECT, INSERT ON case_stage_moves, case_notes TO jardam_app;
GRANT SELECT, INSERT, DELETE ON idempotency_keys TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON notifications TO jardam_app;
