-- The assessment engine's state. A subject's facts_version goes up (by
-- trigger, so no writer can forget) whenever something an assessment reads
-- changes: a referral joins or leaves it, a scan report or an analyst's
-- fact is added or retracted, its attribution changes, an override is set.
-- The assessor re-assesses every subject whose facts_version is ahead of
-- its assessed_version, and a partial index finds those without a scan.
ALTER TABLE subjects ADD COLUMN facts_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subjects ADD COLUMN assessed_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX subjects_stale ON subjects (id) WHERE facts_version > assessed_version;

-- Risk policies, as loaded. One is active; a candidate is tried over the
-- backlog (what-if) before it is applied or discarded.
CREATE TABLE risk_policies (
	id          INTEGER PRIMARY KEY,
	version     TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	document    TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('candidate', 'active', 'retired', 'discarded')),
	loaded_by   TEXT NOT NULL,
	loaded_at   TEXT NOT NULL,
	decided_by  TEXT,
	decided_at  TEXT
);
CREATE UNIQUE INDEX risk_policies_one_active ON risk_policies (status) WHERE status = 'active';

-- Facts an analyst records on a subject: a fact path of package risk
-- (e.g. access_to_children.occupation) and its JSON value. Never updated:
-- a wrong entry is retracted with a reason and stays in the history.
CREATE TABLE subject_facts (
	id             INTEGER PRIMARY KEY,
	subject_id     INTEGER NOT NULL REFERENCES subjects (id),
	path           TEXT NOT NULL,
	value          TEXT NOT NULL,
	note_enc       BLOB,
	recorded_by    TEXT NOT NULL,
	recorded_at    TEXT NOT NULL,
	retracted_by   TEXT,
	retracted_at   TEXT,
	retract_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subject_facts_subject ON subject_facts (subject_id, id);

-- A supervisor's band overrides. The newest one not ended applies.
CREATE TABLE band_overrides (
	id         INTEGER PRIMARY KEY,
	subject_id INTEGER NOT NULL REFERENCES subjects (id),
	band       TEXT NOT NULL,
	reason     TEXT NOT NULL CHECK (reason <> ''),
	set_by     TEXT NOT NULL,
	set_at     TEXT NOT NULL,
	ended_by   TEXT,
	ended_at   TEXT
);
CREATE INDEX band_overrides_subject ON band_overrides (subject_id, id);

-- CPORT scores an investigator completed: the seven answers (true, false
-- or null for unknown) as JSON, the total and whether it is valid.
CREATE TABLE cport_scores (
	id          INTEGER PRIMARY KEY,
	subject_id  INTEGER NOT NULL REFERENCES subjects (id),
	answers     TEXT NOT NULL,
	score       INTEGER NOT NULL,
	missing     INTEGER NOT NULL,
	valid       BOOLEAN NOT NULL,
	recorded_by TEXT NOT NULL,
	recorded_at TEXT NOT NULL
);
CREATE INDEX cport_scores_subject ON cport_scores (subject_id, id);

ALTER TABLE assessments ADD COLUMN facts_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assessments ADD COLUMN computed_band TEXT NOT NULL DEFAULT '';

CREATE TRIGGER facts_referral_moved AFTER UPDATE OF subject_id ON referrals
WHEN OLD.subject_id IS NOT NEW.subject_id
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id IN (OLD.subject_id, NEW.subject_id);
END;
CREATE TRIGGER facts_referral_added AFTER INSERT ON referrals WHEN NEW.subject_id IS NOT NULL
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_scan_added AFTER INSERT ON scan_reports WHEN NEW.subject_id IS NOT NULL
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_entry_added AFTER INSERT ON subject_facts
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_entry_retracted AFTER UPDATE OF retracted_at ON subject_facts
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_override_set AFTER INSERT ON band_overrides
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_override_ended AFTER UPDATE OF ended_at ON band_overrides
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER facts_attribution_changed AFTER UPDATE OF attribution_status ON subjects
WHEN OLD.attribution_status IS NOT NEW.attribution_status
BEGIN
	UPDATE subjects SET facts_version = facts_version + 1 WHERE id = NEW.id;
END;
