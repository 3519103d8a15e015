-- Follow-up after reintegration: planned contacts with the person (a
-- visit, a call, a message), by whom, when done and with what outcome
-- (sealed under the case's data key), planned by hand or, on reaching the
-- reintegration stage, at the configured months after it (months). An
-- assessment may record which follow-up it was made at (follow_up_id).
--
-- Assessments mark the statistical release of their year: the indicator
-- reintegration_sustained counts persons by the date of their assessment.
--
-- Locks: a new table; adds a foreign key to case_assessments (a brief
--        SHARE ROW EXCLUSIVE lock while it is checked) and statement
--        triggers to it.
CREATE TABLE case_follow_ups (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    planned_on   date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('visit', 'call', 'message')),
    assigned_to  uuid REFERENCES users (id),
    months       integer CHECK (months > 0),
    done_on      date,
    outcome_enc  bytea,
    version      integer NOT NULL DEFAULT 1,
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_follow_ups_case_idx ON case_follow_ups (case_id, planned_on);
CREATE INDEX case_follow_ups_due_idx ON case_follow_ups (planned_on) WHERE done_on IS NULL;

ALTER TABLE case_assessments
    ADD CONSTRAINT case_assessments_follow_up_fk FOREIGN KEY (follow_up_id) REFERENCES case_follow_ups (id);

ALTER TABLE case_follow_ups ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_follow_ups_via_case ON case_follow_ups TO jardam_app
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));
GRANT SELECT, INSERT ON case_follow_ups TO jardam_app;
GRANT UPDATE (planned_on, kind, assigned_to, done_on, outcome_enc, version, updated_at) ON case_follow_ups TO jardam_app;

-- Persons whose reintegration was sustained: cases with a reintegration
-- assessment dated in the period, made 5 to 8 months after the case first
-- reached the reintegration stage (the 6-month follow-up), whose latest
-- such assessment scored at least p_threshold. Each case has one such
-- assessment date at most, so halves add up to their year. Aggregate only.
CREATE FUNCTION jardam_indicator_reintegration_sustained(p_from timestamptz, p_to timestamptz, p_threshold numeric)
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
    n bigint;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    SELECT count(*) INTO n FROM (
        SELECT DISTINCT ON (a.case_id) a.case_id, a.assessed_on, a.score
        FROM case_assessments a
        JOIN LATERAL (SELECT min(m.moved_at AT TIME ZONE 'Asia/Bishkek')::date AS reached
                      FROM case_stage_moves m WHERE m.case_id = a.case_id AND m.to_stage = 'reintegration') r ON true
        WHERE a.kind = 'reintegration' AND r.reached IS NOT NULL
          AND a.assessed_on >= (r.reached + interval '5 months')::date
          AND a.assessed_on < (r.reached + interval '8 months')::date
        ORDER BY a.case_id, a.assessed_on DESC, a.created_at DESC
    ) s
    WHERE s.assessed_on >= d_from AND s.assessed_on < d_to AND s.score >= p_threshold;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION jardam_indicator_reintegration_sustained(timestamptz, timestamptz, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_indicator_reintegration_sustained(timestamptz, timestamptz, numeric) TO jardam_app;

CREATE FUNCTION jardam_release_mark_assessments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(n.assessed_on)) FROM release_new n WHERE n.kind = 'reintegration';
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(o.assessed_on)) FROM release_old o WHERE o.kind = 'reintegration';
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION jardam_release_mark_assessments() FROM PUBLIC;
CREATE TRIGGER release_mark_ins AFTER INSERT ON case_assessments REFERENCING NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_assessments();
CREATE TRIGGER release_mark_del AFTER DELETE ON case_assessments REFERENCING OLD TABLE AS release_old
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_assessments();
CREATE TRIGGER release_mark_upd AFTER UPDATE ON case_assessments REFERENCING OLD TABLE AS release_old NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_assessments();
