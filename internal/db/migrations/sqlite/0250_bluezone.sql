-- bluezone: registrations and contact logs taken over from Bluezone. The
-- logs are tracing history, never used for identity.
CREATE TABLE bluezone_apps (
	bluezone_id   TEXT PRIMARY KEY,
	person_id     TEXT NOT NULL REFERENCES persons (id),
	platform      TEXT NOT NULL DEFAULT '',
	registered_at BIGINT NOT NULL
);
CREATE INDEX bluezone_apps_person ON bluezone_apps (person_id);

CREATE TABLE bluezone_contacts (
	bluezone_id TEXT NOT NULL,
	contact_id  TEXT NOT NULL,
	first_seen  BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	rssi_max    INTEGER NOT NULL,
	PRIMARY KEY (bluezone_id, contact_id, first_seen)
);
CREATE INDEX bluezone_contacts_contact ON bluezone_contacts (contact_id, first_seen);
CREATE INDEX bluezone_contacts_seen ON bluezone_contacts (last_seen);
