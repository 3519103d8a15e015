-- Maintenance: the narrow door for master key rotation and erasure
-- (`jardam keys rotate`, `jardam keys destroy`). The maintenance role
-- jardam_maint is created by `jardam migrate --bootstrap` and granted to the
-- owner's login user, which takes it with SET ROLE. It sees the wrapped data
-- keys of every organization and the key checks, and writes audit entries
-- (which carry no case data); it reads no other table, so a process holding
-- the master key for a rotation still cannot read a case.
--
-- Locks: roles, grants and functions only; brief catalogue locks.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jardam_maint') THEN
        RAISE EXCEPTION 'role jardam_maint does not exist: run `jardam migrate --bootstrap` (BOOTSTRAP_DATABASE_URL) once first';
    END IF;
END;
$$;

-- The "via case" policy of case_keys reads cases, which the maintenance
-- role may not read: it is the application role's policy. Other roles than
-- these two (the owner aside) see no data key at all.
ALTER POLICY case_keys_via_case ON case_keys TO jardam_app;
CREATE POLICY case_keys_maintenance ON case_keys TO jardam_maint USING (true) WITH CHECK (true);

GRANT SELECT ON case_keys TO jardam_maint;
GRANT UPDATE (master_version, wrapped, destroyed_at) ON case_keys TO jardam_maint;
GRANT SELECT, INSERT ON key_checks TO jardam_maint;
GRANT INSERT ON audit_entries TO jardam_maint;
GRANT USAGE ON SEQUENCE audit_entries_id_seq TO jardam_maint;

-- The case id of a case code, so an operator can name the case to erase by
-- its code. It answers an id or NULL, nothing else of the case.
CREATE FUNCTION jardam_case_id_by_code(case_code text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id FROM cases WHERE code = case_code
$$;
REVOKE ALL ON FUNCTION jardam_case_id_by_code(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_case_id_by_code(text) TO jardam_maint;

-- Erasure removes the case's blind index tokens with its data key: they are
-- keyed by the index key, not the data key, so without this an erased case
-- would still match a search or duplicate check for the same name, birth
-- date or document. It answers the number of tokens removed.
CREATE FUNCTION jardam_erase_case_index(erased_case uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM case_keys WHERE case_id = erased_case AND wrapped IS NULL) THEN
        RAISE EXCEPTION 'the data key of case % is not destroyed', erased_case
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    DELETE FROM case_blind_index WHERE case_id = erased_case;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION jardam_erase_case_index(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jardam_erase_case_index(uuid) TO jardam_maint;
