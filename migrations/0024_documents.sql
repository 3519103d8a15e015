-- Documents: files kept under a case (a signed consent form, a passport
-- copy, a medical certificate). A document's record holds what lists and
-- rules need in clear (its case, category, sniffed type, size and chunk
-- count) and seals the rest under the case's data key: its title, file
-- name and removal reason. Its content is kept as sealed chunks
-- (AES-256-GCM under the case's data key, each bound to the document, its
-- number and whether it is the last; docs/documents.md), so erasing the
-- case's key makes every document unreadable and a master key rotation
-- re-wraps the case key only. The fingerprint is an HMAC-SHA256 of the
-- content under a key derived from the blind index key, never a plain
-- hash: a plain SHA-256 of a passport scan would tell anyone holding the
-- scan that it is here.
--
-- A consent may point to its signed form.
--
-- Locks: new tables; consents gains a nullable column without a default (a
-- brief lock, no rewrite).
CREATE TABLE documents (
    id                      uuid PRIMARY KEY,
    case_id                 uuid NOT NULL REFERENCES cases (id),
    organization_id         uuid NOT NULL REFERENCES organizations (id),
    category                text NOT NULL CHECK (category IN
                                ('identity', 'contact', 'health', 'legal', 'assistance_history', 'consent_form')),
    content_type            text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png',
                                'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                                'application/vnd.oasis.opendocument.text')),
    size                    bigint NOT NULL CHECK (size >= 0),
    chunk_size              integer NOT NULL CHECK (chunk_size > 0),
    chunks                  integer NOT NULL CHECK (chunks >= 0),
    key_version             integer NOT NULL,
    title_enc               bytea NOT NULL,
    file_name_enc           bytea,
    fingerprint             bytea NOT NULL,
    uploaded_by             uuid NOT NULL REFERENCES users (id),
    uploaded_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    removed_at              timestamptz,
    removed_by              uuid REFERENCES users (id),
    removal_reason_enc      bytea,
    CHECK ((removed_at IS NULL) = (removed_by IS NULL))
);
CREATE INDEX documents_case_idx ON documents (case_id, uploaded_at DESC, id DESC);

-- The sealed chunks; a removed document has none left.
CREATE TABLE document_chunks (
    document_id  uuid NOT NULL REFERENCES documents (id),
    n            integer NOT NULL CHECK (n >= 0),
    sealed       bytea NOT NULL,
    PRIMARY KEY (document_id, n)
);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE document_chunks ALTER COLUMN sealed SET STORAGE EXTERNAL;

ALTER TABLE consents ADD COLUMN document_id uuid REFERENCES documents (id);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY documents_via_case ON documents
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));

ALTER TABLE document_chunks ENABLE ROW LEVEL SECURITY;
CREATE POLICY document_chunks_via_document ON document_chunks
    USING (EXISTS (SELECT 1 FROM documents d WHERE d.id = document_id))
    WITH CHECK (EXISTS (SELECT 1 FROM documents d WHERE d.id = document_id));

GRANT SELECT, INSERT, UPDATE ON documents TO jardam_app;
GRANT SELECT, INSERT, DELETE ON document_chunks TO jardam_app;
