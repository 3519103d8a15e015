-- Statistics rollups: monthly counts for the aggregates that add up over
-- months (docs/performance.md, "Statistics tables").
--
-- Which aggregates add up. An aggregate whose persons are the cases
-- identified in the period, each by attributes of its case, counts a person
-- in one month only (a case has one identified_at): its count over a period
-- of whole months is the sum of its monthly counts. These are the "persons
-- identified" tables (persons_by_sex_age, persons_by_exploitation_type,
-- persons_by_country_of_exploitation, persons_by_region_of_origin,
-- persons_by_identification_channel), cases_by_measure and the series
-- persons_identified. cases_by_stage (the stage at the end of the period),
-- the assistance and the referral aggregates (a person assisted or referred
-- in two months counts once in the period) do not add up and stay computed
-- by jardam_stats_counts directly.
--
-- What is kept. stats_monthly_cells holds, per aggregate and month, the
-- number of persons per combination of raw dimension values (cell): the
-- pair (d0, d1) of a single-valued aggregate, or the sorted distinct values
-- of a multi-valued one (a person with exploitation types {a, b} counts
-- once under {a,b}). The grid and its fallback apply when the counts are
-- read, so a grid that changes (the measures of the Program in force) needs
-- no new rollup, and two values of one person that fall under the same grid
-- cell (two codes of another program, `other`) still count the person once.
-- Each person is in exactly one cell per month, so the total of a period is
-- the sum of its cells. stats_rollup_months records the months rolled up
-- (all additive aggregates at once), with the month's number of cases.
-- Nothing but counts: no identifier, no attribute of one person.
--
-- Invalidation. Triggers on cases record the months (Asia/Bishkek) of the
-- cases inserted, deleted, or updated in a column an aggregate reads, old and
-- new identified_at, in stats_dirty_months, keyed by month AND the writing
-- transaction: a transaction always writes a mark of its own, so a refresh
-- that deletes the marks it sees can never delete the mark of a change it
-- did not see (with one mark per month, a change committed during a refresh
-- would find the mark present, write nothing, and lose itself when the
-- refresh cleared it); and concurrent case writes never wait on each other
-- for a mark. INSERT and DELETE are statement-level triggers over their
-- transition tables (a bulk COPY writes one mark per month); UPDATE is a
-- row trigger whose WHEN clause lets through only real changes. They are
-- enabled ALWAYS, so the bulk seed (session_replication_role = replica)
-- marks its months too. TRUNCATE of cases is not tracked.
--
-- Refresh. jardam_stats_refresh(from, to), run by the application in its
-- own read-committed transaction before reading, recomputes each ended month
-- of the period that is dirty or not rolled up: under a transaction-level
-- advisory lock per month, it deletes the month's marks first, then (in a
-- later statement, with a later snapshot) recomputes its cells from cases;
-- any change whose mark it deleted is therefore in what it counts.
--
-- Reading. jardam_stats_rollup_counts answers exactly as jardam_stats_counts
-- for the additive aggregates: it takes the stored cells of the months that
-- are clean in the caller's snapshot (rolled up, no mark) and computes the
-- cells of the other months from cases in that same snapshot, then maps the
-- cells onto the grids and sums them. A stale or missing rollup costs time,
-- never a wrong count.
--
-- Adding an additive aggregate: add it to jardam_stats_additive and
-- jardam_stats_month_cells, and empty
-- stats_rollup_months and stats_monthly_cells in the same migration.
--
-- Locks: new rollup tables and triggers on cases (a brief SHARE ROW EXCLUSIVE lock on cases); the
--        rollups fill later, outside the migration.

CREATE TABLE stats_monthly_cells (
    aggregate text NOT NULL,
    month     date NOT NULL CHECK (month = date_trunc('month', month)::date),
    cell      text[] NOT NULL,
    count     bigint NOT NULL CHECK (count > 0),
    PRIMARY KEY (aggregate, month, cell)
);

CREATE TABLE stats_rollup_months (
    month        date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    cases        bigint NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stats_dirty_months (
    month date NOT NULL,
    xact  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (month, xact)
);

-- Held and written by the statistics role only; the owner role may add
-- marks (through the trigger function below) and nothing else.
GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER TABLE stats_monthly_cells OWNER TO jardam_stats;
ALTER TABLE stats_rollup_months OWNER TO jardam_stats;
ALTER TABLE stats_dirty_months OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON stats_monthly_cells, stats_rollup_months, stats_dirty_months FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT INSERT ON stats_dirty_months TO %I', current_user);
END;
$$;

-- The trigger functions run with the owner's rights whoever writes the case
-- (row-level security does not apply to transition tables or to the marks).
CREATE FUNCTION stats_mark_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_dirty_months (month)
    SELECT DISTINCT date_trunc('month', n.identified_at AT TIME ZONE 'Asia/Bishkek')::date FROM stats_new n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION stats_mark_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_dirty_months (month)
    SELECT DISTINCT date_trunc('month', o.identified_at AT TIME ZONE 'Asia/Bishkek')::date FROM stats_old o
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE FUNCTION stats_mark_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO stats_dirty_months (month)
    VALUES (date_trunc('month', OLD.identified_at AT TIME ZONE 'Asia/Bishkek')::date),
           (date_trunc('month', NEW.identified_at AT TIME ZONE 'Asia/Bishkek')::date)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION stats_mark_inserted(), stats_mark_deleted(), stats_mark_updated() FROM PUBLIC;

CREATE TRIGGER cases_stats_mark_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS stats_new FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_inserted();
CREATE TRIGGER cases_stats_mark_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS stats_old FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_deleted();
CREATE TRIGGER cases_stats_mark_update
    AFTER UPDATE OF id, identified_at, sex, age_bracket, region_of_origin, identification_channel,
                    exploitation_types, countries_of_exploitation, measure_codes, trafficking_status, source
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
          OR OLD.source IS DISTINCT FROM NEW.source)
    EXECUTE FUNCTION stats_mark_updated();
