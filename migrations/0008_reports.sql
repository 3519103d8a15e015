-- Half-year reports on the Program measures and the budget's actual
-- spending (Appendix 4).
--
-- Each body listed for a measure (responsible or co-executing) reports on
-- its measures for every half-year: figures come from its records, a
-- narrative per measure is typed by its supervisors, and the report goes
-- from draft to submitted once. The coordinating body's coordinators write
-- the consolidated summary (kind 'summary') the same way. Report rows are
-- kept to their own organization by row-level security; the narrow doors
-- below let other organizations read the state and narratives of a report
-- of an ended half-year only, and compute figures as aggregates only.
--
-- Locks: new tables only; locks nothing that holds data.

CREATE TABLE half_year_reports (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    half             smallint NOT NULL CHECK (half IN (1, 2)),
    kind             text NOT NULL CHECK (kind IN ('body', 'summary')),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    submitted_at     timestamptz,
    submitted_by     uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, year, half, kind),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL AND submitted_by IS NOT NULL))
);
CREATE INDEX half_year_reports_period_idx ON half_year_reports (year, half);

-- One narrative per measure of a report; no personal data belongs here.
CREATE TABLE half_year_report_narratives (
    report_id     uuid NOT NULL REFERENCES half_year_reports (id),
    measure_code  text NOT NULL REFERENCES measures (code),
    text          text NOT NULL CHECK (length(text) <= 10000),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by    uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (report_id, measure_code)
);

ALTER TABLE half_year_reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY half_year_reports_own_org ON half_year_reports
    USING (organization_id = jardam_current_org())
    WITH CHECK (organization_id = jardam_current_org());

ALTER TABLE half_year_report_narratives ENABLE ROW LEVEL SECURITY;
CREATE POLICY half_year_report_narratives_via_report ON half_year_report_narratives
    USING (EXISTS (SELECT 1 FROM half_year_reports r WHERE r.id = report_id))
    WITH CHECK (EXISTS (SELECT 1 FROM half_year_reports r WHERE r.id = report_id));

GRANT SELECT, INSERT, UPDATE ON half_year_reports TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON half_year_report_narratives TO jardam_app;

-- The instant a half-year ends (Asia/Bishkek).
CREATE FUNCTION jardam_half_year_end(p_year integer, p_half integer) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT (make_date(p_year, 1, 1) + make_interval(months => 6 * p_half))::timestamp AT TIME ZONE 'Asia/Bishkek'
$$;

-- The state of every report of a half-year: of any organization once the
-- half-year has ended, of the caller's own organization before. Answers
-- states only (no narrative, no figure).
CREATE FUNCTION jardam_report_states(p_year integer, p_half integer)
RETURNS TABLE (organization_id uuid, kind text, status text, submitted_at timestamptz, submitted_by uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.organization_id, r.kind, r.status, r.submitted_at, r.submitted_by
    FROM half_year_reports r
    WHERE r.year = p_year AND r.half = p_half
      AND (r.organization_id = jardam_current_org() OR jardam_half_year_end(p_year, p_half) <= now())
$$;

-- The narratives of one report: of any organization once the half-year has
-- ended, of the caller's own organization before.
CREATE FUNCTION jardam_report_narratives(p_org uuid, p_year integer, p_half integer, p_kind text)
RETURNS TABLE (measure_code text, text text, updated_at timestamptz, updated_by uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT n.measure_code, n.text, n.updated_at, n.updated_by
    FROM half_year_report_narratives n JOIN half_year_reports r ON r.id = n.report_id
    WHERE r.organization_id = p_org AND r.year = p_year AND r.half = p_half AND r.kind = p_kind
      AND (r.organization_id = jardam_current_org() OR jardam_half_year_end(p_year, p_half) <= now())
$$;

-- The figures of the half-year reports over [p_from, p_to) for the measures
-- p_codes: per organization and measure (organization_id set) and per
-- measure over every organization (organization_id NULL), as (figure,
-- value) pairs; only non-empty groups are returned. With p_org set, only
-- that organization's records count. A period that has not ended is
-- answered for the caller's own organization only. It runs with the
-- owner's rights (past row-level security) and returns counts and sums
-- only: never a case, a person or an identity column. The service
-- suppresses small figures before anyone else sees them. Figures (see
-- package reports for their definitions): persons_identified,
-- persons_assisted, assistance_services, cost_persons (persons whose
-- assistance started in the period has a cost), assistance_kgs,
-- activities_held, people_reached, officials_trained, activity_kgs.
CREATE FUNCTION jardam_report_figures(p_org uuid, p_from timestamptz, p_to timestamptz, p_codes text[])
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
CREATE FUNCTION jardam_budget_actuals(p_year integer, p_codes text[])
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

DO $$
BEGIN
    REVOKE ALL ON FUNCTION jardam_report_states(integer, integer) FROM PUBLIC;
    REVOKE ALL ON FUNCTION jardam_report_narratives(uuid, integer, integer, text) FROM PUBLIC;
    REVOKE ALL ON FUNCTION jardam_report_figures(uuid, timestamptz, timestamptz, text[]) FROM PUBLIC;
    REVOKE ALL ON FUNCTION jardam_budget_actuals(integer, text[]) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION jardam_report_states(integer, integer) TO jardam_app;
    GRANT EXECUTE ON FUNCTION jardam_report_narratives(uuid, integer, integer, text) TO jardam_app;
    GRANT EXECUTE ON FUNCTION jardam_report_figures(uuid, timestamptz, timestamptz, text[]) TO jardam_app;
    GRANT EXECUTE ON FUNCTION jardam_budget_actuals(integer, text[]) TO jardam_app;
END;
$$;

-- Narratives link to measures too: an import must not remove a measure a
-- narrative is written on.
CREATE OR REPLACE FUNCTION jardam_measure_codes_in_use() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT unnest(measure_codes) FROM cases
    UNION SELECT unnest(measure_codes) FROM assistance
    UNION SELECT measure_code FROM activities
    UNION SELECT measure_code FROM half_year_report_narratives
$$;
