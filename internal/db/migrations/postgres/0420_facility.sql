-- facility: the labs and vaccination sites that send test results and
-- doses, and their API keys. A key is shown once when it is made; only the
-- SHA-256 of its secret is kept, so the database cannot give it back. A
-- revoked key stays listed with who revoked it and when.
CREATE TABLE facilities (
	id         TEXT PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	province   TEXT NOT NULL DEFAULT '',
	disabled   BOOLEAN NOT NULL DEFAULT false,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE facility_keys (
	id           TEXT PRIMARY KEY,
	facility_id  TEXT NOT NULL REFERENCES facilities (id),
	label        TEXT NOT NULL DEFAULT '',
	secret_hash  BYTEA NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL DEFAULT 0,
	revoked_at   BIGINT NOT NULL DEFAULT 0,
	revoked_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX facility_keys_facility ON facility_keys (facility_id);
