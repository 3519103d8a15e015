-- Stored statistical releases. Every figure a coordinator can obtain for a
-- year (tables, series, indicators) is computed together, protected as one
-- system of constraints (package disclosure) and stored here as released
-- values or null (withheld): readers are served the stored release. A
-- period's release is computed when it ends and again after a correction
-- (a write to a record of an ended month); every version is kept, and a
-- figure withheld in any version stays withheld in later ones.
-- No personal data and no withheld value is stored.
--
-- Locks: new release tables and statement triggers on the tables releases depend on: a brief
--        SHARE ROW EXCLUSIVE lock on each, no scan.
CREATE TABLE stats_releases (
    year        integer     NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    version     integer     NOT NULL CHECK (version >= 1),
    computed_at timestamptz NOT NULL DEFAULT now(),
    -- The end of the last ended month the release covers.
    covers_to   timestamptz NOT NULL,
    k           integer     NOT NULL CHECK (k >= 3),
    -- The corrections counter of the year seen by the computation.
    corrections bigint      NOT NULL,
    document    jsonb       NOT NULL,
    PRIMARY KEY (year, version)
);

-- Corrections: a counter per year, raised by any write to a record whose
-- dates fall in an ended month of that year. A release whose counter
-- differs from the year's is stale and is recomputed before its next read.
CREATE TABLE stats_release_marks (
    year        integer PRIMARY KEY,
    corrections bigint      NOT NULL DEFAULT 1,
    marked_at   timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON stats_releases TO jardam_app;
GRANT SELECT ON stats_release_marks TO jardam_app;

-- jardam_release_mark(dates) raises the counter of each year of the given
-- dates that fall before the current month (Asia/Bishkek).
CREATE FUNCTION jardam_release_mark(p_days date[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO stats_release_marks AS m (year)
    SELECT DISTINCT extract(year FROM d)::integer FROM unnest(p_days) AS d
    WHERE d IS NOT NULL AND d < date_trunc('month', now() AT TIME ZONE 'Asia/Bishkek')::date
      AND d >= DATE '2000-01-01'
    ON CONFLICT (year) DO UPDATE SET corrections = m.corrections + 1, marked_at = now();
$$;
REVOKE ALL ON FUNCTION jardam_release_mark(date[]) FROM PUBLIC;

-- Statement-level triggers: the dates that place a record in a period,
-- from the old and the new rows.
-- A case: its identification day, on insert and delete, and on an update
-- that changes what the statistics read (an edit of the identity alone
-- changes no figure); a change of status or closure reason also marks the
-- days of its closing moves (persons reintegrated count by those).
CREATE FUNCTION jardam_release_mark_cases() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jardam_release_mark(array_agg((n.identified_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_new n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jardam_release_mark(array_agg((o.identified_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_old o;
    ELSE
        PERFORM jardam_release_mark(array_agg(d)) FROM release_new n JOIN release_old o ON o.id = n.id
            CROSS JOIN LATERAL unnest(ARRAY[(n.identified_at AT TIME ZONE 'Asia/Bishkek')::date,
                                            (o.identified_at AT TIME ZONE 'Asia/Bishkek')::date]) AS d
            WHERE (n.identified_at, n.owner_organization_id, n.sex, n.age_bracket, n.exploitation_types,
                   n.countries_of_exploitation, n.region_of_origin, n.identification_channel, n.stage, n.status,
                   n.closure_reason, n.trafficking_status, n.measure_codes)
              IS DISTINCT FROM
                  (o.identified_at, o.owner_organization_id, o.sex, o.age_bracket, o.exploitation_types,
                   o.countries_of_exploitation, o.region_of_origin, o.identification_channel, o.stage, o.status,
                   o.closure_reason, o.trafficking_status, o.measure_codes);
        PERFORM jardam_release_mark(array_agg((m.moved_at AT TIME ZONE 'Asia/Bishkek')::date))
            FROM release_new n JOIN release_old o ON o.id = n.id
            JOIN case_stage_moves m ON m.case_id = n.id AND m.to_stage = 'closed'
            WHERE (n.status, n.closure_reason) IS DISTINCT FROM (o.status, o.closure_reason);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION jardam_release_mark_assistance() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(d)) FROM release_new n
            CROSS JOIN LATERAL unnest(ARRAY[n.started_on, n.ended_on, (n.created_at AT TIME ZONE 'Asia/Bishkek')::date]) AS d;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(d)) FROM release_old o
            CROSS JOIN LATERAL unnest(ARRAY[o.started_on, o.ended_on, (o.created_at AT TIME ZONE 'Asia/Bishkek')::date]) AS d;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION jardam_release_mark_referrals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(d)) FROM release_new n
            CROSS JOIN LATERAL unnest(ARRAY[(n.created_at AT TIME ZONE 'Asia/Bishkek')::date,
                                            (n.due_at AT TIME ZONE 'Asia/Bishkek')::date]) AS d;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg(d)) FROM release_old o
            CROSS JOIN LATERAL unnest(ARRAY[(o.created_at AT TIME ZONE 'Asia/Bishkek')::date,
                                            (o.due_at AT TIME ZONE 'Asia/Bishkek')::date]) AS d;
    END IF;
    RETURN NULL;
END;
$$;

-- Stage moves and referral events are dated when written; a backdated one
-- (or a deletion) marks its period too.
CREATE FUNCTION jardam_release_mark_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg((n.moved_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_new n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg((o.moved_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_old o;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION jardam_release_mark_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg((n.at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_new n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM jardam_release_mark(array_agg((o.at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_old o;
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('cases', 'jardam_release_mark_cases'), ('assistance', 'jardam_release_mark_assistance'),
                                   ('referrals', 'jardam_release_mark_referrals'), ('case_stage_moves', 'jardam_release_mark_moved'),
                                   ('referral_events', 'jardam_release_mark_events')) AS v(tab, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER release_mark_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS release_new
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER release_mark_del AFTER DELETE ON %I REFERENCING OLD TABLE AS release_old
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER release_mark_upd AFTER UPDATE ON %I REFERENCING OLD TABLE AS release_old NEW TABLE AS release_new
                        FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab, t.fn);
        EXECUTE format('REVOKE ALL ON FUNCTION %I() FROM PUBLIC', t.fn);
    END LOOP;
END;
$$;
