-- Persons linked to a case: who they are to the victim (relation) and what
-- they did (perpetrator_role, with the recruitment channel), since a mother
-- can be the trafficker. Their identity and contact are sealed under the
-- case's data key, each in one ciphertext, as the case's own are.
--
-- Locks: a new table; locks nothing that holds data.
CREATE TABLE case_persons (
    id                   uuid PRIMARY KEY,
    case_id              uuid NOT NULL REFERENCES cases (id),
    relation             text NOT NULL CHECK (relation IN ('mother', 'father', 'spouse', 'child', 'sibling', 'other_family',
                                                           'guardian', 'acquaintance', 'none')),
    perpetrator_role     text CHECK (perpetrator_role IN ('recruiter', 'trafficker', 'employer', 'other_perpetrator')),
    recruitment_channel  text CHECK (recruitment_channel IN ('website', 'app', 'social_media', 'messenger', 'in_person',
                                                             'agency', 'other')),
    identity_enc         bytea,
    contact_enc          bytea,
    version              integer NOT NULL DEFAULT 1,
    created_by           uuid NOT NULL REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX case_persons_case_idx ON case_persons (case_id, created_at);

ALTER TABLE case_persons ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_persons_via_case ON case_persons TO jardam_app
    USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
    WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));
GRANT SELECT, INSERT ON case_persons TO jardam_app;
GRANT UPDATE (relation, perpetrator_role, recruitment_channel, identity_enc, contact_enc, version, updated_at)
    ON case_persons TO jardam_app;
