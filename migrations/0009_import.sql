-- Imported historical cases (`jardam import ctdc`): legacy person-level
-- records in the CTDC codebook's layout come in as closed cases with
-- statistical attributes only (source 'import'): no identity, no contact,
-- no data key. The cases table already allows that (identity_enc and
-- contact_enc are NULL, created_by is NULL, no case_keys row); this
-- migration adds what an import needs beside it.
--
-- Locks: adds a CHECK constraint to cases, which scans the table under an ACCESS EXCLUSIVE lock:
--        case writes and reads wait for the scan (about a second per 100 000 cases).

-- One row per imported file and organization. The file's SHA-256 is kept so
-- that the same file cannot be imported twice into the same organization
-- (the aggregates would count its persons twice).
CREATE TABLE case_imports (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    format           text NOT NULL CHECK (format IN ('ctdc')),
    file_sha256      bytea NOT NULL CHECK (length(file_sha256) = 32),
    cases            integer NOT NULL CHECK (cases >= 0),
    skipped          integer NOT NULL CHECK (skipped >= 0),
    imported_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, file_sha256)
);

ALTER TABLE case_imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_imports_own_org ON case_imports
    USING (organization_id = jardam_current_org())
    WITH CHECK (organization_id = jardam_current_org());

-- Imported cases take codes of their own series, ORG-YYYY-Hnnnn (H for
-- historical, YYYY the year of registration), so they never take a number
-- of the organization's live series.
CREATE TABLE case_import_code_counters (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    year             integer NOT NULL,
    last             integer NOT NULL,
    PRIMARY KEY (organization_id, year)
);

-- An imported case carries no identity and no contact.
ALTER TABLE cases ADD CONSTRAINT cases_import_without_identity
    CHECK (source <> 'import' OR (identity_enc IS NULL AND contact_enc IS NULL));

GRANT SELECT, INSERT ON case_imports TO jardam_app;
GRANT SELECT, INSERT, UPDATE ON case_import_code_counters TO jardam_app;
