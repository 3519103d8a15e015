-- jardam_stats_export answers, for the k-anonymized person-level exports
-- (HTCDS 2.0 and the CTDC codebook), the statistical attributes of the
-- cases identified in one ended year that hold a valid statistics consent,
-- one row per person, without any identifier: the application generalizes
-- and suppresses them before anything leaves. Unlike jardam_stats_htcds it
-- answers a single year, so that the yearly files never repeat a person,
-- and it adds the attributes HTCDS has fields for: the trafficking status,
-- the recruitment method and the case's stage and closure reason at the end
-- of the year (the last stage move before it, as in cases_by_stage). It
-- replaces jardam_stats_htcds, which answered every year up to the last.
--
-- Locks: functions only; locks no table.

DROP FUNCTION jardam_stats_htcds(timestamptz);

GRANT SELECT (recruitment_method) ON cases TO jardam_stats;
GRANT SELECT (closure_reason) ON case_stage_moves TO jardam_stats;

CREATE FUNCTION jardam_stats_export(period_from timestamptz, period_to timestamptz)
RETURNS TABLE (sex text, age_bracket text, citizenship text, country text, exploitation_types text[],
               means_of_control text[], labour_sector text, recruitment_method text, recruiter_relation text,
               trafficking_status text, stage text, closure_reason text)
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
                ELSE c.closure_reason END
    FROM cases c
    LEFT JOIN LATERAL (SELECT x.to_stage, x.closure_reason FROM case_stage_moves x
                       WHERE x.case_id = c.id AND x.moved_at < period_to
                       ORDER BY x.moved_at DESC LIMIT 1) m ON true
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
