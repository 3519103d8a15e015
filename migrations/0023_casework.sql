-- Structured casework: dated assessments against versioned definitions
-- (safety, needs, reintegration), flags on a case, and requests for a
-- supervisor's approval (of a plan, a closure or a transfer), with each
-- organization's choice of which kinds need one.
--
-- Assessments keep their answers' scores in clear (figures such as the
-- reintegration indicator are computed from them) and every free-text part
-- sealed under the case's data key (texts_enc), as notes are. A flag's
-- reason and an approval's comments and transfer details are sealed too.
--
-- Locks: three new tables; adds a column with a constant default to
--        organizations (no rewrite, a brief lock).
CREATE TABLE case_assessments (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    kind                text NOT NULL CHECK (kind IN ('safety', 'needs', 'reintegration')),
    definition_version  integer NOT NULL CHECK (definition_version > 0),
    assessed_on         date NOT NULL,
    answers             jsonb NOT NULL,
    level               text CHECK (level IN ('low', 'medium', 'high')),
    score               numeric(6, 3) NOT NULL,
    dimension_scores    jsonb,
    texts_enc           bytea,
    follow_up_id        uuid,
    created_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((kind = 'safety') = (level IS NOT NULL))
);
CREATE INDEX case_assessments_case_idx ON case_assessments (case_id, kind, assessed_on DESC, created_at DESC);

CREATE TABLE case_flags (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    reason_enc   bytea NOT NULL,
    until        date,
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    removed_by   uuid REFERENCES users (id),
    removed_at   timestamptz,
    CHECK ((removed_by IS NULL) = (removed_at IS NULL))
);
CREATE INDEX case_flags_case_idx ON case_flags (case_id) WHERE removed_at IS NULL;

CREATE TABLE case_approvals (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    kind                text NOT NULL CHECK (kind IN ('plan', 'closure', 'transfer')),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'returned')),
    closure_reason      text,
    plan_version        integer,
    to_organization_id  uuid REFERENCES organizations (id),
    request_enc         bytea,
    requested_by        uuid NOT NULL REFERENCES users (id),
    requested_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_by          uuid REFERENCES users (id),
    decided_at          timestamptz,
    decision_enc        bytea,
    referral_id         uuid REFERENCES referrals (id),
    CHECK ((kind = 'closure') = (closure_reason IS NOT NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
-- One request of a kind waits at a time on a case.
CREATE UNIQUE INDEX case_approvals_pending_idx ON case_approvals (case_id, kind) WHERE status = 'pending';
CREATE INDEX case_approvals_case_idx ON case_approvals (case_id, requested_at DESC);

-- Which requests need a supervisor's approval in each organization.
ALTER TABLE organizations
    ADD COLUMN approval_kinds text[] NOT NULL DEFAULT '{closure,transfer}'
        CHECK (approval_kinds <@ ARRAY['plan', 'closure', 'transfer']);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_assessments', 'case_flags', 'case_approvals'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO jardam_app USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))
                        WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id))', t || '_via_case', t);
    END LOOP;
END;
$$;

GRANT SELECT, INSERT ON case_assessments TO jardam_app;
GRANT SELECT, INSERT ON case_flags TO jardam_app;
GRANT UPDATE (removed_by, removed_at) ON case_flags TO jardam_app;
GRANT SELECT, INSERT ON case_approvals TO jardam_app;
GRANT UPDATE (status, decided_by, decided_at, decision_enc, referral_id) ON case_approvals TO jardam_app;
