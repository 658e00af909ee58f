-- The queue: each subject's score (the tie-break after band and due date)
-- and status (open while waiting for action, closed when done with), an
-- assessment's score, and a force's capacity per band. The two queue
-- indexes follow the queue order, so the national queue's and a force's
-- first pages are read in order, never sorted from a full scan.
ALTER TABLE subjects ADD COLUMN score REAL NOT NULL DEFAULT 0;
ALTER TABLE subjects ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE assessments ADD COLUMN score REAL NOT NULL DEFAULT 0;
ALTER TABLE forces ADD COLUMN band_capacity TEXT NOT NULL DEFAULT '{}';
CREATE INDEX subjects_queue ON subjects (status, band_rank, due_at, score DESC, id);
CREATE INDEX subjects_force_queue ON subjects (force_code, status, band_rank, due_at, score DESC, id);
