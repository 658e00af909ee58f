-- Linking looks up, a batch at a time, which subjects' referrals carry
-- each identifier key and address. At a million referrals, reading each
-- identifier's, event's and referral's row for that was a fifth of an
-- ingest's time (random reads all over the file). These indexes answer
-- the lookups alone: key → referral, and referral → subject.
CREATE INDEX identifiers_bi_ref ON identifiers (blind_index, referral_id);
DROP INDEX identifiers_blind_index;
CREATE INDEX ip_events_ip_ref ON ip_events (ip, referral_id);
DROP INDEX ip_events_ip;
CREATE INDEX referrals_id_subject ON referrals (id, subject_id);
