-- The 1899 hotline: an organization kind `hotline`, the role
-- `hotline_operator`, contact records and intakes.
--
-- A contact is a call, a message or a walk-in, recorded during the
-- conversation: how it came (channel), who called (caller), about what
-- (topic), the screening after the ILO's operational indicators, and, only
-- when the caller gives them, a summary, an identity and a way to call
-- back. It needs no name: its code (HL-2026-00042) identifies it. The free
-- text and the identity are sealed by the application under the contact's
-- own data key, wrapped by the master key like a case's, so that erasing a
-- contact is destroying its key. Contacts stay with the organization that
-- recorded them (row-level security); a hotline holds no case.
--
-- An intake is a referral of kind `intake` from the hotline to a crisis
-- center: it carries the screening (enumerations only), and, sealed under
-- the referral's own key, the identity and contact the caller consented to
-- give that recipient. It names no case until the recipient accepts it;
-- accepting opens a case at the recipient (or attaches the intake to one it
-- holds) and sets the referral's case_id, which links the contact and the
-- case. The hotline reads the intake's status, never the case.
--
-- Locks: rewrites the check constraints of organizations.kind and users.role
--        and of referrals (brief ACCESS EXCLUSIVE locks, a scan of each table
--        to validate: a few thousand rows at most); drops NOT NULL on two
--        referral columns and adds nullable columns (no rewrite); new tables.

ALTER TABLE organizations DROP CONSTRAINT organizations_kind_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_kind_check CHECK (kind IN ('state_body', 'local_authority',
    'law_enforcement', 'crisis_center', 'ngo', 'international_org', 'coordinator', 'operator', 'hotline'));

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('caseworker', 'supervisor', 'coordinator',
    'org_admin', 'admin', 'auditor', 'hotline_operator'));

-- Contact codes are numbered per year across hotlines (HL-2026-00042).
CREATE TABLE contact_code_counters (
    year  integer PRIMARY KEY,
    last  integer NOT NULL
);

CREATE TABLE contacts (
    id                  uuid PRIMARY KEY,
    code                text NOT NULL UNIQUE CHECK (code ~ '^HL-[0-9]{4}-[0-9]{5,}$'),
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    channel             text NOT NULL CHECK (channel IN ('phone', 'messenger', 'app', 'walk_in', 'email', 'other')),
    caller              text NOT NULL CHECK (caller IN ('person_concerned', 'family', 'witness', 'professional', 'anonymous')),
    topic               text NOT NULL CHECK (topic IN ('safe_migration_advice', 'job_offer_check', 'suspected_trafficking',
                            'victim_seeking_help', 'missing_person', 'other')),
    region              text CHECK (region IN ('bishkek_city', 'osh_city', 'batken', 'jalal_abad', 'issyk_kul', 'naryn',
                            'osh', 'talas', 'chui')),
    country             text CHECK (country ~ '^[A-Z]{2}$'),
    indicators          text[] NOT NULL DEFAULT '{}',
    screening_result    text CHECK (screening_result IN ('none', 'possible', 'likely')),
    outcome             text CHECK (outcome IN ('advice_given', 'referred', 'no_action')),
    callback_consent    boolean NOT NULL DEFAULT false,
    -- The contact's own data key, wrapped by the master key; NULL once
    -- erased (erased_at set). It seals summary, identity and contact.
    key_master_version  text,
    key_wrapped         bytea,
    summary_enc         bytea,
    identity_enc        bytea,
    contact_enc         bytea,
    erased_at           timestamptz,
    created_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    CHECK ((erased_at IS NULL) = (key_wrapped IS NOT NULL)),
    CHECK (erased_at IS NULL OR (summary_enc IS NULL AND identity_enc IS NULL AND contact_enc IS NULL))
);
CREATE INDEX contacts_org_idx ON contacts (organization_id, created_at DESC, id DESC);
CREATE INDEX contacts_retention_idx ON contacts (created_at) WHERE erased_at IS NULL;

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY contacts_own_org ON contacts
    USING (organization_id = jardam_current_org())
    WITH CHECK (organization_id = jardam_current_org());

GRANT SELECT, INSERT, UPDATE ON contacts TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON contact_code_counters TO jardam_app;

-- Intakes: referrals of kind intake name their contact, and no case nor
-- consent until accepted (the call itself records the spoken consent:
-- given by the caller, at the referral's creation, to its recipient, for
-- its categories). screening is what the recipient reads before accepting
-- (enumerations only); identity_enc and contact_enc the consented fields,
-- sealed under the referral's key and cleared once the referral is
-- answered (the case holds them from then on).
ALTER TABLE referrals DROP CONSTRAINT referrals_kind_check;
ALTER TABLE referrals ADD CONSTRAINT referrals_kind_check CHECK (kind IN ('assistance', 'transfer', 'intake'));
ALTER TABLE referrals ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE referrals ALTER COLUMN consent_id DROP NOT NULL;
ALTER TABLE referrals
    ADD COLUMN contact_id    uuid REFERENCES contacts (id),
    ADD COLUMN screening     jsonb,
    ADD COLUMN identity_enc  bytea,
    ADD COLUMN contact_enc   bytea;
ALTER TABLE referrals
    ADD CONSTRAINT referrals_intake_shape CHECK (CASE WHEN kind = 'intake'
        THEN contact_id IS NOT NULL AND screening IS NOT NULL AND (case_id IS NOT NULL OR status <> 'accepted')
        ELSE contact_id IS NULL AND case_id IS NOT NULL AND consent_id IS NOT NULL END);
CREATE INDEX referrals_contact_idx ON referrals (contact_id) WHERE contact_id IS NOT NULL;

-- The maintenance role re-wraps contact keys on a master key rotation.
CREATE POLICY contacts_maintenance ON contacts TO jardam_maint USING (true) WITH CHECK (true);
GRANT SELECT (id, key_master_version, key_wrapped) ON contacts TO jardam_maint;
GRANT UPDATE (key_master_version, key_wrapped) ON contacts TO jardam_maint;

-- Retention: a contact that did not become a case is erased (its key
-- destroyed, its sealed fields removed) once older than the retention
-- period, across hotlines, with the own keys and sealed fields of its
-- intakes that never opened a case. Returns the erased contacts' ids.
CREATE FUNCTION jardam_erase_expired_contacts(older_than timestamptz) RETURNS SETOF uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (
        UPDATE contacts c SET key_wrapped = NULL, summary_enc = NULL, identity_enc = NULL, contact_enc = NULL,
            erased_at = now(), updated_at = now(), version = c.version + 1
        WHERE c.erased_at IS NULL AND c.created_at < older_than
          AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.contact_id = c.id AND r.case_id IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.contact_id = c.id AND r.status = 'pending')
        RETURNING c.id
    ), keys AS (
        UPDATE referrals r SET key_wrapped = NULL, identity_enc = NULL, contact_enc = NULL
        FROM gone WHERE r.contact_id = gone.id
    )
    SELECT id FROM gone
$$;
REVOKE ALL ON FUNCTION jardam_erase_expired_contacts(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_erase_expired_contacts(timestamptz) TO jardam_app;
