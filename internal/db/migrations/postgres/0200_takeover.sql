-- takeover: one row per import of a legacy dump. An import that was killed
-- is resumed from batches_done by the next run on the same dump.
CREATE TABLE takeover_runs (
	id           TEXT PRIMARY KEY,
	fingerprint  TEXT NOT NULL,
	started_at   BIGINT NOT NULL,
	finished_at  BIGINT NOT NULL DEFAULT 0,
	batches_done INTEGER NOT NULL DEFAULT 0,
	report       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX takeover_runs_fingerprint ON takeover_runs (fingerprint);

-- linkage: every legacy record taken over, the person it was tied to, how,
-- and its identity evidence (sealed) for later imports and for review.
CREATE TABLE legacy_records (
	source         TEXT NOT NULL,
	record_key     TEXT NOT NULL,
	person_id      TEXT NOT NULL REFERENCES persons (id),
	run_id         TEXT NOT NULL,
	method         TEXT NOT NULL,
	score          DOUBLE PRECISION NOT NULL DEFAULT 0,
	evidence       TEXT NOT NULL DEFAULT '',
	profile_sealed BYTEA NOT NULL,
	recorded_at    BIGINT NOT NULL,
	PRIMARY KEY (source, record_key)
);
CREATE INDEX legacy_records_person ON legacy_records (person_id);

-- linkage: pairs no rule could decide, for an official.
CREATE TABLE linkage_reviews (
	id           TEXT PRIMARY KEY,
	source       TEXT NOT NULL,
	record_key   TEXT NOT NULL,
	candidate_id TEXT NOT NULL REFERENCES persons (id),
	area         TEXT NOT NULL DEFAULT '',
	score        DOUBLE PRECISION NOT NULL,
	evidence     TEXT NOT NULL,
	status       TEXT NOT NULL DEFAULT 'open',
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   BIGINT NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	UNIQUE (source, record_key, candidate_id)
);
CREATE INDEX linkage_reviews_open ON linkage_reviews (status, area);
