-- A consent given by a guardian names the guardian: a person linked to the
-- case with the relation guardian (case_persons).
--
-- Locks: adds a nullable column without a default and its foreign key to
--        consents: a brief lock, no rewrite, nothing to check.
ALTER TABLE consents
    ADD COLUMN given_by_person_id uuid REFERENCES case_persons (id),
    ADD CONSTRAINT consents_given_by_person CHECK (given_by_person_id IS NULL OR given_by = 'guardian');
GRANT UPDATE (given_by_person_id) ON consents TO jardam_app;