ALTER TABLE cases ENABLE ALWAYS TRIGGER cases_stats_mark_insert;
ALTER TABLE cases ENABLE ALWAYS TRIGGER cases_stats_mark_delete;
ALTER TABLE cases ENABLE ALWAYS TRIGGER cases_stats_mark_update;

-- The aggregates of jardam_stats_counts that add up over months.
CREATE FUNCTION jardam_stats_additive() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT ARRAY['persons_by_sex_age', 'persons_by_exploitation_type', 'persons_by_country_of_exploitation',
                 'persons_by_region_of_origin', 'persons_by_identification_channel', 'cases_by_measure',
                 'persons_identified']
$fn$;

-- The cells of the additive aggregates `aggregates` for the cases
-- identified in [period_from, period_to), per month (Asia/Bishkek): the
-- number of persons per combination of raw values (a set: its distinct
-- values, sorted). The dimension values are those of jardam_stats_counts
-- (migration 0010) for the same aggregate; an aggregate not listed here
-- yields no cell.
CREATE FUNCTION jardam_stats_month_cells(aggregates text[], period_from timestamptz, period_to timestamptz)
RETURNS TABLE (aggregate text, month date, cell text[], persons bigint)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $fn$
    SELECT v.aggregate, date_trunc('month', c.identified_at AT TIME ZONE 'Asia/Bishkek')::date, v.cell, count(*)
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
    GROUP BY 1, 2, 3
$fn$;

-- Checks that [period_from, period_to) is whole ended months (Asia/Bishkek)
-- and returns their first days.
CREATE FUNCTION jardam_stats_period_months(period_from timestamptz, period_to timestamptz)
RETURNS date[]
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $fn$
DECLARE
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
    RETURN ARRAY(SELECT g::date FROM generate_series(f, t - interval '1 month', interval '1 month') g);
END;
$fn$;

-- Rolls up the months of [period_from, period_to) (whole ended months) that
-- are dirty or not yet rolled up; returns how many it recomputed. Run it in
-- a read-committed transaction of its own: each statement then sees what
-- the previous refresh of the month committed.
CREATE FUNCTION jardam_stats_refresh(period_from timestamptz, period_to timestamptz)
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
        INSERT INTO stats_monthly_cells (aggregate, month, cell, count)
        SELECT x.aggregate, x.month, x.cell, x.persons
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

-- The counts of jardam_stats_counts for an additive aggregate, from the
-- monthly cells: stored for the months clean in the caller's snapshot,
-- computed from cases for the others. Same arguments, checks and rows.
CREATE FUNCTION jardam_stats_rollup_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                           grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
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
        SELECT s.cell, s.count AS n FROM stats_monthly_cells s
        WHERE s.aggregate = jardam_stats_rollup_counts.aggregate AND s.month = ANY (months) AND NOT s.month = ANY (stale)
        UNION ALL
        SELECT x.cell, x.persons FROM unnest(stale) m
        CROSS JOIN LATERAL jardam_stats_month_cells(ARRAY[jardam_stats_rollup_counts.aggregate],
                                                    (m::timestamp AT TIME ZONE 'Asia/Bishkek'),
                                                    ((m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Bishkek')) x
    ), mapped AS (
        -- One dimension: each distinct grid cell of the person's values;
        -- two: the pair of grid cells.
        SELECT g.g0, g.g1, c.n FROM cells c CROSS JOIN LATERAL (
            SELECT DISTINCT CASE WHEN v = ANY (grid0) THEN v ELSE fallback0 END AS g0, NULL::text AS g1
            FROM unnest(c.cell) AS v WHERE grid1 IS NULL
            UNION ALL
            SELECT CASE WHEN c.cell[1] = ANY (grid0) THEN c.cell[1] ELSE fallback0 END,
                   CASE WHEN c.cell[2] = ANY (grid1) THEN c.cell[2] ELSE fallback1 END
            WHERE grid1 IS NOT NULL) g
    )
    SELECT m.g0, m.g1, sum(m.n)::bigint, false FROM mapped m GROUP BY m.g0, m.g1
    UNION ALL
    SELECT NULL::text, NULL::text, coalesce(sum(c.n), 0)::bigint, true FROM cells c;
END;
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_stats_additive() OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_month_cells(text[], timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_period_months(timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_refresh(timestamptz, timestamptz) OWNER TO jardam_stats;
ALTER FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_stats_additive() FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_stats_month_cells(text[], timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_stats_period_months(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_stats_refresh(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_stats_refresh(timestamptz, timestamptz) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_stats_rollup_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
