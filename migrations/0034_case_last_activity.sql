-- A case's last activity: when anything was last recorded on it (the case
-- itself, its stage, workers, plan, notes, assistance, consents,
-- referrals, assessments, flags, approvals, documents or follow-ups), so
-- that lists can put the cases being worked on first. Reads
-- are not activity. Triggers keep it whoever writes, including a referred
-- organization recording assistance or a note on another organization's
-- case, and it moves forward only. It is not part of the case's version: a
-- note does not make an edit of the case stale.
--
-- Locks: rewrites cases (a new NOT NULL column filled by UPDATE) and builds two indexes on cases
--        without CONCURRENTLY: case writes wait for them; run it in a quiet hour on a large
--        database.

ALTER TABLE cases ADD COLUMN last_activity_at timestamptz;
UPDATE cases c SET last_activity_at = greatest(
    c.updated_at,
    (SELECT max(m.moved_at) FROM case_stage_moves m WHERE m.case_id = c.id),
    (SELECT max(p.updated_at) FROM case_plans p WHERE p.case_id = c.id),
    (SELECT max(n.created_at) FROM case_notes n WHERE n.case_id = c.id),
    (SELECT max(a.updated_at) FROM assistance a WHERE a.case_id = c.id),
    (SELECT max(greatest(k.created_at, k.withdrawn_at)) FROM consents k WHERE k.case_id = c.id),
    (SELECT max(r.updated_at) FROM referrals r WHERE r.case_id = c.id),
    (SELECT max(s.created_at) FROM case_assessments s WHERE s.case_id = c.id),
    (SELECT max(greatest(f.created_at, f.removed_at)) FROM case_flags f WHERE f.case_id = c.id),
    (SELECT max(greatest(v.requested_at, v.decided_at)) FROM case_approvals v WHERE v.case_id = c.id),
    (SELECT max(greatest(d.uploaded_at, d.removed_at)) FROM documents d WHERE d.case_id = c.id),
    (SELECT max(u.updated_at) FROM case_follow_ups u WHERE u.case_id = c.id));
ALTER TABLE cases ALTER COLUMN last_activity_at SET DEFAULT now();
ALTER TABLE cases ALTER COLUMN last_activity_at SET NOT NULL;

CREATE INDEX cases_owner_activity_idx ON cases (owner_organization_id, last_activity_at DESC, id DESC);
CREATE INDEX cases_owner_identified_idx ON cases (owner_organization_id, identified_at DESC, id DESC);

-- A change of the case itself (every one sets updated_at).
CREATE FUNCTION jardam_case_activity_self() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.last_activity_at := greatest(OLD.last_activity_at, NEW.updated_at);
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION jardam_case_activity_self() FROM PUBLIC;

CREATE TRIGGER cases_last_activity BEFORE UPDATE OF updated_at ON cases
    FOR EACH ROW WHEN (NEW.updated_at IS DISTINCT FROM OLD.updated_at)
    EXECUTE FUNCTION jardam_case_activity_self();

-- A row of another table about the case. Runs with the owner's rights: the
-- writer may be a referred organization, which row-level security does not
-- let change the owner's case.
CREATE FUNCTION jardam_case_activity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE cases SET last_activity_at = now()
    WHERE id = CASE TG_OP WHEN 'DELETE' THEN OLD.case_id ELSE NEW.case_id END
      AND last_activity_at < now();
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION jardam_case_activity() FROM PUBLIC;

CREATE TRIGGER case_activity AFTER INSERT OR DELETE ON case_assignments
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON case_plans
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT ON case_notes
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON assistance
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON consents
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON referrals
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON case_assessments
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON case_flags
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON case_approvals
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
CREATE TRIGGER case_activity AFTER INSERT OR UPDATE ON case_follow_ups
    FOR EACH ROW EXECUTE FUNCTION jardam_case_activity();
