-- Statistics rollups per person and period for the aggregates that do not
-- add up over months (docs/performance.md, "Statistics per person and
-- period").
--
-- Which aggregates. cases_by_stage (the stage at the end of the period),
-- assistance_by_type_provider_kind and assistance_by_measure (persons whose
-- assistance started in the period), referrals_by_outcome and
-- referrals_by_response_time (persons referred in the period, by the state
-- at its end), and the series persons_assisted and persons_referred. A
-- person assisted in two months counts once in their half-year, so these
-- cannot be summed from monthly counts (migration 0014); they were counted
-- from the records for every period of every release, twice (nationally and
-- per owning organization), 0.3 to 7 s each at a million cases.
--
-- What is kept. stats_person_cells holds, per aggregate, ended period and
-- person (the case), the owning organization and the person's cell set: the
-- distinct raw dimension values the aggregate gives the person in that
-- period (for the two-dimensional assistance_by_type_provider_kind, the
-- pairs type U+001F provider kind). stats_person_counts holds, per
-- aggregate, period, organization and cell set, the number of persons:
-- exactly the grouped rows of stats_person_cells, kept beside them by the
-- refresh. A period's counts are read from stats_person_counts (a few
-- hundred rows) and mapped onto the grids when read, as the monthly cells
-- are (a measure grid that changes needs no new rollup; two values of one
-- person under one grid cell count the person once). stats_person_periods
-- lists the (aggregate, period) pairs built. Months are built for the
-- series, half-years and years for the tables. The cells hold a case's
-- identifier with statistical values only (what the statistics role reads
-- of every case anyway); only the statistics role reads them.
--
-- Invalidation. Triggers on every record these aggregates read mark the
-- person (the case) in stats_dirty_persons, keyed by case AND writing
-- transaction (as stats_dirty_months, migration 0014: a refresh never
-- deletes the mark of a change it did not see): a case inserted, deleted, or
-- updated in identification time, owner or stage; an assistance, referral,
-- stage move or referral event written or deleted. Writes that cannot reach
-- an ended period (a case identified, an assistance started, a referral or
-- referral event made in the current month) are not marked; a stage move
-- always is (a first move changes the stage of ended periods too). The
-- triggers are enabled ALWAYS, so a bulk load as replica marks its persons.
-- A change of an organization's kind is not tracked (the provider kinds of
-- assistance_by_type_provider_kind).
--
-- Refresh. jardam_stats_person_refresh(from, to), run in its own
-- read-committed transaction before a release is computed, under one
-- transaction-level advisory lock: it deletes the marks first, then, in
-- later statements, takes the marked persons' rows out of the counts,
-- recomputes their cells for every built period and adds them back; then
-- builds the periods of [from, to) not built yet. More than 20 000 marked
-- persons (a bulk load) forget every built period instead, which are built
-- again whole.
--
-- Reading. jardam_stats_person_org_counts answers exactly as
-- jardam_stats_org_counts for these aggregates: the stored counts of the
-- period, less the stored cells and plus the recomputed cells of the
-- persons still marked in the caller's snapshot; a period not built is
-- counted from the records. A stale rollup costs time, never a wrong count.
-- jardam_stats_person_counts is its national sum.
--
-- jardam_stats_base(aggregate) holds the query of each aggregate's rows
-- (person, d0, d1) over [$1, $2), shared by jardam_stats_org_counts and the
-- rollups.
--
-- Locks: new rollup tables; statement triggers on cases, assistance, referrals, case_stage_moves
--        and referral_events (a brief SHARE ROW EXCLUSIVE lock on each, no scan). The rollups fill
--        later, outside the migration.

CREATE TABLE stats_person_cells (
    aggregate   text        NOT NULL,
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL,
    case_id     uuid        NOT NULL,
    org         uuid        NOT NULL,
    cells       text[]      NOT NULL,
    PRIMARY KEY (aggregate, period_from, period_to, case_id)
);
CREATE INDEX stats_person_cells_case_idx ON stats_person_cells (case_id);

