-- Report figures and budget actuals at scale (docs/performance.md).
--
-- Both selected the assistance of a period by conditions on computed days
-- (the day it started, or was recorded; the day it ended, or was last
-- changed when completed, or never), which no index answered: every
-- assistance row was read for every report (a million cases: about 9 s).
-- jardam_assistance_days gives those days as one date range, indexed with
-- GiST; the functions first select the rows whose range overlaps the
-- period (a superset of what each figure counts: assistance that started
-- in the period overlaps it), then apply their own conditions unchanged.
-- When an end day falls before the start day (a completed record without
-- an end date, recorded after it was marked completed), the range is the
-- start day alone, so that it is never invalid.
--
-- Locks: builds an index on assistance without CONCURRENTLY: writes to assistance wait while it
--        builds.

CREATE FUNCTION jardam_assistance_days(p_started date, p_ended date, p_status text,
                                       p_created timestamptz, p_updated timestamptz)
RETURNS daterange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT daterange(x.s, greatest(x.e, x.s), '[]')
    FROM (SELECT coalesce(p_started, (p_created AT TIME ZONE 'Asia/Bishkek')::date) AS s,
                 coalesce(p_ended, CASE WHEN p_status = 'completed' THEN (p_updated AT TIME ZONE 'Asia/Bishkek')::date END,
                          'infinity'::date) AS e) AS x
$$;

CREATE INDEX assistance_days_idx ON assistance
    USING gist (jardam_assistance_days(started_on, ended_on, status, created_at, updated_at))
    WHERE status IN ('in_progress', 'completed');

CREATE OR REPLACE FUNCTION jardam_report_figures(p_org uuid, p_from timestamptz, p_to timestamptz, p_codes text[])
RETURNS TABLE (organization_id uuid, measure_code text, figure text, value numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from >= p_to THEN
        RAISE EXCEPTION 'report figures need a period' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_to > now() AND (p_org IS NULL OR p_org IS DISTINCT FROM jardam_current_org()) THEN
        RAISE EXCEPTION 'figures of a period that has not ended are for the organization itself only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    WITH ident AS (
        SELECT c.owner_organization_id AS org, m.code AS code, c.id AS person
        FROM cases c CROSS JOIN LATERAL unnest(c.measure_codes) AS m(code)
        WHERE m.code = ANY (p_codes) AND c.identified_at >= p_from AND c.identified_at < p_to
          AND (p_org IS NULL OR c.owner_organization_id = p_org)
    ), given AS (
        SELECT a.provider_organization_id AS org, m.code AS code, a.case_id AS person, a.id AS service, a.cost_kgs AS cost,
               coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date) AS start_day,
               coalesce(a.ended_on, CASE WHEN a.status = 'completed' THEN (a.updated_at AT TIME ZONE 'Asia/Bishkek')::date END,
                        'infinity'::date) AS end_day
        FROM assistance a CROSS JOIN LATERAL unnest(a.measure_codes) AS m(code)
        WHERE m.code = ANY (p_codes) AND a.status IN ('in_progress', 'completed')
          AND jardam_assistance_days(a.started_on, a.ended_on, a.status, a.created_at, a.updated_at)
              && daterange(d_from, d_to, '[)')
          AND (p_org IS NULL OR a.provider_organization_id = p_org)
    ), act AS (
        SELECT a.organization_id AS org, a.measure_code AS code, a.kind AS kind, a.people_reached AS reached,
               a.participants_female + a.participants_male + a.participants_other AS participants, a.cost_kgs AS cost
        FROM activities a
        WHERE a.measure_code = ANY (p_codes) AND a.held_on >= d_from AND a.held_on < d_to
          AND (p_org IS NULL OR a.organization_id = p_org)
    ), i AS (
        SELECT x.org, x.code, count(DISTINCT x.person) AS persons
        FROM ident x GROUP BY GROUPING SETS ((x.org, x.code), (x.code))
    ), g AS (
        SELECT x.org, x.code, count(DISTINCT x.person) AS persons, count(DISTINCT x.service) AS services
        FROM given x WHERE x.start_day < d_to AND x.end_day >= d_from
        GROUP BY GROUPING SETS ((x.org, x.code), (x.code))
    ), s AS (
        SELECT x.org, x.code, count(DISTINCT x.person) AS persons, sum(x.cost) AS kgs
        FROM given x WHERE x.cost IS NOT NULL AND x.start_day >= d_from AND x.start_day < d_to
        GROUP BY GROUPING SETS ((x.org, x.code), (x.code))
    ), t AS (
        SELECT x.org, x.code, count(*) AS held, coalesce(sum(x.reached), 0) AS reached,
               coalesce(sum(x.participants) FILTER (WHERE x.kind = 'training'), 0) AS trained,
               coalesce(sum(x.cost), 0) AS kgs
        FROM act x GROUP BY GROUPING SETS ((x.org, x.code), (x.code))
    )
    SELECT i.org, i.code, 'persons_identified'::text, i.persons::numeric FROM i
    UNION ALL
    SELECT g.org, g.code, f.figure, f.value FROM g
        CROSS JOIN LATERAL (VALUES ('persons_assisted'::text, g.persons::numeric), ('assistance_services', g.services::numeric)) AS f(figure, value)
    UNION ALL
    SELECT s.org, s.code, f.figure, f.value FROM s
        CROSS JOIN LATERAL (VALUES ('cost_persons'::text, s.persons::numeric), ('assistance_kgs', s.kgs)) AS f(figure, value)
    UNION ALL
    SELECT t.org, t.code, f.figure, f.value FROM t
        CROSS JOIN LATERAL (VALUES ('activities_held'::text, t.held::numeric), ('people_reached', t.reached::numeric),
                                   ('officials_trained', t.trained::numeric), ('activity_kgs', t.kgs)) AS f(figure, value);
