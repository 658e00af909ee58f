-- Hash banks and their entries, scan reports, and operations with their
-- packages and actions. Times are TEXT in the fixed-width layout
-- 2006-01-02T15:04:05.000000Z (UTC), as in 0001. Hashes are not personal
-- data and are stored in clear (lower-case hex); a scan report's document
-- is sealed (document_enc).

CREATE TABLE hash_banks (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	version     INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
	scheme      TEXT NOT NULL,
	source      TEXT NOT NULL DEFAULT '',
	licence     TEXT NOT NULL DEFAULT '',
	sha256      TEXT NOT NULL DEFAULT '',
	entries     INTEGER NOT NULL DEFAULT 0 CHECK (entries >= 0),
	categories  TEXT NOT NULL DEFAULT '{}',
	imported_by TEXT NOT NULL DEFAULT '',
	imported_at TEXT NOT NULL,
	created_at  TEXT NOT NULL
);

CREATE TABLE bank_entries (
	id       INTEGER PRIMARY KEY,
	bank_id  INTEGER NOT NULL REFERENCES hash_banks (id) ON DELETE CASCADE,
	entry_id TEXT NOT NULL DEFAULT '',
	md5      TEXT NOT NULL DEFAULT '',
	sha1     TEXT NOT NULL DEFAULT '',
	sha256   TEXT NOT NULL DEFAULT '',
	pdq      TEXT NOT NULL DEFAULT '',
	quality  INTEGER,
	photodna TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,
	size     INTEGER,
	extra    TEXT
);
CREATE INDEX bank_entries_bank ON bank_entries (bank_id, id);
CREATE INDEX bank_entries_md5 ON bank_entries (md5) WHERE md5 <> '';
CREATE INDEX bank_entries_sha1 ON bank_entries (sha1) WHERE sha1 <> '';
CREATE INDEX bank_entries_sha256 ON bank_entries (sha256) WHERE sha256 <> '';

CREATE TABLE scan_reports (
	id           INTEGER PRIMARY KEY,
	subject_id   INTEGER REFERENCES subjects (id),
	document_enc BLOB NOT NULL,
	sha256       TEXT NOT NULL,
	tool         TEXT NOT NULL DEFAULT '',
	files        INTEGER NOT NULL DEFAULT 0 CHECK (files >= 0),
	matched      INTEGER NOT NULL DEFAULT 0 CHECK (matched >= 0),
	by_category  TEXT NOT NULL DEFAULT '{}',
	uploaded_by  TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX scan_reports_subject ON scan_reports (subject_id, id);

CREATE TABLE operations (
	id         INTEGER PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	starts_at  TEXT NOT NULL,
	ends_at    TEXT,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE packages (
	id           INTEGER PRIMARY KEY,
	operation_id INTEGER NOT NULL REFERENCES operations (id),
	subject_id   INTEGER NOT NULL REFERENCES subjects (id),
	force_code   TEXT NOT NULL REFERENCES forces (code),
	status       TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'returned')),
	note         TEXT NOT NULL DEFAULT '',
	answer_note  TEXT NOT NULL DEFAULT '',
	sent_by      TEXT NOT NULL,
	sent_at      TEXT NOT NULL,
	answered_by  TEXT NOT NULL DEFAULT '',
	answered_at  TEXT
);
CREATE INDEX packages_operation ON packages (operation_id, id);
CREATE INDEX packages_force ON packages (force_code, id);
CREATE INDEX packages_subject ON packages (subject_id);

-- Actions are never edited or deleted: a correction is a new row that
-- supersedes an earlier one of the same package.
CREATE TABLE actions (
	id              INTEGER PRIMARY KEY,
	package_id      INTEGER NOT NULL REFERENCES packages (id),
	kind            TEXT NOT NULL,
	count           INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
	at              TEXT NOT NULL,
	note            TEXT NOT NULL DEFAULT '',
	override_reason TEXT NOT NULL DEFAULT '',
	supersedes      INTEGER REFERENCES actions (id),
	correction_note TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT,
	recorded_by     TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	UNIQUE (package_id, idempotency_key)
);
CREATE INDEX actions_package ON actions (package_id, at, id);

CREATE TRIGGER actions_no_update BEFORE UPDATE ON actions
BEGIN
	SELECT RAISE(ABORT, 'actions are append-only');
END;
CREATE TRIGGER actions_no_delete BEFORE DELETE ON actions
BEGIN
	SELECT RAISE(ABORT, 'actions are append-only');
END;
