-- Who reports for a hotline. A hotline listed for a Program measure writes
-- and submits its half-year report like any body, which needs an account
-- that may: the role hotline_supervisor (a hotline's accounts only; it
-- takes calls as an operator does, approves its hotline's accounts and
-- reports; it reads no case).
--
-- Locks: users (ACCESS EXCLUSIVE while the role check is replaced and
-- validated, a scan of the accounts).

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('caseworker', 'supervisor', 'coordinator',
    'org_admin', 'admin', 'auditor', 'hotline_operator', 'hotline_supervisor'));
