-- Erasure, hardened.
--
-- 1. Erasing a case also erases the hotline contact it came from: the
--    contact holds the same person's identity, contact details and the
--    call's summary under a key of its own, and the intake links the two.
--    One function, for the service's erasure and for `jardam keys
--    destroy`, once the case's key is destroyed.
-- 2. The two-person rule and the retention period are also the database's:
--    a scheduled or carried-out request was decided by someone other than
--    its requester, or is retention's own (no requester); only the owner's
--    functions write a request without a requester, schedule at insert, or
--    mark one erased; retention takes at least one year. The application
--    role no longer updates data keys at all (erasure goes through the
--    owner's functions, rotation through the maintenance role).
--
-- Locks: ALTER TABLE on case_erasure_requests (new, small) and a REVOKE;
-- locks nothing that holds much data.

CREATE FUNCTION jardam_erase_case_contacts(erased_case uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM case_keys WHERE case_id = erased_case AND wrapped IS NULL) THEN
        RAISE EXCEPTION 'the data key of case % is not destroyed', erased_case
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE contacts c SET key_wrapped = NULL, key_master_version = NULL, summary_enc = NULL, identity_enc = NULL,
        contact_enc = NULL, erased_at = now(), updated_at = now(), version = c.version + 1
    WHERE c.erased_at IS NULL AND c.id IN (SELECT r.contact_id FROM referrals r WHERE r.case_id = erased_case AND r.contact_id IS NOT NULL);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE referrals SET identity_enc = NULL, contact_enc = NULL
    WHERE case_id = erased_case AND (identity_enc IS NOT NULL OR contact_enc IS NOT NULL);
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION jardam_erase_case_contacts(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_erase_case_contacts(uuid) TO jardam_maint;

CREATE OR REPLACE FUNCTION jardam_carry_out_erasures(one_request uuid, lim integer)
RETURNS TABLE (request_id uuid, case_id uuid, organization_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT e.id, e.case_id, c.owner_organization_id
        FROM case_erasure_requests e JOIN cases c ON c.id = e.case_id
        WHERE e.status = 'scheduled' AND e.erase_after <= now()
          AND (one_request IS NULL OR e.id = one_request)
          AND jardam_erasure_blocker(e.case_id) IS NULL
        ORDER BY e.erase_after, e.id
        LIMIT lim
        FOR UPDATE OF e SKIP LOCKED
    LOOP
        UPDATE case_keys SET wrapped = NULL, master_version = NULL, destroyed_at = now()
            WHERE case_keys.case_id = r.case_id AND wrapped IS NOT NULL;
        DELETE FROM case_blind_index WHERE case_blind_index.case_id = r.case_id;
        UPDATE referrals SET key_wrapped = NULL WHERE referrals.case_id = r.case_id AND key_wrapped IS NOT NULL;
        PERFORM jardam_erase_case_contacts(r.case_id);
        UPDATE case_erasure_requests SET status = 'erased', erased_at = now(), version = version + 1
            WHERE id = r.id;
        request_id := r.id;
        case_id := r.case_id;
        organization_id := r.owner_organization_id;
        RETURN NEXT;
    END LOOP;
END;
$$;

-- Retention takes at least a year: a smaller period selects nothing.
CREATE OR REPLACE FUNCTION jardam_retention_due(years integer, lim integer)
RETURNS TABLE (case_id uuid, code text, organization_id uuid, closed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.id, c.code, c.owner_organization_id, m.closed_at
    FROM cases c
    CROSS JOIN LATERAL (SELECT max(s.moved_at) AS closed_at FROM case_stage_moves s
                        WHERE s.case_id = c.id AND s.to_stage = 'closed') m
    WHERE years >= 1
      AND c.status = 'closed'
      AND m.closed_at < now() - make_interval(years => years)
      AND NOT EXISTS (SELECT 1 FROM case_erasure_requests e WHERE e.case_id = c.id AND e.status IN ('pending', 'scheduled', 'erased'))
      AND jardam_erasure_blocker(c.id) IS NULL
    ORDER BY m.closed_at, c.id
    LIMIT lim
$$;

ALTER TABLE case_erasure_requests ADD CONSTRAINT case_erasure_requests_second_person CHECK (
    status IN ('pending', 'cancelled')
    OR (status IN ('scheduled', 'erased') AND requested_by IS NULL AND reason = 'retention')
    OR (decided_by IS NOT NULL AND decided_by IS DISTINCT FROM requested_by));

-- What only the owner's functions may write: a request without a
-- requester, a request scheduled or erased at insert, a request marked
-- erased.
CREATE FUNCTION jardam_erasure_request_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF current_user = (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'case_erasure_requests'::regclass) THEN
        RETURN NEW;
    END IF;
    IF NEW.requested_by IS NULL THEN
        RAISE EXCEPTION 'an erasure request names its requester' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.status <> 'pending' THEN
        RAISE EXCEPTION 'an erasure request starts pending' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'erased' THEN
        RAISE EXCEPTION 'only the erasure function marks a request erased' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER case_erasure_requests_guard BEFORE INSERT OR UPDATE ON case_erasure_requests
    FOR EACH ROW EXECUTE FUNCTION jardam_erasure_request_guard();

REVOKE UPDATE ON case_keys FROM jardam_app;
