-- Attribution: ISP response imports, their leases, known proxy ranges,
-- stored attributions per IP event and per subject, and warrant overrides.
-- Columns ending _enc hold AES-GCM ciphertext of personal data; _bi columns
-- the keyed blind index of a subscriber id. Reason codes are stored in
-- clear, their sentences (which name subscribers) sealed.

CREATE TABLE attribution_imports (
	id                INTEGER PRIMARY KEY,
	kind              TEXT NOT NULL CHECK (kind IN ('isp_csv', 'radius', 'proxy_list')),
	file_name         TEXT NOT NULL,
	sha256            TEXT NOT NULL,
	row_count         INTEGER NOT NULL,
	span_from         TEXT,
	span_to           TEXT,
	subjects_resolved INTEGER NOT NULL DEFAULT 0,
	imported_by       TEXT NOT NULL,
	created_at        TEXT NOT NULL
);

CREATE TABLE leases (
	id                  INTEGER PRIMARY KEY,
	import_id           INTEGER NOT NULL REFERENCES attribution_imports (id),
	prefix              TEXT NOT NULL,
	has_ports           BOOLEAN NOT NULL DEFAULT FALSE,
	port_start          INTEGER NOT NULL DEFAULT 0,
	port_end            INTEGER NOT NULL DEFAULT 0,
	start_at            TEXT NOT NULL,
	end_at              TEXT NOT NULL,
	shared              BOOLEAN NOT NULL DEFAULT FALSE,
	open_start          BOOLEAN NOT NULL DEFAULT FALSE,
	open_end            BOOLEAN NOT NULL DEFAULT FALSE,
	clock_warning       TEXT NOT NULL DEFAULT '',
	source              TEXT NOT NULL DEFAULT '',
	subscriber_enc      BLOB NOT NULL,
	subscriber_bi       BLOB NOT NULL,
	name_enc            BLOB,
	install_address_enc BLOB,
	billing_address_enc BLOB,
	calling_station_enc BLOB
);
-- A lease is found by the prefixes that can contain an address (one per
-- prefix length), then by time.
CREATE INDEX leases_prefix ON leases (prefix, start_at);
CREATE INDEX leases_subscriber ON leases (subscriber_bi);
CREATE INDEX leases_import ON leases (import_id);

CREATE TABLE proxy_ranges (
	id        INTEGER PRIMARY KEY,
	import_id INTEGER NOT NULL REFERENCES attribution_imports (id),
	prefix    TEXT NOT NULL,
	label     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE ip_event_attributions (
	ip_event_id         INTEGER PRIMARY KEY REFERENCES ip_events (id) ON DELETE CASCADE,
	subject_id          INTEGER NOT NULL REFERENCES subjects (id),
	status              TEXT NOT NULL,
	subscriber_enc      BLOB,
	subscriber_bi       BLOB,
	name_enc            BLOB,
	install_address_enc BLOB,
	billing_address_enc BLOB,
	reason_codes        TEXT NOT NULL DEFAULT '[]',
	reasons_enc         BLOB,
	import_ids          TEXT NOT NULL DEFAULT '[]',
	resolved_at         TEXT NOT NULL
);
CREATE INDEX ip_event_attributions_subject ON ip_event_attributions (subject_id);

CREATE TABLE subject_attributions (
	subject_id                INTEGER PRIMARY KEY REFERENCES subjects (id),
	status                    TEXT NOT NULL,
	subscriber_enc            BLOB,
	subscriber_bi             BLOB,
	name_enc                  BLOB,
	install_address_enc       BLOB,
	billing_address_enc       BLOB,
	reason_codes              TEXT NOT NULL DEFAULT '[]',
	reasons_enc               BLOB,
	address_from_installation BOOLEAN NOT NULL DEFAULT FALSE,
	assigned_force            TEXT NOT NULL DEFAULT '',
	address_note_enc          BLOB,
	resolved_at               TEXT NOT NULL
);

CREATE TABLE warrant_overrides (
	action_id          INTEGER PRIMARY KEY REFERENCES actions (id),
	subject_id         INTEGER NOT NULL REFERENCES subjects (id),
	attribution_status TEXT NOT NULL,
	overridden_by      TEXT NOT NULL,
	created_at         TEXT NOT NULL
);
CREATE INDEX warrant_overrides_subject ON warrant_overrides (subject_id);

-- After a lease import, the subjects whose events fall in its span are
-- found by time.
CREATE INDEX ip_events_at ON ip_events (at);
