-- Statistics: the narrow door for anonymized aggregates. The statistics role
-- jardam_stats (created by `jardam migrate --bootstrap`) may read the
-- statistical attributes of every organization's cases, column by column,
-- and no identity, contact or other encrypted column. It owns the function
-- below, which runs with its rights, past the organization scope of
-- row-level security, and answers counts of distinct persons per cell of a
-- predefined aggregate over whole ended months: never a row of a person.
-- The application role may call that function and read nothing else of
-- other organizations. No identity is ever decrypted for statistics.
--
-- Locks: functions only; locks no table.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jardam_stats') THEN
        RAISE EXCEPTION 'role jardam_stats does not exist: run `jardam migrate --bootstrap` (BOOTSTRAP_DATABASE_URL) once first';
    END IF;
    IF NOT pg_has_role(current_user, 'jardam_stats', 'MEMBER') THEN
        RAISE EXCEPTION 'the migrating user may not take the role jardam_stats: run `jardam migrate --bootstrap` (BOOTSTRAP_DATABASE_URL) once first';
    END IF;
END;
$$;

-- Column-level grants: the statistical attributes the aggregates use, and
-- the columns the row-level security policies of these tables read.
GRANT SELECT (id, owner_organization_id, stage, identified_at, identification_channel, sex, age_bracket,
              region_of_origin, exploitation_types, countries_of_exploitation)
    ON cases TO jardam_stats;
GRANT SELECT (case_id, to_stage, moved_at) ON case_stage_moves TO jardam_stats;
GRANT SELECT (id, case_id, type, provider_organization_id, status, started_on, created_at) ON assistance TO jardam_stats;
GRANT SELECT (id, case_id, from_organization_id, to_organization_id, status, responded_at, created_at)
    ON referrals TO jardam_stats;
GRANT SELECT (referral_id, to_status, at) ON referral_events TO jardam_stats;
GRANT SELECT (id, kind) ON organizations TO jardam_stats;

-- The statistics role reads every organization's rows (of the columns
-- above).
CREATE POLICY cases_stats ON cases FOR SELECT TO jardam_stats USING (true);
CREATE POLICY case_stage_moves_stats ON case_stage_moves FOR SELECT TO jardam_stats USING (true);
CREATE POLICY assistance_stats ON assistance FOR SELECT TO jardam_stats USING (true);
CREATE POLICY referrals_stats ON referrals FOR SELECT TO jardam_stats USING (true);
CREATE POLICY referral_events_stats ON referral_events FOR SELECT TO jardam_stats USING (true);

-- Counts of distinct persons of the predefined aggregate `aggregate` over
-- [period_from, period_to), which must be whole months in Asia/Bishkek that
-- have ended. Each base query yields person_id, d0 and d1 (NULL for a
-- one-dimensional aggregate); values outside grid0 (grid1) count under
-- fallback0 (fallback1). One row per non-empty cell, and one row with
-- is_total = true holding the distinct persons of the whole aggregate.
CREATE FUNCTION jardam_stats_counts(aggregate text, period_from timestamptz, period_to timestamptz,
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

-- A new owner needs CREATE on the schema at the moment of the transfer
-- only; the statistics role keeps no right to create anything.
GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
