-- The row-level security backstop of cases, cheaper to start.
--
-- cases_visible admits the owner's organization, or one that an accepted
-- referral (not an intake) shares the case with. The referral branch was a
-- subquery, which PostgreSQL plans as a subplan wherever the policy
-- applies, and every statement that reads a case table carries it once per
-- table: each child table's policy looks its case up through
-- cases_visible. A case read started a dozen such subplans at every
-- execution and ran none of them (the caller's organization owns the case,
-- and the first branch decides); starting them cost more than reading the
-- case.
--
-- The referral branch is now a function, jardam_case_shared, called only
-- for a case the organization does not own. The statements of a case read
-- (session check, the case with its parts, audit entry), pipelined, ran at
-- 5 850 transactions a second against 3 600 before (pgbench, 100 000
-- cases, 8 clients, docs/performance.md). A case reached through a
-- referral now costs a function call (about 20 microseconds) where it cost
-- a probe of the referrals' index. Who sees what is unchanged: the
-- condition is the same, and the function runs with the caller's rights
-- (the referrals' own policy applies inside it).
--
-- Locks: ALTER POLICY on cases (a catalog change, brief ACCESS EXCLUSIVE on
-- cases, no rewrite).

CREATE FUNCTION jardam_case_shared(case_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.referrals r
                   WHERE r.case_id = jardam_case_shared.case_id AND r.kind <> 'intake'
                     AND r.to_organization_id = public.jardam_current_org() AND r.status = 'accepted');
END
$$;

ALTER POLICY cases_visible ON cases
    USING (owner_organization_id = jardam_current_org() OR jardam_case_shared(id))
    WITH CHECK (owner_organization_id = jardam_current_org() OR jardam_case_shared(id));
