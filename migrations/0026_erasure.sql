-- Erasure of a person's identity on request, with two people, and by
-- retention; legal holds that stop both.
--
-- An erasure request is made by a supervisor of the case's organization and
-- approved by another supervisor or the organization's org admin; once its
-- delay has passed, the case's data key is destroyed (crypto-shredding: the
-- identity, contact, notes, plan, documents and the referrals' notes can
-- never be opened again), its blind-index rows are deleted, and the
-- statistical attributes stay. The request's details and a hold's reason
-- are sealed under the case's data key like notes.
--
-- Locks: new tables and functions; locks nothing that holds data.

CREATE TABLE case_erasure_requests (
    id                uuid PRIMARY KEY,
    case_id           uuid NOT NULL REFERENCES cases (id),
    reason            text NOT NULL CHECK (reason IN ('person_request', 'retention', 'court_order', 'other')),
    details_enc       bytea,
    status            text NOT NULL CHECK (status IN ('pending', 'scheduled', 'rejected', 'cancelled', 'erased')),
    -- NULL for the requests the retention job makes.
    requested_by      uuid REFERENCES users (id),
    requested_at      timestamptz NOT NULL DEFAULT now(),
    decided_by        uuid REFERENCES users (id),
    decided_at        timestamptz,
    decision_note_enc bytea,
    erase_after       timestamptz,
    erased_at         timestamptz,
    version           integer NOT NULL DEFAULT 1,
    CHECK ((status = 'scheduled') <= (erase_after IS NOT NULL)),
    CHECK ((status = 'erased') = (erased_at IS NOT NULL))
);
-- One open request per case.
CREATE UNIQUE INDEX case_erasure_requests_open_idx ON case_erasure_requests (case_id)
    WHERE status IN ('pending', 'scheduled');
CREATE INDEX case_erasure_requests_due_idx ON case_erasure_requests (erase_after) WHERE status = 'scheduled';

-- A legal hold keeps a case's data while it stands (until the end of
-- `until`, or until lifted): no erasure, no retention.
CREATE TABLE case_legal_holds (
    case_id     uuid PRIMARY KEY REFERENCES cases (id),
    reason_enc  bytea NOT NULL,
    until       date,
    placed_by   uuid NOT NULL REFERENCES users (id),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    lifted_by   uuid REFERENCES users (id),
    lifted_at   timestamptz,
    version     integer NOT NULL DEFAULT 1
);

ALTER TABLE case_erasure_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_erasure_requests_via_case ON case_erasure_requests
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));
ALTER TABLE case_legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_legal_holds_via_case ON case_legal_holds
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));

GRANT SELECT, INSERT, UPDATE ON case_erasure_requests, case_legal_holds TO jardam_app;

-- What stops the erasure of case c now: 'legal_hold' while a hold stands,
-- 'legal_assistance' while legal help is in progress, NULL when nothing
-- does. The one rule, asked by the service (under row-level security) and
-- by the functions below (with the owner's rights).
CREATE FUNCTION jardam_erasure_blocker(c uuid) RETURNS text
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM case_legal_holds h WHERE h.case_id = c AND h.lifted_at IS NULL
                     AND (h.until IS NULL OR h.until >= current_date)) THEN 'legal_hold'
        WHEN EXISTS (SELECT 1 FROM assistance a WHERE a.case_id = c AND a.type = 'legal'
                     AND a.status = 'in_progress') THEN 'legal_assistance'
    END
$$;
GRANT EXECUTE ON FUNCTION jardam_erasure_blocker(uuid) TO jardam_app;

-- Carries out the scheduled erasures that are due and not blocked (only
-- the request one_request when given), at most lim: destroys the case's data
-- key and its referrals' own keys, deletes its blind-index rows, and marks
-- the request erased. Returns what it erased, for the caller's audit
-- entries in the same transaction. Runs with the owner's rights: the
-- scheduled job belongs to no organization. A due request that is blocked
-- stays scheduled and is carried out once the block ends.
CREATE FUNCTION jardam_carry_out_erasures(one_request uuid, lim integer)
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
        UPDATE case_erasure_requests SET status = 'erased', erased_at = now(), version = version + 1
            WHERE id = r.id;
        request_id := r.id;
        case_id := r.case_id;
        organization_id := r.owner_organization_id;
        RETURN NEXT;
    END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION jardam_carry_out_erasures(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_carry_out_erasures(uuid, integer) TO jardam_app;

-- The cases retention would erase now: closed more than `years` years ago
-- (by their last move to closed), not erased through a request, no open
-- request, nothing blocking. Answers codes, never an identity, and reads no
-- key (a case erased by an operator's `jardam keys destroy` may come up once:
-- carrying it out again destroys nothing more and records its request).
CREATE FUNCTION jardam_retention_due(years integer, lim integer)
RETURNS TABLE (case_id uuid, code text, organization_id uuid, closed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.id, c.code, c.owner_organization_id, m.closed_at
    FROM cases c
    CROSS JOIN LATERAL (SELECT max(s.moved_at) AS closed_at FROM case_stage_moves s
                        WHERE s.case_id = c.id AND s.to_stage = 'closed') m
    WHERE c.status = 'closed'
      AND m.closed_at < now() - make_interval(years => years)
      AND NOT EXISTS (SELECT 1 FROM case_erasure_requests e WHERE e.case_id = c.id AND e.status IN ('pending', 'scheduled', 'erased'))
      AND jardam_erasure_blocker(c.id) IS NULL
    ORDER BY m.closed_at, c.id
    LIMIT lim
$$;
REVOKE ALL ON FUNCTION jardam_retention_due(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_retention_due(integer, integer) TO jardam_app;

-- Schedules, due now, the erasure of the cases jardam_retention_due names
-- (reason retention, no requester); the caller carries them out.
CREATE FUNCTION jardam_schedule_retention(years integer, lim integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
    INSERT INTO case_erasure_requests (id, case_id, reason, status, erase_after)
    SELECT gen_random_uuid(), d.case_id, 'retention', 'scheduled', now()
    FROM jardam_retention_due(years, lim) d
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION jardam_schedule_retention(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_schedule_retention(integer, integer) TO jardam_app;
