-- A hotline's half-year report: where a hotline is a body listed for a
-- Program measure (responsible or co-executing), its report on the measure
-- counts its contacts, since a hotline holds no case: consultations given
-- (contacts whose outcome is advice given, by the day they were recorded)
-- and intakes referred (referrals of kind intake it made, by their day).
-- Answered like jardam_report_figures: per (organization, measure) and per
-- measure (the summary: every listed body's contacts), for a period that
-- has ended unless asked for the caller's own organization. Releases
-- stored before these figures existed are computed again.
--
-- Locks: functions only; locks no table.

CREATE FUNCTION jardam_report_contact_figures(p_org uuid, p_from timestamptz, p_to timestamptz, p_codes text[])
RETURNS TABLE (organization_id uuid, measure_code text, figure text, value numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_from >= p_to THEN
        RAISE EXCEPTION 'report figures need a period' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_to > now() AND (p_org IS NULL OR p_org IS DISTINCT FROM jardam_current_org()) THEN
        RAISE EXCEPTION 'figures of a period that has not ended are for the organization itself only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    WITH listed AS (
        SELECT o.id AS org, b.measure_code AS code
        FROM measure_bodies b JOIN organizations o ON o.code = b.organization_code
        WHERE o.kind = 'hotline' AND b.measure_code = ANY (p_codes) AND (p_org IS NULL OR o.id = p_org)
    ), counted AS (
        SELECT l.org, l.code, 'consultations_given'::text AS figure, k.id AS item
        FROM listed l JOIN contacts k ON k.organization_id = l.org
        WHERE k.outcome = 'advice_given' AND k.created_at >= p_from AND k.created_at < p_to
        UNION ALL
        SELECT l.org, l.code, 'intakes_referred'::text, r.id
        FROM listed l JOIN referrals r ON r.from_organization_id = l.org
        WHERE r.kind = 'intake' AND r.created_at >= p_from AND r.created_at < p_to
    )
    SELECT x.org, x.code, x.figure, count(DISTINCT x.item)::numeric
    FROM counted x GROUP BY GROUPING SETS ((x.org, x.code, x.figure), (x.code, x.figure));
END;
$fn$;
REVOKE ALL ON FUNCTION jardam_report_contact_figures(uuid, timestamptz, timestamptz, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_report_contact_figures(uuid, timestamptz, timestamptz, text[]) TO jardam_app;

SELECT jardam_release_mark(array_agg(make_date(year, 1, 1))) FROM (SELECT DISTINCT year FROM stats_releases) r;
