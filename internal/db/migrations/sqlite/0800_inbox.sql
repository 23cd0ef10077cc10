-- inbox: the messages that reach a citizen in the app — exposure warnings,
-- quarantine orders, results, answers, notices from officials. What a
-- message says is sealed; its category and read flag are not.
CREATE TABLE inbox_messages (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL REFERENCES persons (id),
	dedup_key      TEXT NOT NULL,
	category       TEXT NOT NULL,
	sender         TEXT NOT NULL DEFAULT '',
	content_sealed BLOB NOT NULL,
	created_at     BIGINT NOT NULL,
	read_at        BIGINT NOT NULL DEFAULT 0
);
-- A sender's key delivers a message to a person once, however often sent.
CREATE UNIQUE INDEX inbox_messages_key ON inbox_messages (person_id, dedup_key);
CREATE INDEX inbox_messages_person ON inbox_messages (person_id, created_at);

-- A notice to everyone in an area (a ward, district, province or "VN") is
-- stored once and read by each resident from there: a ward of 30,000
-- people costs one row, and each resident's read flag is a row of its own.
CREATE TABLE inbox_notices (
	id             TEXT PRIMARY KEY,
	area           TEXT NOT NULL,
	dedup_key      TEXT NOT NULL,
	category       TEXT NOT NULL,
	sender         TEXT NOT NULL DEFAULT '',
	content_sealed BLOB NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbox_notices_key ON inbox_notices (area, dedup_key);
CREATE INDEX inbox_notices_area ON inbox_notices (area, created_at);

CREATE TABLE inbox_notice_reads (
	notice_id TEXT NOT NULL REFERENCES inbox_notices (id),
	person_id TEXT NOT NULL REFERENCES persons (id),
	read_at   BIGINT NOT NULL,
	PRIMARY KEY (notice_id, person_id)
);
