-- feedback: citizens' reports (phản ánh) about a place — crowding, no
-- masks, a quarantine breach, a venue not checking people in — sent to the
-- authorities of the ward, who answer and close them. What the citizen and
-- the officer wrote is sealed. Officers never see who reported.
CREATE TABLE feedback_reports (
	id            TEXT PRIMARY KEY,
	person_id     TEXT NOT NULL REFERENCES persons (id),
	account_id    TEXT NOT NULL,
	ward_code     TEXT NOT NULL,
	category      TEXT NOT NULL,
	text_sealed   BYTEA NOT NULL,
	status        TEXT NOT NULL,
	answer_sealed BYTEA,
	answered_by   TEXT NOT NULL DEFAULT '',
	answered_at   BIGINT NOT NULL DEFAULT 0,
	answers       INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX feedback_reports_ward ON feedback_reports (ward_code, created_at);
CREATE INDEX feedback_reports_person ON feedback_reports (person_id, created_at);
