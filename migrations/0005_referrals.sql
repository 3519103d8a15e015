-- Consent and referrals: the National Referral Mechanism between
-- organizations. A referral lets the receiving organization see a case's
-- consented categories once it accepts, until completion, cancellation, or
-- the end of the consent. Referral events go to a transactional outbox,
-- turned into notifications (never carrying personal data) by a delivery
-- worker.
--
-- Locks: new tables only; locks nothing that holds data.

CREATE TABLE consents (
    id                         uuid PRIMARY KEY,
    case_id                    uuid NOT NULL REFERENCES cases (id),
    purpose                    text NOT NULL CHECK (purpose IN ('assistance', 'data_sharing', 'statistics')),
    recipient_organization_id  uuid REFERENCES organizations (id),
    categories                 text[] NOT NULL DEFAULT '{}',
    given_by                   text NOT NULL CHECK (given_by IN ('person', 'guardian', 'guardianship_authority')),
    given_at                   timestamptz NOT NULL,
    expires_at                 timestamptz,
    withdrawn_at               timestamptz,
    recorded_by                uuid NOT NULL REFERENCES users (id),
    withdrawn_by               uuid REFERENCES users (id),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (purpose <> 'data_sharing' OR recipient_organization_id IS NOT NULL),
    CHECK (expires_at IS NULL OR expires_at > given_at)
);
CREATE INDEX consents_case_idx ON consents (case_id, created_at DESC);

CREATE TABLE referral_code_counters (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    year            integer NOT NULL,
    last            integer NOT NULL,
    PRIMARY KEY (organization_id, year)
);

CREATE TABLE referrals (
    id                    uuid PRIMARY KEY,
    code                  text NOT NULL UNIQUE,
    case_id               uuid NOT NULL REFERENCES cases (id),
    kind                  text NOT NULL CHECK (kind IN ('assistance', 'transfer')),
    from_organization_id  uuid NOT NULL REFERENCES organizations (id),
    to_organization_id    uuid NOT NULL REFERENCES organizations (id),
    assistance_types      text[] NOT NULL DEFAULT '{}',
    categories            text[] NOT NULL DEFAULT '{}',
    urgency               text NOT NULL CHECK (urgency IN ('urgent', 'normal')),
    status                text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'completed', 'expired')),
    due_at                timestamptz NOT NULL,
    consent_id            uuid NOT NULL REFERENCES consents (id),
    -- Non-identifying details the recipient sees before accepting.
    case_sex              text NOT NULL,
    case_age_bracket      text NOT NULL,
    case_region           text,
    -- The referral's own data key (wrapped by the master key) seals the
    -- note, the decline reason and the outcome.
    key_master_version    text,
    key_wrapped           bytea,
    note_enc              bytea,
    decline_reason_enc    bytea,
    outcome_enc           bytea,
    responded_at          timestamptz,
    accepted_by           uuid REFERENCES users (id),
    created_by            uuid NOT NULL REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               integer NOT NULL DEFAULT 1,
    CHECK (from_organization_id <> to_organization_id)
);
CREATE INDEX referrals_to_idx ON referrals (to_organization_id, created_at DESC, id DESC);
CREATE INDEX referrals_from_idx ON referrals (from_organization_id, created_at DESC, id DESC);
CREATE INDEX referrals_case_idx ON referrals (case_id);
CREATE INDEX referrals_consent_idx ON referrals (consent_id) WHERE status IN ('pending', 'accepted');

CREATE TABLE referral_assignments (
    referral_id  uuid NOT NULL REFERENCES referrals (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (referral_id, user_id)
);
CREATE INDEX referral_assignments_user_idx ON referral_assignments (user_id);

CREATE TABLE referral_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id  uuid NOT NULL REFERENCES referrals (id),
    from_status  text,
    to_status    text NOT NULL,
    actor_id     uuid REFERENCES users (id),
    at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, at);

-- The transactional outbox: one row per referral event, written in the
-- event's transaction. It carries what delivery needs (the referral's code,
-- the two organizations, who referred) and nothing of the case, so the
-- delivery worker reads no referral or case row.
CREATE TABLE outbox (
    id                    bigserial PRIMARY KEY,
    kind                  text NOT NULL,
    referral_id           uuid NOT NULL REFERENCES referrals (id),
    referral_code         text NOT NULL,
    from_organization_id  uuid NOT NULL,
    to_organization_id    uuid NOT NULL,
    referred_by           uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE delivered_at IS NULL;

-- A case is visible to its owner and, through an accepted referral, to the
-- receiving organization (the services narrow it to the assigned workers,
-- the consented categories and a valid consent).
DROP POLICY cases_own_org ON cases;
CREATE POLICY cases_visible ON cases
    USING (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted'))
    WITH CHECK (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted'));

ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
CREATE POLICY referrals_parties ON referrals
    USING (from_organization_id = jardam_current_org() OR to_organization_id = jardam_current_org());

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
CREATE POLICY consents_via_case ON consents
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));

ALTER TABLE referral_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY referral_assignments_via_referral ON referral_assignments
    USING (EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_id));

ALTER TABLE referral_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY referral_events_via_referral ON referral_events
    USING (EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_id));

-- Notifications may be written for any user (the delivery worker and the
-- duplicate check do), and read only by their own user.
CREATE POLICY notifications_insert ON notifications FOR INSERT WITH CHECK (true);

-- Whether a consent is still valid (neither withdrawn nor expired), for the
-- recipient of a pending referral, who cannot see the case's consents.
CREATE FUNCTION jardam_consent_valid(cid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT withdrawn_at IS NULL AND (expires_at IS NULL OR expires_at > now()) FROM consents WHERE id = cid), false)
$$;
REVOKE ALL ON FUNCTION jardam_consent_valid(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_consent_valid(uuid) TO jardam_app;

-- Consent ending: the sweep marks referrals of withdrawn or expired consent
-- as expired across organizations.
CREATE FUNCTION jardam_expire_referrals() RETURNS SETOF uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ex AS (
        UPDATE referrals r SET status = 'expired', updated_at = now(), version = r.version + 1
        FROM consents c, referrals old
        WHERE c.id = r.consent_id AND old.id = r.id AND r.status IN ('pending', 'accepted')
          AND (c.withdrawn_at IS NOT NULL OR (c.expires_at IS NOT NULL AND c.expires_at <= now()))
        RETURNING r.id, old.status AS from_status
    ), ev AS (
        INSERT INTO referral_events (referral_id, from_status, to_status) SELECT id, from_status, 'expired' FROM ex
    ), ob AS (
        INSERT INTO outbox (kind, referral_id, referral_code, from_organization_id, to_organization_id, referred_by)
        SELECT 'referral.expired', x.id, r.code, r.from_organization_id, r.to_organization_id, r.created_by
        FROM ex x JOIN referrals r ON r.id = x.id
    )
    SELECT id FROM ex
$$;
REVOKE ALL ON FUNCTION jardam_expire_referrals() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_expire_referrals() TO jardam_app;

GRANT SELECT, INSERT, UPDATE ON consents, referrals TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON referral_code_counters TO jardam_app;
GRANT SELECT, INSERT, DELETE ON referral_assignments TO jardam_app;
GRANT SELECT, INSERT ON referral_events TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON outbox TO jardam_app;
GRANT USAGE ON SEQUENCE outbox_id_seq TO jardam_app;
