-- The caller's referral relation to a case, as a function.
--
-- A case read computes the caller's relation to the case in its own
-- statement: owner (supervising or assigned), referred, or none. The
-- referred branch asked twice (whether, and under which categories) whether
-- an accepted referral of the case to the caller's organization, under a
-- consent in force, is one the caller works on (assigned to it, or a
-- supervisor of the receiving organization). Each question was a subplan of
-- six scans with the row-level security of referrals, consents and referral
-- assignments in it, and PostgreSQL starts every subplan of a plan at every
-- execution, whether it runs or not. Reading a case of the caller's own
-- organization, nearly every read, never ran them and paid for starting
-- them.
--
-- jardam_case_referral answers both questions in one call, which a read
-- makes for a case of another organization only: NULL when no such referral
-- shares the case, else the categories its referrals share (sorted, without
-- repeats; empty when none names one). It runs with the caller's rights, so
-- row-level security applies to what it reads as it did to the subplans, and
-- anyone may call it (it grants nothing the caller's own queries would not).
-- It is the one statement of the rule for one case; the lists, which start
-- from the organization's referrals, state it as a set
-- (access.referredCasesSQL), and a test holds the two to the same cases.
--
-- Locks: none beyond the catalog's while the function is created.

CREATE FUNCTION jardam_case_referral(case_id uuid, user_id uuid, org uuid, supervisor boolean) RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    shared boolean;
    cats text[];
BEGIN
    SELECT count(*) > 0, coalesce(array_agg(DISTINCT cat ORDER BY cat) FILTER (WHERE cat IS NOT NULL), '{}')
        INTO shared, cats
        FROM public.referrals r
        JOIN public.consents k ON k.id = r.consent_id
        LEFT JOIN LATERAL unnest(r.categories) AS cat ON true
        WHERE r.case_id = jardam_case_referral.case_id AND r.to_organization_id = jardam_case_referral.org
          AND r.status = 'accepted'
          AND k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
          AND (jardam_case_referral.supervisor OR EXISTS (
                SELECT 1 FROM public.referral_assignments ra
                WHERE ra.referral_id = r.id AND ra.user_id = jardam_case_referral.user_id));
    IF NOT shared THEN
        RETURN NULL;
    END IF;
    RETURN cats;
END
$$;
