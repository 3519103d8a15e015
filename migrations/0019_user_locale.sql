-- The language a person chose for the web app (ru, ky or en); NULL until
-- they choose, when the app follows the device. A preference only: it
-- changes nothing anyone may see or do. Adding a nullable column without a
-- default does not rewrite or long-lock the table.
--
-- Locks: adds a nullable column to users without a default: a brief lock, no rewrite.
ALTER TABLE users
    ADD COLUMN locale text CHECK (locale IN ('ru', 'ky', 'en'));
