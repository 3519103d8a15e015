-- Performance at scale (docs/performance.md): what the load benchmark
-- showed slow at a million cases.
--
-- A caseworker's case list is the cases assigned to them, newest first.
-- Walking the organization's cases newest first and testing each for an
-- assignment reads a hundred cases per listed one in a large center;
-- walking the caseworker's assignments reads all of them before sorting.
-- Each assignment therefore carries its case's creation time (which never
-- changes), filled by a trigger whoever inserts it, so that one index gives
-- a caseworker's cases in list order and a page reads a page.
--
-- Locks: rewrites case_assignments (a new NOT NULL column filled by UPDATE) and builds an index
--        on cases without CONCURRENTLY: assignment writes wait for the rewrite, case writes for
--        the index; run it in a quiet hour on a large database.

ALTER TABLE case_assignments ADD COLUMN case_created_at timestamptz;
UPDATE case_assignments a SET case_created_at = c.created_at FROM cases c WHERE c.id = a.case_id;
ALTER TABLE case_assignments ALTER COLUMN case_created_at SET NOT NULL;

-- Runs with the owner's rights so that row-level security cannot hide the
-- case from the trigger; a missing case is left to the foreign key.
CREATE FUNCTION case_assignments_case_created_at() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.case_created_at := coalesce((SELECT c.created_at FROM cases c WHERE c.id = NEW.case_id), now());
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION case_assignments_case_created_at() FROM PUBLIC;

CREATE TRIGGER case_assignments_case_created_at BEFORE INSERT OR UPDATE OF case_id, case_created_at ON case_assignments
    FOR EACH ROW EXECUTE FUNCTION case_assignments_case_created_at();

CREATE INDEX case_assignments_user_created_idx ON case_assignments (user_id, case_created_at DESC, case_id DESC);

-- The statistics aggregates select a period's cases by identification
-- time and read a few attributes of each: an index holding those attributes
-- answers them without visiting the table (a year of a million cases:
-- 3.5 s before, about 1 s after; docs/performance.md). It supersedes the
-- plain index on identified_at.
CREATE INDEX cases_identified_stats_idx ON cases (identified_at)
    INCLUDE (id, sex, age_bracket, region_of_origin, identification_channel);
DROP INDEX cases_identified_idx;
