-- The row-level security backstop of cases, cheaper to start.
--
-- cases_visible admits the owner's organization, or one that an accepted
-- referral (not an intake) shares the case with. PostgreSQL planned the
-- referral branch as a hashed subplan (every case the organization
-- receives, collected into a hash table on first use). Every statement that
-- reads a case table carries that branch once per table: each child
-- table's policy looks its case up through cases_visible. A case read
-- started a dozen such subplans and ran none of them, yet starting them
-- cost more than reading the case.
--
-- OFFSET 0 keeps the branch a correlated probe of referrals_case_idx for
-- the one case at hand, evaluated only for a case the organization does
-- not own, as cheap to start as any index scan: the statements of a case
-- read (session check, case, audit entry) went from 3 174 to 4 663
-- pipelined transactions a second at 100 000 cases (pgbench, 8 clients,
-- see docs/performance.md). Who sees what is unchanged: the condition is
-- the same.
--
-- Locks: ALTER POLICY on cases (a catalog change, brief ACCESS EXCLUSIVE on
-- cases, no rewrite).

ALTER POLICY cases_visible ON cases
    USING (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id AND r.kind <> 'intake'
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted' OFFSET 0))
    WITH CHECK (owner_organization_id = jardam_current_org()
           OR EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id AND r.kind <> 'intake'
                      AND r.to_organization_id = jardam_current_org() AND r.status = 'accepted' OFFSET 0));
