-- Statistics of the hotline's contacts: coordinators' tables of contacts by
-- topic, by channel and by region, and contacts per month, counted like
-- every other figure through the statistics role and released within the
-- same yearly release (disclosure control, migration 0017).
--
-- The statistics role reads the counted columns of contacts (never a
-- sealed one), of every hotline. jardam_contact_org_counts answers, like
-- jardam_stats_org_counts, the distinct contacts per cell and per
-- organization (the hotline that recorded them) over whole ended months;
-- jardam_contact_counts is their sum. A change of a counted column of a
-- contact, or a new or deleted one, marks its period's release for
-- recomputation; erasing a contact's sealed fields changes no figure.
-- Existing releases are marked once so that the next read adds the new
-- figures.
--
-- Locks: column grants, a policy and statement triggers on contacts (brief
--        locks, no scan); functions; one upsert per released year.

GRANT SELECT (id, organization_id, channel, caller, topic, region, created_at) ON contacts TO jardam_stats;
CREATE POLICY contacts_stats ON contacts FOR SELECT TO jardam_stats USING (true);

CREATE FUNCTION jardam_contact_org_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                          grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (org uuid, d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
    dim text;
BEGIN
    -- Whole ended months only (raises otherwise).
    PERFORM jardam_stats_period_months(period_from, period_to);
    dim := CASE aggregate
        WHEN 'contacts_by_topic' THEN 'k.topic'
        WHEN 'contacts_by_channel' THEN 'k.channel'
        WHEN 'contacts_by_region' THEN $q$coalesce(k.region, 'unknown')$q$
        -- The monthly series: the month (YYYY-MM in Asia/Bishkek).
        WHEN 'contacts_received' THEN $q$to_char(k.created_at AT TIME ZONE 'Asia/Bishkek', 'YYYY-MM')$q$
    END;
    IF dim IS NULL THEN
        RAISE EXCEPTION 'unknown aggregate' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE
        'SELECT x.org, x.g0, NULL::text, count(DISTINCT x.id), GROUPING(x.g0) <> 0
         FROM (SELECT k.id, k.organization_id AS org,
                      CASE WHEN ' || dim || ' = ANY ($3) THEN ' || dim || ' ELSE $4 END AS g0
               FROM contacts k WHERE k.created_at >= $1 AND k.created_at < $2) x
         GROUP BY x.org, GROUPING SETS ((x.g0), ())'
        USING period_from, period_to, grid0, fallback0;
END;
$fn$;

-- The national counts: the sum of the hotlines'.
CREATE FUNCTION jardam_contact_counts(aggregate text, period_from timestamptz, period_to timestamptz,
                                      grid0 text[], fallback0 text, grid1 text[], fallback1 text)
RETURNS TABLE (d0 text, d1 text, persons bigint, is_total boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
    WITH o AS (SELECT * FROM jardam_contact_org_counts(aggregate, period_from, period_to, grid0, fallback0, grid1, fallback1))
    SELECT o.d0, o.d1, sum(o.persons)::bigint, false FROM o WHERE NOT o.is_total GROUP BY o.d0, o.d1
    UNION ALL
    SELECT NULL, NULL, coalesce(sum(o.persons), 0)::bigint, true FROM o WHERE o.is_total
$fn$;

GRANT CREATE ON SCHEMA public TO jardam_stats;
ALTER FUNCTION jardam_contact_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
ALTER FUNCTION jardam_contact_counts(text, timestamptz, timestamptz, text[], text, text[], text) OWNER TO jardam_stats;
REVOKE CREATE ON SCHEMA public FROM jardam_stats;
REVOKE ALL ON FUNCTION jardam_contact_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION jardam_contact_counts(text, timestamptz, timestamptz, text[], text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_contact_org_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;
GRANT EXECUTE ON FUNCTION jardam_contact_counts(text, timestamptz, timestamptz, text[], text, text[], text) TO jardam_app;

-- Release marks: the day a contact was recorded, when a counted column
-- changes (or the contact comes or goes).
CREATE FUNCTION jardam_release_mark_contacts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jardam_release_mark(array_agg((n.created_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_new n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jardam_release_mark(array_agg((o.created_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_old o;
    ELSE
        PERFORM jardam_release_mark(array_agg((n.created_at AT TIME ZONE 'Asia/Bishkek')::date))
            FROM release_new n JOIN release_old o ON o.id = n.id
            WHERE (n.organization_id, n.channel, n.topic, n.region, n.created_at)
                  IS DISTINCT FROM (o.organization_id, o.channel, o.topic, o.region, o.created_at);
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION jardam_release_mark_contacts() FROM PUBLIC;
CREATE TRIGGER release_mark_ins AFTER INSERT ON contacts REFERENCING NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_contacts();
CREATE TRIGGER release_mark_del AFTER DELETE ON contacts REFERENCING OLD TABLE AS release_old
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_contacts();
CREATE TRIGGER release_mark_upd AFTER UPDATE ON contacts REFERENCING OLD TABLE AS release_old NEW TABLE AS release_new
    FOR EACH STATEMENT EXECUTE FUNCTION jardam_release_mark_contacts();

-- Releases stored before these figures existed are computed again.
SELECT jardam_release_mark(array_agg(make_date(year, 1, 1))) FROM (SELECT DISTINCT year FROM stats_releases) r;