END;
$fn$;

-- Actual spending of a year that has ended (Asia/Bishkek) on the measures
-- p_codes, per measure and funding source (funding_source NULL: every
-- source): the cost of assistance given (in progress or completed) that
-- started in the year, with the distinct persons behind it, and the cost
-- of activities held in the year. A cost without a funding source counts
-- under 'other'. Sums and counts only.
CREATE OR REPLACE FUNCTION jardam_budget_actuals(p_year integer, p_codes text[])
RETURNS TABLE (measure_code text, funding_source text, persons bigint, assistance_kgs numeric, activity_kgs numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
    IF p_year IS NULL OR (make_date(p_year + 1, 1, 1)::timestamp AT TIME ZONE 'Asia/Bishkek') > now() THEN
        RAISE EXCEPTION 'actual spending covers ended years only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH given AS (
        SELECT m.code AS code, coalesce(a.funding_source, 'other') AS src, a.case_id AS person, a.cost_kgs AS cost
        FROM assistance a CROSS JOIN LATERAL unnest(a.measure_codes) AS m(code)
        WHERE m.code = ANY (p_codes) AND a.status IN ('in_progress', 'completed') AND a.cost_kgs IS NOT NULL
          AND jardam_assistance_days(a.started_on, a.ended_on, a.status, a.created_at, a.updated_at)
              && daterange(make_date(p_year, 1, 1), make_date(p_year + 1, 1, 1), '[)')
          AND extract(year FROM coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)) = p_year
    ), act AS (
        SELECT a.measure_code AS code, coalesce(a.funding_source, 'other') AS src, a.cost_kgs AS cost
        FROM activities a
        WHERE a.measure_code = ANY (p_codes) AND a.cost_kgs IS NOT NULL AND extract(year FROM a.held_on) = p_year
    ), g AS (
        SELECT x.code, x.src, count(DISTINCT x.person) AS persons, sum(x.cost) AS kgs
        FROM given x GROUP BY GROUPING SETS ((x.code, x.src), (x.code))
    ), t AS (
        SELECT x.code, x.src, sum(x.cost) AS kgs
        FROM act x GROUP BY GROUPING SETS ((x.code, x.src), (x.code))
    )
    SELECT coalesce(g.code, t.code), coalesce(g.src, t.src), coalesce(g.persons, 0)::bigint,
           coalesce(g.kgs, 0)::numeric, coalesce(t.kgs, 0)::numeric
    FROM g FULL JOIN t ON t.code = g.code AND t.src IS NOT DISTINCT FROM g.src;
END;
$fn$;

