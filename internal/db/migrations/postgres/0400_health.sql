-- health: vaccine doses and test results, taken over or sent by
-- facilities, and chronic conditions. The medical details are sealed; the
-- dose number and dates stay in clear for counting.
CREATE TABLE vaccinations (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL REFERENCES persons (id),
	source         TEXT NOT NULL,
	record_key     TEXT NOT NULL DEFAULT '',
	dose_number    INTEGER NOT NULL,
	vaccinated_on  TEXT NOT NULL,
	details_sealed BYTEA NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE INDEX vaccinations_person ON vaccinations (person_id, vaccinated_on);

CREATE TABLE test_results (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL REFERENCES persons (id),
	source         TEXT NOT NULL,
	record_key     TEXT NOT NULL DEFAULT '',
	sampled_at     BIGINT NOT NULL,
	result_at      BIGINT NOT NULL DEFAULT 0,
	details_sealed BYTEA NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE INDEX test_results_person ON test_results (person_id, sampled_at);

CREATE TABLE health_conditions (
	person_id      TEXT NOT NULL REFERENCES persons (id),
	source         TEXT NOT NULL,
	record_key     TEXT NOT NULL,
	details_sealed BYTEA NOT NULL,
	created_at     BIGINT NOT NULL,
	PRIMARY KEY (person_id, source, record_key)
);