CREATE TABLE stats_person_counts (
    aggregate   text        NOT NULL,
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL,
    org         uuid        NOT NULL,
    cells       text[]      NOT NULL,
    persons     bigint      NOT NULL CHECK (persons > 0),
    PRIMARY KEY (aggregate, period_from, period_to, org, cells)
);

CREATE TABLE stats_person_periods (
    aggregate   text        NOT NULL,
    period_from timestamptz NOT NULL,
    period_to   timestamptz NOT NULL,
    built_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate, period_from, period_to)
);

CREATE TABLE stats_dirty_persons (
    case_id uuid NOT NULL,
    xact    xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (case_id, xact)
);

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER TABLE stats_person_cells OWNER TO jardam_stats;
ALTER TABLE stats_person_counts OWNER TO jardam_stats;
ALTER TABLE stats_person_periods OWNER TO jardam_stats;
ALTER TABLE stats_dirty_persons OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON stats_person_cells, stats_person_counts, stats_person_periods, stats_dirty_persons FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT INSERT ON stats_dirty_persons TO %I', current_user);
END;
$$;

-- The rows of an aggregate over [$1, $2): person_id, d0, d1 (the queries of
-- jardam_stats_org_counts, migration 0020).
CREATE FUNCTION jardam_stats_base(aggregate text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE aggregate
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
    END
$fn$;

-- The per-organization counts of migration 0020, the queries now from
-- jardam_stats_base.
CREATE OR REPLACE FUNCTION jardam_stats_org_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                                   grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (org uuid, d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    base text := jardam_stats_base(aggregate);
BEGIN
    -- Whole ended months only (raises otherwise).
    PERFORM jardam_stats_period_months(period_from, period_to);
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

-- The aggregates kept per person and period, and whether each is a series
-- (kept per month) or a table (per half-year and year).
CREATE FUNCTION jardam_stats_person_aggregates() RETURNS TABLE (aggregate text, series boolean)
LANGUAGE sql IMMUTABLE AS $fn$
    VALUES ('cases_by_stage', false), ('assistance_by_type_provider_kind', false), ('assistance_by_measure', false),
           ('referrals_by_outcome', false), ('referrals_by_response_time', false),
           ('persons_assisted', true), ('persons_referred', true)
$fn$;

-- Each person's cell set of aggregate over [period_from, period_to), with
-- the owner of their case; only the persons of case_ids unless NULL.
CREATE FUNCTION jardam_stats_person_sets(aggregate text, period_from timestamptz, period_to timestamptz, case_ids uuid[])
RETURNS TABLE (case_id uuid, org uuid, cells text[])
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $fn$
DECLARE
    base text := jardam_stats_base(aggregate);
BEGIN
    IF base IS NULL OR NOT EXISTS (SELECT 1 FROM jardam_stats_person_aggregates() a WHERE a.aggregate = jardam_stats_person_sets.aggregate) THEN
        RAISE EXCEPTION 'not an aggregate kept per person' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE
        'SELECT b.person_id, c.owner_organization_id,
                array_agg(DISTINCT CASE WHEN b.d1 IS NULL THEN b.d0 ELSE b.d0 || chr(31) || b.d1 END)
         FROM (' || base || ') b JOIN cases c ON c.id = b.person_id'
        || CASE WHEN case_ids IS NULL THEN '' ELSE ' WHERE b.person_id = ANY ($3)' END
        || ' GROUP BY b.person_id, c.owner_organization_id'
        USING period_from, period_to, case_ids;
END;
$fn$;

-- The periods an aggregate is kept for within [period_from, period_to):
-- every whole month for a series, every whole half-year and year for a table.
CREATE FUNCTION jardam_stats_person_periods_in(series boolean, period_from timestamptz, period_to timestamptz)
RETURNS TABLE (p_from timestamptz, p_to timestamptz)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
    SELECT (m::timestamp AT TIME ZONE 'Asia/Bishkek'), ((m + l.len)::timestamp AT TIME ZONE 'Asia/Bishkek')
    FROM unnest(jardam_stats_period_months(period_from, period_to)) AS m
    CROSS JOIN (VALUES (interval '1 month', true), (interval '6 months', false), (interval '12 months', false)) AS l(len, s)
    WHERE l.s = series
      AND (l.len <> interval '6 months' OR extract(month FROM m) IN (1, 7))
      AND (l.len <> interval '12 months' OR extract(month FROM m) = 1)
      AND ((m + l.len)::timestamp AT TIME ZONE 'Asia/Bishkek') <= period_to
$fn$;

-- Applies the cells of the persons of case_ids as they are now to every
-- built period: their stored rows leave the counts, their recomputed rows
-- join them.
CREATE FUNCTION jardam_stats_person_recount(case_ids uuid[]) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $fn$
DECLARE
    p record;
BEGIN
    -- Counts the persons leave whole first, then the others.
    DELETE FROM stats_person_counts n
    USING (SELECT s.aggregate, s.period_from, s.period_to, s.org, s.cells, count(*) AS k
           FROM stats_person_cells s WHERE s.case_id = ANY (case_ids)
           GROUP BY 1, 2, 3, 4, 5) o
    WHERE (n.aggregate, n.period_from, n.period_to, n.org, n.cells) = (o.aggregate, o.period_from, o.period_to, o.org, o.cells)
      AND o.k >= n.persons;
    UPDATE stats_person_counts n SET persons = n.persons - o.k
    FROM (SELECT s.aggregate, s.period_from, s.period_to, s.org, s.cells, count(*) AS k
          FROM stats_person_cells s WHERE s.case_id = ANY (case_ids)
          GROUP BY 1, 2, 3, 4, 5) o
    WHERE (n.aggregate, n.period_from, n.period_to, n.org, n.cells) = (o.aggregate, o.period_from, o.period_to, o.org, o.cells)
      AND o.k < n.persons;
    DELETE FROM stats_person_cells s WHERE s.case_id = ANY (case_ids);
    FOR p IN SELECT * FROM stats_person_periods LOOP
        INSERT INTO stats_person_cells (aggregate, period_from, period_to, case_id, org, cells)
        SELECT p.aggregate, p.period_from, p.period_to, x.case_id, x.org, x.cells
        FROM jardam_stats_person_sets(p.aggregate, p.period_from, p.period_to, case_ids) x;
    END LOOP;
    INSERT INTO stats_person_counts AS n (aggregate, period_from, period_to, org, cells, persons)
    SELECT s.aggregate, s.period_from, s.period_to, s.org, s.cells, count(*)
    FROM stats_person_cells s WHERE s.case_id = ANY (case_ids)
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (aggregate, period_from, period_to, org, cells) DO UPDATE SET persons = n.persons + EXCLUDED.persons;
END;
$fn$;

-- Brings the rollups per person up to date: the marked persons first, then
-- the periods of [period_from, period_to) (whole ended months) not built.
-- Returns the number of periods built. Run it in a read-committed
-- transaction of its own: each statement then sees what the previous
-- committed.
CREATE FUNCTION jardam_stats_person_refresh(period_from timestamptz, period_to timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    dirty uuid[];
    a record;
    p record;
    n integer := 0;
BEGIN
    PERFORM jardam_stats_period_months(period_from, period_to);
    PERFORM pg_advisory_xact_lock(hashtext('jardam_stats_person_rollup'));
    -- The marks go first: the cells below are computed from later
    -- snapshots, which hold every change whose mark this deletes.
    WITH d AS (DELETE FROM stats_dirty_persons RETURNING stats_dirty_persons.case_id)
    SELECT array_agg(DISTINCT d.case_id) INTO dirty FROM d;
    IF cardinality(dirty) > 20000 THEN
        DELETE FROM stats_person_periods;
        DELETE FROM stats_person_counts;
        DELETE FROM stats_person_cells;
    ELSIF cardinality(dirty) > 0 THEN
        PERFORM jardam_stats_person_recount(dirty);
    END IF;
    FOR a IN SELECT * FROM jardam_stats_person_aggregates() LOOP
        FOR p IN SELECT * FROM jardam_stats_person_periods_in(a.series, period_from, period_to) x
                 WHERE NOT EXISTS (SELECT 1 FROM stats_person_periods b WHERE b.aggregate = a.aggregate
                                   AND b.period_from = x.p_from AND b.period_to = x.p_to) LOOP
            INSERT INTO stats_person_cells (aggregate, period_from, period_to, case_id, org, cells)
            SELECT a.aggregate, p.p_from, p.p_to, x.case_id, x.org, x.cells
            FROM jardam_stats_person_sets(a.aggregate, p.p_from, p.p_to, NULL) x;
            INSERT INTO stats_person_counts (aggregate, period_from, period_to, org, cells, persons)
            SELECT s.aggregate, s.period_from, s.period_to, s.org, s.cells, count(*)
            FROM stats_person_cells s
            WHERE s.aggregate = a.aggregate AND s.period_from = p.p_from AND s.period_to = p.p_to
            GROUP BY 1, 2, 3, 4, 5;
            INSERT INTO stats_person_periods (aggregate, period_from, period_to) VALUES (a.aggregate, p.p_from, p.p_to);
            n := n + 1;
        END LOOP;
    END LOOP;
    RETURN n;
END;
$fn$;

-- The counts of jardam_stats_org_counts for an aggregate kept per person:
-- the stored counts of the period, corrected for the persons still marked in
-- the caller's snapshot; counted from the records when the period is not
-- built or too many persons are marked. Same arguments, checks and rows.
CREATE FUNCTION jardam_stats_person_org_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                               grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (org uuid, d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    dirty uuid[];
BEGIN
    PERFORM jardam_stats_period_months(period_from, period_to);
    dirty := ARRAY(SELECT DISTINCT d.case_id FROM stats_dirty_persons d);
    IF cardinality(dirty) > 20000 OR NOT EXISTS (SELECT 1 FROM stats_person_periods b
            WHERE b.aggregate = jardam_stats_person_org_counts.aggregate
              AND b.period_from = jardam_stats_person_org_counts.period_from
              AND b.period_to = jardam_stats_person_org_counts.period_to) THEN
        RETURN QUERY SELECT * FROM jardam_stats_org_counts(aggregate, period_from, period_to, grid0, fallback0, grid1, fallback1);
        RETURN;
    END IF;
    RETURN QUERY
    WITH sets AS (
        SELECT n.org, n.cells, n.persons AS k FROM stats_person_counts n
        WHERE n.aggregate = jardam_stats_person_org_counts.aggregate
          AND n.period_from = jardam_stats_person_org_counts.period_from AND n.period_to = jardam_stats_person_org_counts.period_to
        UNION ALL
        SELECT s.org, s.cells, -1 FROM stats_person_cells s
        WHERE cardinality(dirty) > 0 AND s.case_id = ANY (dirty) AND s.aggregate = jardam_stats_person_org_counts.aggregate
          AND s.period_from = jardam_stats_person_org_counts.period_from AND s.period_to = jardam_stats_person_org_counts.period_to
        UNION ALL
        SELECT x.org, x.cells, 1 FROM jardam_stats_person_sets(aggregate, period_from, period_to, dirty) x
        WHERE cardinality(dirty) > 0
    ), mapped AS (
        -- Each distinct grid cell of the person's values (two dimensions:
        -- of the pairs).
        SELECT s.org, g.g0, g.g1, s.k FROM sets s CROSS JOIN LATERAL (
            SELECT DISTINCT
                CASE WHEN split_part(v, chr(31), 1) = ANY (grid0) THEN split_part(v, chr(31), 1) ELSE fallback0 END AS g0,
                CASE WHEN grid1 IS NULL THEN NULL
                     WHEN split_part(v, chr(31), 2) = ANY (grid1) THEN split_part(v, chr(31), 2) ELSE fallback1 END AS g1
            FROM unnest(s.cells) AS v) g
    )
    SELECT m.org, m.g0, m.g1, sum(m.k)::bigint, false FROM mapped m GROUP BY m.org, m.g0, m.g1 HAVING sum(m.k) > 0
    UNION ALL
    SELECT s.org, NULL::text, NULL::text, sum(s.k)::bigint, true FROM sets s GROUP BY s.org HAVING sum(s.k) > 0;
END;
$fn$;

-- The national counts: the sum of the organizations'.
CREATE FUNCTION jardam_stats_person_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                           grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
    WITH o AS (SELECT * FROM jardam_stats_person_org_counts(aggregate, period_from, period_to, grid0, fallback0, grid1, fallback1))
    SELECT o.d0, o.d1, sum(o.persons)::bigint, false FROM o WHERE NOT o.is_total GROUP BY o.d0, o.d1
    UNION ALL
    SELECT NULL, NULL, coalesce(sum(o.persons), 0)::bigint, true FROM o WHERE o.is_total
$fn$;

-- Marks. The trigger functions run with the owner's rights whoever writes
-- (row-level security does not apply to transition tables or to the marks).
-- A record dated before the current month (Asia/Bishkek) may be in an ended
-- period.
CREATE FUNCTION jardam_stats_person_mark(case_ids uuid[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
    INSERT INTO stats_dirty_persons (case_id)
    SELECT DISTINCT x FROM unnest(case_ids) AS x WHERE x IS NOT NULL
    ON CONFLICT DO NOTHING
$fn$;

CREATE FUNCTION jardam_stats_person_mark_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    month_start timestamptz := date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek';
    -- The expression of a row's case and of its date, per table.
    person text := CASE TG_TABLE_NAME WHEN 'cases' THEN 'x.id' WHEN 'referral_events'
        THEN '(SELECT r.case_id FROM referrals r WHERE r.id = x.referral_id)' ELSE 'x.case_id' END;
    dated text := CASE TG_TABLE_NAME
        WHEN 'cases' THEN 'x.identified_at'
        WHEN 'assistance' THEN '(coalesce(x.started_on, (x.created_at AT TIME ZONE ''Asia/Bishkek'')::date)::timestamp AT TIME ZONE ''Asia/Bishkek'')'
        WHEN 'referrals' THEN 'x.created_at'
        WHEN 'referral_events' THEN 'x.at'
        ELSE '''-infinity''::timestamptz' END;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT jardam_stats_person_mark(array_agg(%s)) FROM stats_new x WHERE %s < $1', person, dated)
            USING month_start;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('SELECT jardam_stats_person_mark(array_agg(%s)) FROM stats_old x WHERE %s < $1', person, dated)
            USING month_start;
    END IF;
    RETURN NULL;
END;
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_base(text) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_aggregates() OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_sets(text, timestamptz, timestamptz, uuid[]) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_periods_in(boolean, timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_recount(uuid[]) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_refresh(timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_person_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_base(text), jardam_stats_person_aggregates(),
    jardam_stats_person_sets(text, timestamptz, timestamptz, uuid[]),
    jardam_stats_person_periods_in(boolean, timestamptz, timestamptz), jardam_stats_person_recount(uuid[]),
    jardam_stats_person_refresh(timestamptz, timestamptz),
    jardam_stats_person_org_counts(text, timestamptz, timestamptz, text[], text, text[], text),
    jardam_stats_person_counts(text, timestamptz, timestamptz, text[], text, text[], text),
    jardam_stats_person_mark(uuid[]), jardam_stats_person_mark_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_person_refresh(timestamptz, timestamptz) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_stats_person_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_stats_person_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cases', 'assistance', 'referrals', 'case_stage_moves', 'referral_events'] LOOP
        EXECUTE format('CREATE TRIGGER stats_person_mark_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS stats_new
                        FOR EACH STATEMENT EXECUTE FUNCTION jardam_stats_person_mark_rows()', t);
        EXECUTE format('CREATE TRIGGER stats_person_mark_del AFTER DELETE ON %I REFERENCING OLD TABLE AS stats_old
                        FOR EACH STATEMENT EXECUTE FUNCTION jardam_stats_person_mark_rows()', t);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER stats_person_mark_ins', t);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER stats_person_mark_del', t);
        IF t <> 'cases' THEN
            EXECUTE format('CREATE TRIGGER stats_person_mark_upd AFTER UPDATE ON %I
                            REFERENCING OLD TABLE AS stats_old NEW TABLE AS stats_new
                            FOR EACH STATEMENT EXECUTE FUNCTION jardam_stats_person_mark_rows()', t);
            EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER stats_person_mark_upd', t);
        END IF;
    END LOOP;
END;
$$;

-- A case: only an update of what these aggregates read (most updates of a
-- case change none of it).
CREATE FUNCTION jardam_stats_person_mark_case() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
BEGIN
    IF least(OLD.identified_at, NEW.identified_at)
       < date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek' THEN
        PERFORM jardam_stats_person_mark(ARRAY[OLD.id, NEW.id]);
    END IF;
    RETURN NULL;
END;
$fn$;
REVOKE ALL ON FUNCTION jardam_stats_person_mark_case() FROM PUBLIC;
CREATE TRIGGER stats_person_mark_upd AFTER UPDATE OF id, identified_at, owner_organization_id, stage ON cases
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id
          OR OLD.identified_at IS DISTINCT FROM NEW.identified_at
          OR OLD.owner_organization_id IS DISTINCT FROM NEW.owner_organization_id
          OR OLD.stage IS DISTINCT FROM NEW.stage)
    EXECUTE FUNCTION jardam_stats_person_mark_case();
ALTER TABLE cases ENABLE ALWAYS TRIGGER stats_person_mark_upd;

-- The monthly rollups of migration 0014 per owning organization: each
-- organization's part of every additive aggregate (the supervisors' views of
-- a release) is read from them too, and a change of owner marks the month.
-- The rollups are emptied and fill again.
DELETE FROM stats_monthly_cells;
DELETE FROM stats_rollup_months;
ALTER TABLE stats_monthly_cells ADD COLUMN org uuid NOT NULL;
ALTER TABLE stats_monthly_cells DROP CONSTRAINT stats_monthly_cells_pkey;
ALTER TABLE stats_monthly_cells ADD PRIMARY KEY (aggregate, month, org, cell);

DROP TRIGGER cases_stats_mark_update ON cases;
CREATE TRIGGER cases_stats_mark_update
    AFTER UPDATE OF id, identified_at, sex, age_bracket, region_of_origin, identification_channel,
                    exploitation_types, countries_of_exploitation, measure_codes, trafficking_status, source,
                    owner_organization_id
    ON cases FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id
          OR OLD.identified_at IS DISTINCT FROM NEW.identified_at
          OR OLD.sex IS DISTINCT FROM NEW.sex
          OR OLD.age_bracket IS DISTINCT FROM NEW.age_bracket
          OR OLD.region_of_origin IS DISTINCT FROM NEW.region_of_origin
          OR OLD.identification_channel IS DISTINCT FROM NEW.identification_channel
          OR OLD.exploitation_types IS DISTINCT FROM NEW.exploitation_types
          OR OLD.countries_of_exploitation IS DISTINCT FROM NEW.countries_of_exploitation
          OR OLD.measure_codes IS DISTINCT FROM NEW.measure_codes
          OR OLD.trafficking_status IS DISTINCT FROM NEW.trafficking_status
          OR OLD.source IS DISTINCT FROM NEW.source
          OR OLD.owner_organization_id IS DISTINCT FROM NEW.owner_organization_id)
    EXECUTE FUNCTION stats_mark_updated();
ALTER TABLE cases ENABLE ALWAYS TRIGGER cases_stats_mark_update;

-- jardam_stats_month_cells (migration 0014), per owning organization.
DROP FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text);
DROP FUNCTION jardam_stats_month_cells(text[], timestamptz, timestamptz);
CREATE FUNCTION jardam_stats_month_cells(aggregates text[], period_from timestamptz, period_to timestamptz)
RETURNS TABLE (aggregate text, month date, org uuid, cell text[], persons bigint)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
    SELECT v.aggregate, date_trunc('month', c.identified_at AT TIME ZONE 'Asia/Bishkek')::date, c.owner_organization_id,
           v.cell, count(*)
    FROM cases c CROSS JOIN LATERAL (
        SELECT a.aggregate, CASE a.aggregate
            WHEN 'persons_by_sex_age' THEN ARRAY[c.sex, c.age_bracket]
            WHEN 'persons_by_exploitation_type' THEN CASE cardinality(c.exploitation_types)
                WHEN 0 THEN ARRAY['unknown'] WHEN 1 THEN c.exploitation_types
                ELSE ARRAY(SELECT DISTINCT e.v FROM unnest(c.exploitation_types) AS e(v) ORDER BY e.v) END
            WHEN 'persons_by_country_of_exploitation' THEN CASE cardinality(c.countries_of_exploitation)
                WHEN 0 THEN ARRAY['unknown'] WHEN 1 THEN c.countries_of_exploitation
                ELSE ARRAY(SELECT DISTINCT e.v FROM unnest(c.countries_of_exploitation) AS e(v) ORDER BY e.v) END
            WHEN 'persons_by_region_of_origin' THEN ARRAY[coalesce(c.region_of_origin, 'unknown')]
            WHEN 'persons_by_identification_channel' THEN ARRAY[coalesce(c.identification_channel, 'unknown')]
            WHEN 'cases_by_measure' THEN CASE cardinality(c.measure_codes)
                WHEN 0 THEN ARRAY['none'] WHEN 1 THEN c.measure_codes
                ELSE ARRAY(SELECT DISTINCT e.v FROM unnest(c.measure_codes) AS e(v) ORDER BY e.v) END
            WHEN 'persons_identified' THEN ARRAY[to_char(c.identified_at AT TIME ZONE 'Asia/Bishkek', 'YYYY-MM')]
            END AS cell
        FROM unnest(aggregates) AS a(aggregate)) v
    WHERE c.identified_at >= period_from AND c.identified_at < period_to AND v.cell IS NOT NULL
    GROUP BY 1, 2, 3, 4
$fn$;

-- jardam_stats_refresh (migration 0014), the cells per organization.
CREATE OR REPLACE FUNCTION jardam_stats_refresh(period_from timestamptz, period_to timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    m date;
    n integer := 0;
BEGIN
    FOREACH m IN ARRAY jardam_stats_period_months(period_from, period_to) LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM stats_rollup_months r WHERE r.month = m)
                  AND NOT EXISTS (SELECT 1 FROM stats_dirty_months d WHERE d.month = m);
        PERFORM pg_advisory_xact_lock(hashtext('jardam_stats_rollup'),
                                      extract(year FROM m)::integer * 100 + extract(month FROM m)::integer);
        -- Another request may have rolled it up while this one waited.
        CONTINUE WHEN EXISTS (SELECT 1 FROM stats_rollup_months r WHERE r.month = m)
                  AND NOT EXISTS (SELECT 1 FROM stats_dirty_months d WHERE d.month = m);
        -- The marks go first: the cells below are counted from a later
        -- snapshot, which holds every change whose mark this deletes.
        DELETE FROM stats_dirty_months d WHERE d.month = m;
        DELETE FROM stats_monthly_cells s WHERE s.month = m;
        INSERT INTO stats_monthly_cells (aggregate, month, org, cell, count)
        SELECT x.aggregate, x.month, x.org, x.cell, x.persons
        FROM jardam_stats_month_cells(jardam_stats_additive(), (m::timestamp AT TIME ZONE 'Asia/Bishkek'),
                                      ((m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Bishkek')) x;
        INSERT INTO stats_rollup_months (month, cases, refreshed_at)
        SELECT m, coalesce(sum(s.count), 0), now() FROM stats_monthly_cells s
        WHERE s.aggregate = 'persons_identified' AND s.month = m
        ON CONFLICT (month) DO UPDATE SET cases = EXCLUDED.cases, refreshed_at = EXCLUDED.refreshed_at;
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$fn$;

-- The counts of jardam_stats_org_counts for an additive aggregate, from the
-- monthly cells: stored for the months clean in the caller's snapshot,
-- computed from cases for the others (migration 0014's
-- jardam_stats_rollup_counts, per organization).
CREATE FUNCTION jardam_stats_rollup_org_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                               grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (org uuid, d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    months date[] := jardam_stats_period_months(period_from, period_to);
    stale date[];
BEGIN
    IF aggregate IS NULL OR NOT aggregate = ANY (jardam_stats_additive()) THEN
        RAISE EXCEPTION 'not an additive aggregate' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    stale := ARRAY(SELECT m FROM unnest(months) m
                   WHERE NOT EXISTS (SELECT 1 FROM stats_rollup_months r WHERE r.month = m)
                      OR EXISTS (SELECT 1 FROM stats_dirty_months d WHERE d.month = m));
    RETURN QUERY
    WITH cells AS (
        SELECT s.org, s.cell, s.count AS n FROM stats_monthly_cells s
        WHERE s.aggregate = jardam_stats_rollup_org_counts.aggregate AND s.month = ANY (months) AND NOT s.month = ANY (stale)
        UNION ALL
        SELECT x.org, x.cell, x.persons FROM unnest(stale) m
        CROSS JOIN LATERAL jardam_stats_month_cells(ARRAY[jardam_stats_rollup_org_counts.aggregate],
                                                    (m::timestamp AT TIME ZONE 'Asia/Bishkek'),
                                                    ((m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Bishkek')) x
    ), mapped AS (
        -- One dimension: each distinct grid cell of the person's values;
        -- two: the pair of grid cells.
        SELECT c.org, g.g0, g.g1, c.n FROM cells c CROSS JOIN LATERAL (
            SELECT DISTINCT CASE WHEN v = ANY (grid0) THEN v ELSE fallback0 END AS g0, NULL::text AS g1
            FROM unnest(c.cell) AS v WHERE grid1 IS NULL
            UNION ALL
            SELECT CASE WHEN c.cell[1] = ANY (grid0) THEN c.cell[1] ELSE fallback0 END,
                   CASE WHEN c.cell[2] = ANY (grid1) THEN c.cell[2] ELSE fallback1 END
            WHERE grid1 IS NOT NULL) g
    )
    SELECT m.org, m.g0, m.g1, sum(m.n)::bigint, false FROM mapped m GROUP BY m.org, m.g0, m.g1
    UNION ALL
    SELECT c.org, NULL::text, NULL::text, sum(c.n)::bigint, true FROM cells c GROUP BY c.org;
END;
$fn$;

-- The national counts: the sum of the organizations'.
CREATE FUNCTION jardam_stats_rollup_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                           grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
    WITH o AS (SELECT * FROM jardam_stats_rollup_org_counts(aggregate, period_from, period_to, grid0, fallback0, grid1, fallback1))
    SELECT o.d0, o.d1, sum(o.persons)::bigint, false FROM o WHERE NOT o.is_total GROUP BY o.d0, o.d1
    UNION ALL
    SELECT NULL, NULL, coalesce(sum(o.persons), 0)::bigint, true FROM o WHERE o.is_total
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_month_cells(text[], timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_rollup_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_month_cells(text[], timestamptz, timestamptz),
    jardam_stats_rollup_org_counts(text, timestamptz, timestamptz, text[], text, text[], text),
    jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_rollup_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
