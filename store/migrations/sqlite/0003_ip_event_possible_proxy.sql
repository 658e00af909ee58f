-- The source's possibleProxy flag on an IP event: it makes attribution
-- ambiguous, so it is kept with the event.
ALTER TABLE ip_events ADD COLUMN possible_proxy BOOLEAN NOT NULL DEFAULT FALSE;
