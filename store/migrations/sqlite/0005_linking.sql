-- Linking in the server. Identifiers' blind indexes move to linking's
-- normalised form (bi_version 2); rows written under the old form (1) are
-- re-indexed by the store at start, since SQL cannot compute the HMAC.
-- A referral's links keep their history: a merge or split ends a link
-- (ended_at) and adds a new one, and at most one link a referral is
-- current. A subject merged into another points at it. Possible links
-- (weak identifiers, or strong ones bridging subjects an analyst or force
-- boundary keeps apart) wait for an analyst; decisions are kept. Ingest
-- runs (safeguard ingest, and the API a day and actor) and their
-- rejections are kept for the intake page; a rejection's error may quote
-- the input, so it is sealed.
ALTER TABLE identifiers ADD COLUMN bi_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX identifiers_bi_old ON identifiers (id) WHERE bi_version < 2;

ALTER TABLE subjects ADD COLUMN merged_into INTEGER REFERENCES subjects (id);
CREATE INDEX subjects_merged_into ON subjects (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE subject_links_v2 (
	id           INTEGER PRIMARY KEY,
	subject_id   INTEGER NOT NULL REFERENCES subjects (id),
	referral_id  INTEGER NOT NULL REFERENCES referrals (id),
	evidence     TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	ended_at     TEXT,
	ended_reason TEXT NOT NULL DEFAULT ''
);
INSERT INTO subject_links_v2 (subject_id, referral_id, evidence, created_at)
	SELECT subject_id, referral_id, evidence, created_at FROM subject_links ORDER BY created_at, referral_id;
DROP TABLE subject_links;
ALTER TABLE subject_links_v2 RENAME TO subject_links;
CREATE INDEX subject_links_subject ON subject_links (subject_id);
CREATE UNIQUE INDEX subject_links_current ON subject_links (referral_id) WHERE ended_at IS NULL;
CREATE INDEX subject_links_referral ON subject_links (referral_id);

CREATE TABLE possible_links (
	id              INTEGER PRIMARY KEY,
	subject_id      INTEGER NOT NULL REFERENCES subjects (id),
	other_id        INTEGER NOT NULL REFERENCES subjects (id),
	kind            TEXT NOT NULL,
	key_hash        BLOB NOT NULL,
	masked          TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	referrals       TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL DEFAULT 'open',
	decided_by      TEXT NOT NULL DEFAULT '',
	decision_reason TEXT NOT NULL DEFAULT '',
	decided_at      TEXT,
	created_at      TEXT NOT NULL,
	CHECK (subject_id < other_id),
	UNIQUE (subject_id, other_id, kind, key_hash)
);
CREATE INDEX possible_links_other ON possible_links (other_id);
CREATE INDEX possible_links_key ON possible_links (key_hash);
CREATE INDEX possible_links_open ON possible_links (created_at) WHERE status = 'open';

CREATE TABLE ingest_runs (
	id          INTEGER PRIMARY KEY,
	origin      TEXT NOT NULL,
	actor       TEXT NOT NULL DEFAULT '',
	api_key     TEXT UNIQUE,
	files       TEXT NOT NULL DEFAULT '',
	accepted    INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	rejected    INTEGER NOT NULL DEFAULT 0,
	started_at  TEXT NOT NULL,
	finished_at TEXT
);
CREATE INDEX ingest_runs_started ON ingest_runs (started_at);

CREATE TABLE ingest_rejections (
	id         INTEGER PRIMARY KEY,
	run_id     INTEGER NOT NULL REFERENCES ingest_runs (id),
	file       TEXT NOT NULL DEFAULT '',
	location   TEXT NOT NULL DEFAULT '',
	error_enc  BLOB,
	created_at TEXT NOT NULL
);
CREATE INDEX ingest_rejections_run ON ingest_rejections (run_id);
CREATE INDEX ingest_rejections_created ON ingest_rejections (created_at);
