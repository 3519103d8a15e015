-- Referral keys under key administration.
--
-- Each referral seals its note, decline reason and outcome under its own
-- data key, wrapped by the master key like a case's. Master key rotation
-- must re-wrap those keys too, and erasing a case must destroy the keys of
-- its referrals. The maintenance role reads and writes the key columns of
-- referrals only: the id and case id to find them, the wrapped key and its
-- master key version; nothing of the referral's parties or contents.
--
-- Locks: a policy and column grants on referrals; a brief lock, no scan.

CREATE POLICY referrals_maintenance ON referrals TO jardam_maint USING (true) WITH CHECK (true);
GRANT SELECT (id, case_id, key_master_version, key_wrapped) ON referrals TO jardam_maint;
GRANT UPDATE (key_master_version, key_wrapped) ON referrals TO jardam_maint;
