-- Statistics by Program measure, and the person-level HTCDS export.
--
-- jardam_stats_counts (migration 0007) gains two aggregates: persons
-- identified by the measures their case implements, and persons assisted by
-- the measures their assistance implements. The statistics role reads the
-- measure codes of cases and assistance for them.
--
-- jardam_stats_htcds answers, for the k-anonymized HTCDS export, the
-- statistical attributes of the cases that hold a valid statistics consent,
-- one row per person, without any identifier (no id, no code, no identity):
-- the application generalizes and suppresses them before anything leaves.
-- It runs with the statistics role's rights, which read no identity or
-- contact column; imported historical cases, which carry no consent, are
-- never exported.
--
-- Locks: functions only; locks no table.

GRANT SELECT (measure_codes, source, citizenship, means_of_control, labour_sector, recruiter_relation,
              trafficking_status, closure_reason)
    ON cases TO jardam_stats;
GRANT SELECT (measure_codes) ON assistance TO jardam_stats;
GRANT SELECT (case_id, purpose, given_at, expires_at, withdrawn_at) ON consents TO jardam_stats;
CREATE POLICY consents_stats ON consents FOR SELECT TO jardam_stats USING (true);

-- The counts function, as in migration 0007, with the measure aggregates.
CREATE OR REPLACE FUNCTION jardam_stats_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                    grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    base text;
    f timestamp := period_from AT TIME ZONE 'Asia/Bishkek';
    t timestamp := period_to AT TIME ZONE 'Asia/Bishkek';
BEGIN
    IF period_from IS NULL OR period_to IS NULL OR period_from >= period_to
       OR date_trunc('month', f) <> f OR date_trunc('month', t) <> t THEN
        RAISE EXCEPTION 'statistics cover whole months only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period_to > now() THEN
        RAISE EXCEPTION 'statistics cover ended periods only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    base := CASE aggregate
        WHEN 'persons_by_sex_age' THEN
            $q$SELECT c.id AS person_id, c.sex AS d0, c.age_bracket AS d1
               FROM cases c WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        WHEN 'persons_by_exploitation_type' THEN
            $q$SELECT c.id AS person_id, e.v AS d0, NULL::text AS d1
               FROM cases c CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.exploitation_types) = 0
                   THEN ARRAY['unknown'] ELSE c.exploitation_types END) AS e(v)
               WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        WHEN 'persons_by_country_of_exploitation' THEN
            $q$SELECT c.id AS person_id, e.v AS d0, NULL::text AS d1
               FROM cases c CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.countries_of_exploitation) = 0
                   THEN ARRAY['unknown'] ELSE c.countries_of_exploitation END) AS e(v)
               WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        WHEN 'persons_by_region_of_origin' THEN
            $q$SELECT c.id AS person_id, coalesce(c.region_of_origin, 'unknown') AS d0, NULL::text AS d1
               FROM cases c WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        WHEN 'persons_by_identification_channel' THEN
            $q$SELECT c.id AS person_id, coalesce(c.identification_channel, 'unknown') AS d0, NULL::text AS d1
               FROM cases c WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        -- The stage at the end of the period: the last move before it; a
        -- case whose moves all come later was still being identified.
        WHEN 'cases_by_stage' THEN
            $q$SELECT c.id AS person_id, coalesce(
                   (SELECT m.to_stage FROM case_stage_moves m WHERE m.case_id = c.id AND m.moved_at < $2
                    ORDER BY m.moved_at DESC LIMIT 1),
                   CASE WHEN EXISTS (SELECT 1 FROM case_stage_moves m WHERE m.case_id = c.id)
                        THEN 'identification' ELSE c.stage END) AS d0, NULL::text AS d1
               FROM cases c WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        -- Assistance given (in progress or completed) that started in the
        -- period, by its start date (or, without one, its recording date).
        WHEN 'assistance_by_type_provider_kind' THEN
            $q$SELECT a.case_id AS person_id, a.type AS d0, o.kind AS d1
               FROM assistance a JOIN organizations o ON o.id = a.provider_organization_id
               WHERE a.status IN ('in_progress', 'completed')
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     >= ($1 AT TIME ZONE 'Asia/Bishkek')::date
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     < ($2 AT TIME ZONE 'Asia/Bishkek')::date$q$
        -- A referral's status at the end of the period.
        WHEN 'referrals_by_outcome' THEN
            $q$SELECT r.case_id AS person_id, coalesce(
                   (SELECT e.to_status FROM referral_events e WHERE e.referral_id = r.id AND e.at < $2
                    ORDER BY e.at DESC LIMIT 1), 'pending') AS d0, NULL::text AS d1
               FROM referrals r WHERE r.created_at >= $1 AND r.created_at < $2$q$
        WHEN 'referrals_by_response_time' THEN
            $q$SELECT r.case_id AS person_id, CASE
                   WHEN r.responded_at IS NULL OR r.responded_at >= $2 THEN 'no_response'
                   WHEN r.responded_at - r.created_at <= interval '1 day' THEN 'within_1_day'
                   WHEN r.responded_at - r.created_at <= interval '3 days' THEN 'within_3_days'
                   WHEN r.responded_at - r.created_at <= interval '7 days' THEN 'within_7_days'
                   ELSE 'over_7_days' END AS d0, NULL::text AS d1
               FROM referrals r WHERE r.created_at >= $1 AND r.created_at < $2$q$
        -- Persons identified in the period, by the Program measures their
        -- case implements (`none` when it links to none).
        WHEN 'cases_by_measure' THEN
            $q$SELECT c.id AS person_id, e.v AS d0, NULL::text AS d1
               FROM cases c CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.measure_codes) = 0
                   THEN ARRAY['none'] ELSE c.measure_codes END) AS e(v)
               WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        -- Persons given assistance (in progress or completed) that started
        -- in the period, by the Program measures the assistance implements.
        WHEN 'assistance_by_measure' THEN
            $q$SELECT a.case_id AS person_id, e.v AS d0, NULL::text AS d1
               FROM assistance a CROSS JOIN LATERAL unnest(CASE WHEN cardinality(a.measure_codes) = 0
                   THEN ARRAY['none'] ELSE a.measure_codes END) AS e(v)
               WHERE a.status IN ('in_progress', 'completed')
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     >= ($1 AT TIME ZONE 'Asia/Bishkek')::date
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     < ($2 AT TIME ZONE 'Asia/Bishkek')::date$q$
        -- Monthly series: d0 is the month (YYYY-MM in Asia/Bishkek).
        WHEN 'persons_identified' THEN
            $q$SELECT c.id AS person_id, to_char(c.identified_at AT TIME ZONE 'Asia/Bishkek', 'YYYY-MM') AS d0, NULL::text AS d1
               FROM cases c WHERE c.identified_at >= $1 AND c.identified_at < $2$q$
        WHEN 'persons_assisted' THEN
            $q$SELECT a.case_id AS person_id,
                   to_char(coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date), 'YYYY-MM') AS d0, NULL::text AS d1
               FROM assistance a
               WHERE a.status IN ('in_progress', 'completed')
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     >= ($1 AT TIME ZONE 'Asia/Bishkek')::date
                 AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)
                     < ($2 AT TIME ZONE 'Asia/Bishkek')::date$q$
        WHEN 'persons_referred' THEN
            $q$SELECT r.case_id AS person_id, to_char(r.created_at AT TIME ZONE 'Asia/Bishkek', 'YYYY-MM') AS d0, NULL::text AS d1
               FROM referrals r WHERE r.created_at >= $1 AND r.created_at < $2$q$
    END;
    IF base IS NULL THEN
        RAISE EXCEPTION 'unknown aggregate' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE
        'SELECT x.g0, x.g1, count(DISTINCT x.person_id), GROUPING(x.g0, x.g1) <> 0
         FROM (SELECT b.person_id,
                      CASE WHEN b.d0 = ANY ($3) THEN b.d0 ELSE $4 END AS g0,
                      CASE WHEN $5 IS NULL THEN NULL WHEN b.d1 = ANY ($5) THEN b.d1 ELSE $6 END AS g1
               FROM (' || base || ') b) x
         GROUP BY GROUPING SETS ((x.g0, x.g1), ())'
        USING period_from, period_to, grid0, fallback0, grid1, fallback1;
