-- Operations gain a status, their participating forces and coordinators
-- (JSON arrays of force codes and account names) and the hours a force has
-- to accept a package. Packages gain an acceptance deadline and the blind
-- index of their subject's installation address at sending, for
-- deconfliction; re-assignments between forces are kept as history.

ALTER TABLE operations ADD COLUMN status TEXT NOT NULL DEFAULT 'live'
	CHECK (status IN ('planning', 'live', 'closed'));
ALTER TABLE operations ADD COLUMN forces TEXT NOT NULL DEFAULT '[]';
ALTER TABLE operations ADD COLUMN coordinators TEXT NOT NULL DEFAULT '[]';
ALTER TABLE operations ADD COLUMN accept_hours INTEGER NOT NULL DEFAULT 24 CHECK (accept_hours > 0);

ALTER TABLE packages ADD COLUMN accept_by TEXT;
ALTER TABLE packages ADD COLUMN address_index BLOB;
CREATE INDEX packages_address ON packages (address_index) WHERE address_index IS NOT NULL;
CREATE INDEX packages_status_deadline ON packages (status, accept_by);

CREATE TABLE package_assignments (
	id          INTEGER PRIMARY KEY,
	package_id  INTEGER NOT NULL REFERENCES packages (id),
	from_force  TEXT NOT NULL,
	to_force    TEXT NOT NULL,
	reason      TEXT NOT NULL,
	assigned_by TEXT NOT NULL,
	at          TEXT NOT NULL
);
CREATE INDEX package_assignments_package ON package_assignments (package_id, id);

-- The officer who did an action (a name or collar number), beside the
-- account that recorded it.
ALTER TABLE actions ADD COLUMN officer TEXT NOT NULL DEFAULT '';
