-- Subjects an ingest run linked referrals to and has not yet resolved
-- against the imported leases. A batch marks them in its own transaction
-- and the run resolves each once at its end, removing the mark in the
-- transaction that stores the attribution, so a run killed part way
-- leaves marks that the next run resolves.
CREATE TABLE attribution_pending (
	subject_id BIGINT PRIMARY KEY
);
