-- Per-organization counts for the supervisors' view of the release, and
-- one trigger function for the release marks of dated rows.
--
-- A supervisor reads the national figures while knowing the exact figures
-- of their own organization's cases. The release (docs/disclosure.md,
-- "Supervisors") audits every organization's view, so it needs, for every
-- figure, each organization's part: the persons of the cases it owns
-- (cases.owner_organization_id; assistance and referrals count under the
-- owner of their case). jardam_stats_org_counts answers the counts of
-- jardam_stats_counts per owning organization; jardam_stats_counts is now
-- their sum (each person's case has one owner, so the distinct persons of
-- the organizations add up to the national ones).
-- jardam_indicator_org_counts does the same for the indicators of the
-- release (persons identified by sex and age, persons assisted by type,
-- persons reintegrated, homecomings).
--
-- jardam_release_mark_moved and jardam_release_mark_events (migration 0017)
-- differed only in the column holding the date: one function,
-- jardam_release_mark_dated(column), replaces both.
--
-- Locks: functions and views only; locks no table.

CREATE FUNCTION jardam_stats_org_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                        grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (org uuid, d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    base text;
BEGIN
    -- Whole ended months only (raises otherwise).
    PERFORM jardam_stats_period_months(period_from, period_to);
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
        'SELECT c.owner_organization_id, x.g0, x.g1, count(DISTINCT x.person_id), GROUPING(x.g0, x.g1) <> 0
         FROM (SELECT b.person_id,
                      CASE WHEN b.d0 = ANY ($3) THEN b.d0 ELSE $4 END AS g0,
                      CASE WHEN $5 IS NULL THEN NULL WHEN b.d1 = ANY ($5) THEN b.d1 ELSE $6 END AS g1
               FROM (' || base || ') b) x
         JOIN cases c ON c.id = x.person_id
         GROUP BY c.owner_organization_id, GROUPING SETS ((x.g0, x.g1), ())'
        USING period_from, period_to, grid0, fallback0, grid1, fallback1;
END;
$fn$;

-- The national counts: the sum of the organizations'.
CREATE OR REPLACE FUNCTION jardam_stats_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                    grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
    WITH o AS (SELECT * FROM jardam_stats_org_counts(aggregate, period_from, period_to, grid0, fallback0, grid1, fallback1))
    SELECT o.d0, o.d1, sum(o.persons)::bigint, false FROM o WHERE NOT o.is_total GROUP BY o.d0, o.d1
    UNION ALL
    SELECT NULL, NULL, coalesce(sum(o.persons), 0)::bigint, true FROM o WHERE o.is_total
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;

-- The indicators of the release per owning organization: indicator is
-- identified (d0 sex, d1 age bracket; both NULL: the total), assisted (d0
-- the assistance type; NULL: all types), reintegrated or homecomings.
-- Definitions as in migration 0006.
CREATE FUNCTION jardam_indicator_org_counts(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (org uuid, indicator text, d0 text, d1 text, persons bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY
    SELECT c.owner_organization_id, 'identified', c.sex, c.age_bracket, count(*)
    FROM cases c
    WHERE c.identified_at >= p_from AND c.identified_at < p_to
      AND c.trafficking_status IS DISTINCT FROM 'not_a_victim'
    GROUP BY c.owner_organization_id, c.sex, c.age_bracket;
    RETURN QUERY
    SELECT c.owner_organization_id, 'assisted', a.type, NULL::text, count(DISTINCT a.case_id)
    FROM assistance a JOIN cases c ON c.id = a.case_id
    WHERE a.status IN ('in_progress', 'completed')
      AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date) < d_to
      AND coalesce(a.ended_on, CASE WHEN a.status = 'completed' THEN (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date END,
                   'infinity'::date) >= d_from
    GROUP BY c.owner_organization_id, GROUPING SETS ((a.type), ());
    RETURN QUERY
    SELECT c.owner_organization_id, 'reintegrated', NULL::text, NULL::text, count(*)
    FROM cases c
    WHERE c.status = 'closed' AND c.closure_reason = 'reintegrated'
      AND (SELECT max(m.moved_at) FROM case_stage_moves m WHERE m.case_id = c.id AND m.to_stage = 'closed') >= p_from
      AND (SELECT max(m.moved_at) FROM case_stage_moves m WHERE m.case_id = c.id AND m.to_stage = 'closed') < p_to
    GROUP BY c.owner_organization_id;
    RETURN QUERY
    SELECT c.owner_organization_id, 'homecomings', NULL::text, NULL::text, count(*)
    FROM assistance a JOIN cases c ON c.id = a.case_id
    WHERE a.type = 'homecoming' AND a.status = 'completed'
      AND coalesce(a.ended_on, (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date) >= d_from
      AND coalesce(a.ended_on, (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date) < d_to
    GROUP BY c.owner_organization_id;
END;
$$;
REVOKE ALL ON FUNCTION jardam_indicator_org_counts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_indicator_org_counts(timestamptz, timestamptz) TO jardam_app;

-- Release marks of rows dated by one column (TG_ARGV[0]): stage moves
-- (moved_at) and referral events (at). A backdated row, or a deletion,
-- marks its period.
CREATE FUNCTION jardam_release_mark_dated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT jardam_release_mark(array_agg((n.%I AT TIME ZONE %L)::date)) FROM release_new n',
                       TG_ARGV[0], 'Asia/Bishkek');
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('SELECT jardam_release_mark(array_agg((o.%I AT TIME ZONE %L)::date)) FROM release_old o',
                       TG_ARGV[0], 'Asia/Bishkek');
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION jardam_release_mark_dated() FROM PUBLIC;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('case_stage_moves', 'moved_at'), ('referral_events', 'at')) AS v(tab, col)
    LOOP
        EXECUTE format('DROP TRIGGER release_mark_ins ON %I', t.tab);
        EXECUTE format('DROP TRIGGER release_mark_del ON %I', t.tab);
        EXECUTE format('DROP TRIGGER release_mark_upd ON %I', t.tab);
        EXECUTE format('CREATE TRIGGER release_mark_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS release_new
                        FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_dated(%L)', t.tab, t.col);
        EXECUTE format('CREATE TRIGGER release_mark_del AFTER DELETE ON %I REFERENCING OLD TABLE AS release_old
                        FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_dated(%L)', t.tab, t.col);
        EXECUTE format('CREATE TRIGGER release_mark_upd AFTER UPDATE ON %I REFERENCING OLD TABLE AS release_old NEW TABLE AS release_new
                        FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_dated(%L)', t.tab, t.col);
    END LOOP;
END;
$$;

DROP FUNCTION jardam_release_mark_moved();
DROP FUNCTION jardam_release_mark_events();
