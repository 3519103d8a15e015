-- The person-level exports (HTCDS 2.0 and the CTDC codebook) gain what
-- structured casework records where the standard has a field for it:
--
--   needs_domains        the domains of the case's first needs assessment
--                        (dated before the end of the year) scored 2 or 3,
--                        for vic_Vulnerabilities;
--   linked_recruiter     the relation to the victim of the first person
--                        linked as a recruiter, and linked_perpetrator that
--                        of the first linked as a trafficker, employer or
--                        other perpetrator (for vic_RelationshipToTrafficker
--                        and the CTDC recruiter flags, where the case's own
--                        recruiter_relation is not recorded);
--   recruitment_channels the recruitment channels of the linked
--                        perpetrators (for vic_MethodOfRecruitment);
--   follow_up_pending    a follow-up planned before the end of the year and
--                        not done by then (cas_Status FollowUp for a case
--                        closed while its follow-up goes on).
--
-- Only these columns are granted to the statistics role: no identity,
-- contact, note or outcome (all sealed anyway), no user. The application
-- generalizes and suppresses the rows before anything leaves.
--
-- Locks: a function replaced; grants and policies on case_assessments,
--        case_persons and case_follow_ups (brief ACCESS EXCLUSIVE locks
--        while each policy is created).

GRANT SELECT (case_id, kind, definition_version, assessed_on, answers, created_at) ON case_assessments TO jardam_stats;
GRANT SELECT (case_id, relation, perpetrator_role, recruitment_channel, created_at) ON case_persons TO jardam_stats;
GRANT SELECT (case_id, done_on, created_at) ON case_follow_ups TO jardam_stats;
CREATE POLICY case_assessments_stats ON case_assessments FOR SELECT TO jardam_stats USING (true);
CREATE POLICY case_persons_stats ON case_persons FOR SELECT TO jardam_stats USING (true);
CREATE POLICY case_follow_ups_stats ON case_follow_ups FOR SELECT TO jardam_stats USING (true);

DROP FUNCTION jardam_stats_export(timestamptz, timestamptz);

CREATE FUNCTION jardam_stats_export(period_from timestamptz, period_to timestamptz)
RETURNS TABLE (sex text, age_bracket text, citizenship text, country text, exploitation_types text[],
               means_of_control text[], labour_sector text, recruitment_method text, recruiter_relation text,
               trafficking_status text, stage text, closure_reason text, needs_domains text[],
               linked_recruiter text, linked_perpetrator text, recruitment_channels text[], follow_up_pending boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    f timestamp := period_from AT TIME ZONE 'Asia/Bishkek';
    t timestamp := period_to AT TIME ZONE 'Asia/Bishkek';
BEGIN
    IF period_from IS NULL OR period_to IS NULL OR date_trunc('year', f) <> f OR t <> f + interval '1 year' THEN
        RAISE EXCEPTION 'the export covers one whole year' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period_to > now() THEN
        RAISE EXCEPTION 'the export covers ended years only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT c.sex, c.age_bracket, c.citizenship, c.countries_of_exploitation[1], c.exploitation_types,
           c.means_of_control, c.labour_sector, c.recruitment_method, c.recruiter_relation, c.trafficking_status,
           coalesce(m.to_stage, CASE WHEN EXISTS (SELECT 1 FROM case_stage_moves x WHERE x.case_id = c.id)
                                     THEN 'identification' ELSE c.stage END),
           CASE WHEN m.to_stage IS NOT NULL THEN m.closure_reason
                WHEN EXISTS (SELECT 1 FROM case_stage_moves x WHERE x.case_id = c.id) THEN NULL
                ELSE c.closure_reason END,
           coalesce((SELECT array_agg(d.key ORDER BY d.key) FROM jsonb_each(n.answers) d
                     WHERE jsonb_typeof(d.value -> 'score') = 'number' AND (d.value ->> 'score')::numeric >= 2), '{}'),
           (SELECT p.relation FROM case_persons p
            WHERE p.case_id = c.id AND p.perpetrator_role = 'recruiter' AND p.created_at < period_to
            ORDER BY p.created_at, p.relation LIMIT 1),
           (SELECT p.relation FROM case_persons p
            WHERE p.case_id = c.id AND p.perpetrator_role IN ('trafficker', 'employer', 'other_perpetrator')
              AND p.created_at < period_to
            ORDER BY array_position(ARRAY['trafficker', 'employer', 'other_perpetrator'], p.perpetrator_role),
                     p.created_at, p.relation LIMIT 1),
           coalesce((SELECT array_agg(DISTINCT p.recruitment_channel) FROM case_persons p
                     WHERE p.case_id = c.id AND p.perpetrator_role IS NOT NULL AND p.recruitment_channel IS NOT NULL
                       AND p.created_at < period_to), '{}'),
           EXISTS (SELECT 1 FROM case_follow_ups u
                   WHERE u.case_id = c.id AND u.created_at < period_to
                     AND (u.done_on IS NULL OR u.done_on >= t::date))
    FROM cases c
    LEFT JOIN LATERAL (SELECT x.to_stage, x.closure_reason FROM case_stage_moves x
                       WHERE x.case_id = c.id AND x.moved_at < period_to
                       ORDER BY x.moved_at DESC LIMIT 1) m ON true
    LEFT JOIN LATERAL (SELECT a.answers FROM case_assessments a
                       WHERE a.case_id = c.id AND a.kind = 'needs' AND a.definition_version = 1 AND a.assessed_on < t::date
                       ORDER BY a.assessed_on, a.created_at LIMIT 1) n ON true
    WHERE c.identified_at >= period_from AND c.identified_at < period_to
      AND c.source = 'record'
      AND c.trafficking_status IS DISTINCT FROM 'not_a_victim'
      AND c.closure_reason IS DISTINCT FROM 'not_a_victim'
      AND EXISTS (SELECT 1 FROM consents k
                  WHERE k.case_id = c.id AND k.purpose = 'statistics' AND k.given_at <= now()
                    AND k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()));
END;
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_export(timestamptz, timestamptz) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_export(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_export(timestamptz, timestamptz) TO jardam_app;
