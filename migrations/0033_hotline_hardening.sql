-- Hotline records, hardened.
--
-- 1. The row-level security backstop of cases admits a receiving
--    organization through an accepted referral that carries a consent: an
--    accepted intake (the call was its consent, no consent row) made the
--    case the crisis center's own, and once the center transfers the case
--    away the intake must not keep it visible to the center.
-- 2. Contact retention takes at least a month, whatever the caller passes,
--    and reaches a contact whose intake was never answered: the intake
--    expires, and its sealed copy of the identity and its key go with the
--    contact's.
--
-- Locks: ALTER POLICY on cases (a catalog change, brief ACCESS EXCLUSIVE on
-- cases, no rewrite); a function replaced.

ALTER POLICY cases_visible ON cases
    USING (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id AND r.kind <> 'intake'
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted'))
    WITH CHECK (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id AND r.kind <> 'intake'
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted'));

CREATE OR REPLACE FUNCTION jardam_erase_expired_contacts(older_than timestamptz) RETURNS SETOF uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (
        UPDATE contacts c SET key_wrapped = NULL, summary_enc = NULL, identity_enc = NULL, contact_enc = NULL,
            erased_at = now(), updated_at = now(), version = c.version + 1
        WHERE c.erased_at IS NULL AND c.created_at < least(older_than, now() - interval '1 month')
          AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.contact_id = c.id AND r.case_id IS NOT NULL)
        RETURNING c.id
    ), pending AS (
        SELECT r.id FROM referrals r JOIN gone g ON g.id = r.contact_id WHERE r.status = 'pending'
    ), keys AS (
        UPDATE referrals r SET key_wrapped = NULL, identity_enc = NULL, contact_enc = NULL,
            status = CASE WHEN r.id IN (SELECT id FROM pending) THEN 'expired' ELSE r.status END,
            updated_at = now(), version = r.version + 1
        FROM gone WHERE r.contact_id = gone.id
    ), events AS (
        INSERT INTO referral_events (referral_id, from_status, to_status) SELECT id, 'pending', 'expired' FROM pending
    )
    SELECT id FROM gone
$$;
