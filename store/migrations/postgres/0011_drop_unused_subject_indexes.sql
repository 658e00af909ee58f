-- Two indexes of the first schema that no query needs since the queue
-- indexes came (0007, 0009): a force's overdue subjects are found by
-- subjects_force_queue (force, status, band, due date), and the "due"
-- sort never used subjects_due (it sorts subjects without a due date
-- last, which no plain index order gives). Every assessment that moves a
-- subject in the queue had to update both: at a million subjects they
-- cost the assessor a fifth of its writing.
DROP INDEX IF EXISTS subjects_due;
DROP INDEX IF EXISTS subjects_force_due;
