-- Row-level security of the case tables, cheaper to run.
--
-- Each table of a case's parts (its key, assignments, events, stage moves,
-- plans, consents, documents...) admitted a row when its case was visible:
-- EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id), which brought in the
-- policy of cases and its own subquery over referrals. A statement that
-- reads a case and its parts carried two subplans per table it read,
-- started at every execution although the first branch (the caller's
-- organization owns the case) decides nearly every row: starting them cost
-- more than reading the case.
--
-- Each of these tables now carries its case's owning organization
-- (owner_organization_id, kept equal to the case's by triggers), and its
-- policy compares that column with the caller's organization; only for a
-- case of another organization does it ask whether an accepted referral
-- shares the case (jardam_case_shared, the referral branch of cases_visible,
-- a function called per row, so that it starts nothing in a plan). Who sees
-- what is unchanged: a part is visible exactly when its case is.
--
-- The column is written by the database only:
-- - jardam_case_row_owner (BEFORE INSERT OR UPDATE OF case_id or of the
--   column itself) copies it from the case, with the owner's rights, as
--   case_assignments_case_created_at copies the case's creation time,
--   whatever the writer put there; the policy's WITH CHECK then decides
--   whether the caller may write a part of that case. It reads the case
--   FOR NO KEY UPDATE, the lock a change of the case's owner takes: a part
--   written while a transfer is under way waits for it and copies the new
--   owner, and a transfer waits for the parts being written to commit
--   before it carries itself to them. Writers of one case's parts already
--   queue on the case row (each touches its last activity). A case row the
--   writing transaction wrote itself (a case it creates or changed) needs
--   no lock: it holds one, or no one else sees the row.
-- - jardam_case_owner_moved (AFTER UPDATE OF owner_organization_id ON cases)
--   carries a transfer to every part of the case, with the owner's rights:
--   the organization that accepted the transfer may not otherwise write the
--   erasure requests' guarded rows.
--
-- cases_visible keeps its subquery: the lists' plans over cases are built
-- around it (a function there left the planner without estimates, and a
-- caseworker's list page scanned every consent).
--
-- Locks: cases in SHARE ROW EXCLUSIVE for the whole migration (no case is
-- written, so no owner changes while the copies are made; reads go on); each
-- of the fifteen tables under ACCESS EXCLUSIVE while its column is added and
-- filled (case_stage_moves, the largest, holds about five rows a case) and
-- scanned to validate NOT NULL. Run it in a maintenance window.

CREATE FUNCTION jardam_case_shared(case_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.referrals r
                   WHERE r.case_id = jardam_case_shared.case_id AND r.kind <> 'intake'
                     AND r.to_organization_id = public.jardam_current_org() AND r.status = 'accepted');
END
$$;

CREATE FUNCTION jardam_case_row_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    mine boolean;
BEGIN
    -- A case row this transaction wrote (a new case, or one it changed) is
    -- locked by it already, or seen by no one else.
    SELECT c.owner_organization_id, c.xmin = pg_current_xact_id()::xid
        INTO NEW.owner_organization_id, mine FROM cases c WHERE c.id = NEW.case_id;
    IF NOT mine THEN
        SELECT c.owner_organization_id INTO NEW.owner_organization_id
            FROM cases c WHERE c.id = NEW.case_id FOR NO KEY UPDATE;
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION jardam_case_row_owner() FROM PUBLIC;

CREATE FUNCTION jardam_case_owner_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t regclass;
BEGIN
    -- The tables that carry the column are those with its trigger.
    FOR t IN SELECT g.tgrelid::regclass FROM pg_trigger g WHERE g.tgname = 'case_row_owner' AND NOT g.tgisinternal LOOP
        EXECUTE format('UPDATE %s SET owner_organization_id = $1 WHERE case_id = $2', t)
            USING NEW.owner_organization_id, NEW.id;
    END LOOP;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION jardam_case_owner_moved() FROM PUBLIC;

LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE;

DO $$
DECLARE
    t      text;
    names  name[];
    modes  "char"[];
BEGIN
    FOREACH t IN ARRAY ARRAY['case_keys', 'case_assignments', 'case_stage_moves', 'case_events', 'case_plans',
                             'case_blind_index', 'consents', 'case_assessments', 'case_flags', 'case_approvals',
                             'documents', 'case_erasure_requests', 'case_legal_holds', 'case_follow_ups',
                             'case_persons'] LOOP
        -- The fill must not fire the tables' own triggers (activity, release
        -- marks, the erasure requests' guard): nothing about a case changes.
        -- Each trigger is then put back as it fired (some fire ALWAYS, also
        -- for a session in replica mode: migration 0038).
        SELECT array_agg(tgname), array_agg(tgenabled) INTO names, modes
            FROM pg_trigger WHERE tgrelid = t::regclass AND NOT tgisinternal;
        EXECUTE format('ALTER TABLE %I ADD COLUMN owner_organization_id uuid', t);
        EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', t);
        EXECUTE format('UPDATE %I x SET owner_organization_id = c.owner_organization_id FROM cases c WHERE c.id = x.case_id', t);
        FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
            EXECUTE format('ALTER TABLE %I %s TRIGGER %I', t,
                           CASE modes[i] WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA'
                                         WHEN 'D' THEN 'DISABLE' ELSE 'ENABLE' END, names[i]);
        END LOOP;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN owner_organization_id SET NOT NULL', t);
        EXECUTE format('CREATE TRIGGER case_row_owner BEFORE INSERT OR UPDATE OF case_id, owner_organization_id ON %I
                        FOR EACH ROW EXECUTE FUNCTION jardam_case_row_owner()', t);
        EXECUTE format('ALTER POLICY %I ON %I
                        USING (owner_organization_id = jardam_current_org() OR jardam_case_shared(case_id))
                        WITH CHECK (owner_organization_id = jardam_current_org() OR jardam_case_shared(case_id))',
                       t || '_via_case', t);
    END LOOP;
END;
$$;

CREATE TRIGGER cases_owner_moved AFTER UPDATE OF owner_organization_id ON cases
    FOR EACH ROW WHEN (OLD.owner_organization_id IS DISTINCT FROM NEW.owner_organization_id)
    EXECUTE FUNCTION jardam_case_owner_moved();