END;
$fn$;

-- The statistical attributes of every person whose case holds a valid
-- statistics consent (not withdrawn, not expired) and was identified before
-- period_to, which must be the start of a year in Asia/Bishkek that has
-- come. A case marked or closed as not a victim is left out. The first
-- country of exploitation stands for the person's (CTDC keeps one).
CREATE FUNCTION jardam_stats_htcds(period_to timestamptz)
RETURNS TABLE (reg_year integer, sex text, age_bracket text, citizenship text, country text,
               exploitation_types text[], means_of_control text[], labour_sector text, recruiter_relation text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    t timestamp := period_to AT TIME ZONE 'Asia/Bishkek';
BEGIN
    IF period_to IS NULL OR date_trunc('year', t) <> t THEN
        RAISE EXCEPTION 'the export covers whole years only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period_to > now() THEN
        RAISE EXCEPTION 'the export covers ended years only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT extract(year FROM c.identified_at AT TIME ZONE 'Asia/Bishkek')::integer, c.sex, c.age_bracket,
           c.citizenship, c.countries_of_exploitation[1], c.exploitation_types, c.means_of_control,
           c.labour_sector, c.recruiter_relation
    FROM cases c
    WHERE c.identified_at < period_to
      AND c.source = 'record'
      AND c.trafficking_status IS DISTINCT FROM 'not_a_victim'
      AND c.closure_reason IS DISTINCT FROM 'not_a_victim'
      AND EXISTS (SELECT 1 FROM consents k
                  WHERE k.case_id = c.id AND k.purpose = 'statistics' AND k.given_at <= now()
                    AND k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()));
END;
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_htcds(timestamptz) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_htcds(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_htcds(timestamptz) TO jardam_app;
