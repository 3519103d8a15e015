-- The half-year reports' figures and the budget's actual spending join the
-- statistical release of their year (docs/disclosure.md). A sum of costs is
-- withheld when from 1 to k-1 persons contribute to it, or when one person
-- contributes more than half of it (dominance): these functions give, per
-- sum, the number of persons behind it and the largest amount one person
-- contributes. Counts and sums only; no person is named.
--
-- Locks: functions, and statement triggers on activities (a brief SHARE ROW EXCLUSIVE lock, no
--        scan).

-- Costs of assistance in the half-year reports: assistance given (in
-- progress or completed) with a cost, started in [p_from, p_to) (the day it
-- started, or was recorded), as jardam_report_figures sums it into
-- spending_kgs; per provider and measure, and per measure over every
-- provider (organization_id NULL), where a person's contribution is the sum
-- of their costs across providers.
CREATE FUNCTION jardam_report_cost_contributors(p_from timestamptz, p_to timestamptz, p_codes text[])
RETURNS TABLE (organization_id uuid, measure_code text, persons bigint, largest_kgs numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    d_from date := (p_from AT TIME ZONE 'Asia/Bishkek')::date;
    d_to   date := (p_to AT TIME ZONE 'Asia/Bishkek')::date;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from >= p_to OR p_to > now() THEN
        RAISE EXCEPTION 'cost contributors cover ended periods only' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH given AS (
        SELECT a.provider_organization_id AS org, m.code AS code, a.case_id AS person, a.cost_kgs AS cost
        FROM assistance a CROSS JOIN LATERAL unnest(a.measure_codes) AS m(code)
        WHERE m.code = ANY (p_codes) AND a.status IN ('in_progress', 'completed') AND a.cost_kgs IS NOT NULL
          AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date) >= d_from
          AND coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date) < d_to
    ), per_org AS (
        SELECT x.org, x.code, x.person, sum(x.cost) AS kgs FROM given x GROUP BY x.org, x.code, x.person
    ), per_code AS (
        SELECT x.code, x.person, sum(x.cost) AS kgs FROM given x GROUP BY x.code, x.person
    )
    SELECT p.org, p.code, count(*)::bigint, max(p.kgs) FROM per_org p GROUP BY p.org, p.code
    UNION ALL
    SELECT NULL::uuid, p.code, count(*)::bigint, max(p.kgs) FROM per_code p GROUP BY p.code;
END;
$fn$;

-- Costs of assistance behind a year's actual spending (jardam_budget_actuals):
-- per measure and funding source, per measure (funding_source NULL), and
-- over every measure of p_codes (both NULL; assistance implementing several
-- measures counts under each, as the program's total adds it).
CREATE FUNCTION jardam_budget_cost_contributors(p_year integer, p_codes text[])
RETURNS TABLE (measure_code text, funding_source text, persons bigint, largest_kgs numeric)
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
          AND extract(year FROM coalesce(a.started_on, (a.created_at AT TIME ZONE 'Asia/Bishkek')::date)) = p_year
    ), per_person AS (
        SELECT x.code, x.src, x.person, sum(x.cost) AS kgs
        FROM given x GROUP BY GROUPING SETS ((x.code, x.src, x.person), (x.code, x.person), (x.person))
    )
    SELECT p.code, p.src, count(*)::bigint, max(p.kgs) FROM per_person p GROUP BY p.code, p.src;
END;
$fn$;

-- Activities held in an ended month change the reports' and the budget's
-- figures of that month's year: they mark it like the other records.
CREATE FUNCTION jardam_release_mark_activities() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(n.held_on)) FROM release_new n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(o.held_on)) FROM release_old o;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER release_mark_ins AFTER INSERT ON activities REFERENCING NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_activities();
CREATE TRIGGER release_mark_del AFTER DELETE ON activities REFERENCING OLD TABLE AS release_old
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_activities();
CREATE TRIGGER release_mark_upd AFTER UPDATE ON activities REFERENCING OLD TABLE AS release_old NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_activities();

REVOKE ALL ON FUNCTION jardam_release_mark_activities() FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_report_cost_contributors(timestamptz, timestamptz, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_budget_cost_contributors(integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_report_cost_contributors(timestamptz, timestamptz, text[]) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_budget_cost_contributors(integer, text[]) TO jardam_app;
