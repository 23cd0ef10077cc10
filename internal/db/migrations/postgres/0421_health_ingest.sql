-- health: every test result and dose a facility sent (JSON API, FHIR or a
-- batch file uploaded in the console), keyed by facility, kind and the
-- facility's own id (sample id, dose id), so that sending it again changes
-- nothing; content_mac tells a resend from a different record under a
-- used id. A record tied to its person (status 'linked') made the
-- test_results or vaccinations row named by id; one that could not be tied
-- safely waits for an official (status 'review') with the record sealed
-- and its best candidate, if any, with the evidence. Nothing is dropped.
-- (The takeover's queue, linkage_reviews, holds pairs of a record already
-- tied to a person of its own; these records are tied to no one yet.)
CREATE TABLE health_ingest (
	facility_id   TEXT NOT NULL REFERENCES facilities (id),
	kind          TEXT NOT NULL,
	external_id   TEXT NOT NULL,
	id            TEXT NOT NULL UNIQUE,
	content_mac   BYTEA NOT NULL,
	status        TEXT NOT NULL,
	person_id     TEXT REFERENCES persons (id),
	method        TEXT NOT NULL DEFAULT '',
	score         REAL NOT NULL DEFAULT 0,
	evidence      TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	candidate_id  TEXT NOT NULL DEFAULT '',
	area          TEXT NOT NULL DEFAULT '',
	record_sealed BYTEA NOT NULL,
	via           TEXT NOT NULL,
	batch_id      TEXT NOT NULL DEFAULT '',
	received_at   BIGINT NOT NULL,
	decided_by    TEXT NOT NULL DEFAULT '',
	decided_at    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (facility_id, kind, external_id)
);
CREATE INDEX health_ingest_review ON health_ingest (status, area, received_at);
CREATE INDEX health_ingest_person ON health_ingest (person_id);
CREATE INDEX health_ingest_batch ON health_ingest (batch_id);

-- health: confirmed cases (F0) to hand to tracing. The row is written in
-- the transaction that stores the positive result; tracing is told after
-- the commit, and housekeeping retries what was not delivered, so a case is
-- never lost between the two. Tracing registers a case once per test id.
CREATE TABLE health_case_outbox (
	test_id      TEXT PRIMARY KEY,
	person_id    TEXT NOT NULL REFERENCES persons (id),
	sampled_at   BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	delivered_at BIGINT NOT NULL DEFAULT 0,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX health_case_outbox_pending ON health_case_outbox (delivered_at, created_at);
