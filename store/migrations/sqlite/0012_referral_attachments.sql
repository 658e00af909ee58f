-- Documents of a referral that its sender sent apart from it: the
-- CyberTipline reporting API sends each file's details as a fileDetails
-- document naming its report, before, with or after the report. Each is
-- kept as received (sealed) with its SHA-256; the same document twice is
-- stored once, and a key (a fileDetails' fileId) names one document a
-- referral.
CREATE TABLE referral_attachments (
	id              INTEGER PRIMARY KEY,
	referral_id     INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	attachment_key  TEXT NOT NULL DEFAULT '',
	document_enc    BLOB NOT NULL,
	document_sha256 TEXT NOT NULL,
	received_at     TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	UNIQUE (referral_id, kind, attachment_key)
);
