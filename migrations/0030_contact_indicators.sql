-- Program indicators of the hotlines: consultations given (contacts whose
-- outcome is advice given) and intakes referred (referrals of kind intake
-- made), over an ended period, answered as two counts. A change of a
-- contact's outcome now marks its period's release too.
--
-- Locks: functions only; locks no table.

CREATE FUNCTION jardam_indicator_contacts(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (consultations bigint, intakes bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM jardam_indicator_period_ended(p_to);
    RETURN QUERY SELECT
        (SELECT count(*) FROM contacts k WHERE k.outcome = 'advice_given' AND k.created_at >= p_from AND k.created_at < p_to),
        (SELECT count(*) FROM referrals r WHERE r.kind = 'intake' AND r.created_at >= p_from AND r.created_at < p_to);
END;
$$;
REVOKE ALL ON FUNCTION jardam_indicator_contacts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_indicator_contacts(timestamptz, timestamptz) TO jardam_app;

CREATE OR REPLACE FUNCTION jardam_release_mark_contacts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jardam_release_mark(array_agg((n.created_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_new n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM jardam_release_mark(array_agg((o.created_at AT TIME ZONE 'Asia/Bishkek')::date)) FROM release_old o;
    ELSE
        PERFORM jardam_release_mark(array_agg((n.created_at AT TIME ZONE 'Asia/Bishkek')::date))
            FROM release_new n JOIN release_old o ON o.id = n.id
            WHERE (n.organization_id, n.channel, n.topic, n.region, n.outcome, n.created_at)
                  IS DISTINCT FROM (o.organization_id, o.channel, o.topic, o.region, o.outcome, o.created_at);
    END IF;
    RETURN NULL;
END;
$$;

-- Releases stored before these figures existed are computed again.
SELECT jardam_release_mark(array_agg(make_date(year, 1, 1))) FROM (SELECT DISTINCT year FROM stats_releases) r;
