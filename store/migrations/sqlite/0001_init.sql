-- Core schema: forces, accounts, sessions, tokens, the audit chain,
-- subjects, referrals and assessments. Times are TEXT in the fixed-width
-- layout 2006-01-02T15:04:05.000000Z (UTC), so text order is time order.
-- Columns ending _enc hold AES-GCM ciphertext of personal data.

CREATE TABLE forces (
	id              INTEGER PRIMARY KEY,
	code            TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	areas           TEXT NOT NULL DEFAULT '[]',
	weekly_capacity INTEGER NOT NULL DEFAULT 0 CHECK (weekly_capacity >= 0),
	synthetic       BOOLEAN NOT NULL DEFAULT FALSE,
	created_at      TEXT NOT NULL
);

CREATE TABLE users (
	id                   INTEGER PRIMARY KEY,
	name                 TEXT NOT NULL UNIQUE,
	display_name         TEXT NOT NULL DEFAULT '',
	role                 TEXT NOT NULL,
	force_code           TEXT REFERENCES forces (code),
	password_hash        TEXT NOT NULL DEFAULT '',
	must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
	failed_logins        INTEGER NOT NULL DEFAULT 0,
	locked_until         TEXT,
	oidc_subject         TEXT UNIQUE,
	disabled             BOOLEAN NOT NULL DEFAULT FALSE,
	last_login_at        TEXT,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);

CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash   BLOB NOT NULL UNIQUE,
	csrf_token   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	force_code   TEXT REFERENCES forces (code),
	prefix       TEXT NOT NULL,
	secret_hash  BLOB NOT NULL UNIQUE,
	created_by   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);

CREATE TABLE audit_events (
	seq         INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id   TEXT NOT NULL DEFAULT '',
	request_id  TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '',
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_action ON audit_events (action);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TABLE subject_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

CREATE TABLE subjects (
	id                 INTEGER PRIMARY KEY,
	ref                TEXT NOT NULL UNIQUE,
	name_enc           BLOB,
	address_enc        BLOB,
	force_code         TEXT REFERENCES forces (code),
	attribution_status TEXT NOT NULL DEFAULT 'unresolved',
	band               TEXT NOT NULL DEFAULT '',
	band_rank          INTEGER NOT NULL DEFAULT 4,
	due_at             TEXT,
	created_at         TEXT NOT NULL,
	updated_at         TEXT NOT NULL
);
CREATE INDEX subjects_force_due ON subjects (force_code, due_at);
CREATE INDEX subjects_due ON subjects (due_at);
CREATE INDEX subjects_band ON subjects (band_rank, due_at);

CREATE TABLE referrals (
	id              INTEGER PRIMARY KEY,
	source          TEXT NOT NULL,
	source_ref      TEXT NOT NULL,
	format          TEXT NOT NULL DEFAULT '',
	document_enc    BLOB,
	document_sha256 TEXT NOT NULL DEFAULT '',
	received_at     TEXT NOT NULL,
	incident_at     TEXT,
	incident_type   TEXT NOT NULL DEFAULT '',
	platform        TEXT NOT NULL DEFAULT '',
	escalated       BOOLEAN NOT NULL DEFAULT FALSE,
	annotations     TEXT NOT NULL DEFAULT '[]',
	force_code      TEXT REFERENCES forces (code),
	subject_id      INTEGER REFERENCES subjects (id),
	created_at      TEXT NOT NULL,
	UNIQUE (source, source_ref)
);
CREATE INDEX referrals_subject ON referrals (subject_id);
CREATE INDEX referrals_force ON referrals (force_code);

CREATE TABLE identifiers (
	id          INTEGER PRIMARY KEY,
	referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	value_enc   BLOB NOT NULL,
	blind_index BLOB NOT NULL
);
CREATE INDEX identifiers_blind_index ON identifiers (blind_index);
CREATE INDEX identifiers_referral ON identifiers (referral_id);

CREATE TABLE ip_events (
	id          INTEGER PRIMARY KEY,
	referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
	ip          TEXT NOT NULL,
	port        INTEGER,
	time_text   TEXT NOT NULL,
	at          TEXT,
	has_offset  BOOLEAN NOT NULL DEFAULT FALSE,
	event_type  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ip_events_referral ON ip_events (referral_id);
CREATE INDEX ip_events_ip ON ip_events (ip);

CREATE TABLE referral_files (
	id                 INTEGER PRIMARY KEY,
	referral_id        INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
	name_enc           BLOB,
	size               INTEGER NOT NULL DEFAULT 0,
	md5                TEXT NOT NULL DEFAULT '',
	sha1               TEXT NOT NULL DEFAULT '',
	sha256             TEXT NOT NULL DEFAULT '',
	pdq                TEXT NOT NULL DEFAULT '',
	viewed_by_esp      BOOLEAN,
	publicly_available BOOLEAN,
	annotations        TEXT NOT NULL DEFAULT '[]',
	classification     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_files_referral ON referral_files (referral_id);
CREATE INDEX referral_files_md5 ON referral_files (md5) WHERE md5 <> '';
CREATE INDEX referral_files_sha256 ON referral_files (sha256) WHERE sha256 <> '';

CREATE TABLE subject_links (
	subject_id  INTEGER NOT NULL REFERENCES subjects (id),
	referral_id INTEGER NOT NULL REFERENCES referrals (id),
	evidence    TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	PRIMARY KEY (subject_id, referral_id)
);
CREATE INDEX subject_links_referral ON subject_links (referral_id);

CREATE TABLE assessments (
	id              INTEGER PRIMARY KEY,
	subject_id      INTEGER NOT NULL REFERENCES subjects (id),
	band            TEXT NOT NULL,
	due_at          TEXT NOT NULL,
	policy_version  TEXT NOT NULL,
	trace           TEXT NOT NULL DEFAULT '[]',
	override_reason TEXT NOT NULL DEFAULT '',
	assessed_by     TEXT NOT NULL,
	created_at      TEXT NOT NULL
);
CREATE INDEX assessments_subject ON assessments (subject_id, id);
