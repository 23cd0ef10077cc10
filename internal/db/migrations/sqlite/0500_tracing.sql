-- tracing: cases (F0), the close contacts found for them (F1, F2) with the
-- evidence of each link, and the rules that decide who is a contact (see
-- internal/tracing). Contacts and evidence hold internal ids, times and
-- place names only; what a case wrote about a contact is sealed.

-- The rules are data: one version per row, in force from its date (Vietnam
-- time) until the next version's, so an authority changes a parameter (the
-- venue window, the seat distance) without a new release. A case records
-- the version its window and contacts were computed by.
CREATE TABLE tracing_rules (
	version        TEXT PRIMARY KEY,
	effective_from TEXT NOT NULL,
	title          TEXT NOT NULL DEFAULT '',
	rules          TEXT NOT NULL,
	created_at     BIGINT NOT NULL
);
INSERT INTO tracing_rules (version, effective_from, title, rules, created_at) VALUES ('BYT-2021', '2020-01-01',
	'Bộ Y tế: tiếp xúc gần với ca bệnh COVID-19',
	'{"window":{"days_before":2},"venue":{"enabled":true,"within_minutes":60},"transport":{"enabled":true,"flight_rows":2,"train_same_car":true,"unknown_seat":true},"household":{"enabled":true},"bluetooth":{"enabled":true,"min_minutes":15,"min_rssi":-75},"declared":{"enabled":true},"episode_gap_days":90}',
	0);

-- Case numbers are given in order: "case 12" names a case everywhere (the
-- audit trail's purpose reference, the console, a verification code).
CREATE TABLE tracing_counters (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO tracing_counters (name, value) VALUES ('case', 0);

-- One case per person per episode: a second positive result of the same
-- episode joins the case (tracing_case_results) instead of making another.
CREATE TABLE tracing_cases (
	id            BIGINT PRIMARY KEY,
	person_id     TEXT NOT NULL REFERENCES persons (id),
	area          TEXT NOT NULL DEFAULT '',
	sampled_at    BIGINT NOT NULL,
	onset_at      BIGINT NOT NULL DEFAULT 0,
	confirmed_at  BIGINT NOT NULL,
	window_from   BIGINT NOT NULL,
	window_to     BIGINT NOT NULL,
	rules_version TEXT NOT NULL,
	source        TEXT NOT NULL,
	status        TEXT NOT NULL,
	registered_by TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX tracing_cases_person ON tracing_cases (person_id, sampled_at);
CREATE INDEX tracing_cases_area ON tracing_cases (area, id);

-- The results a case rests on; a result registered again changes nothing.
CREATE TABLE tracing_case_results (
	test_id  TEXT PRIMARY KEY,
	case_id  BIGINT NOT NULL REFERENCES tracing_cases (id),
	source   TEXT NOT NULL,
	added_at BIGINT NOT NULL
);
CREATE INDEX tracing_case_results_case ON tracing_case_results (case_id);

-- Contacts a case declared or an official entered.
CREATE TABLE tracing_declared (
	case_id      BIGINT NOT NULL REFERENCES tracing_cases (id),
	person_id    TEXT NOT NULL REFERENCES persons (id),
	met_at       BIGINT NOT NULL,
	place_sealed BLOB,
	by_kind      TEXT NOT NULL,
	by_id        TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (case_id, person_id, met_at)
);

-- One row per person found for a case: degree 1 (F1) or 2 (F2), via whom,
-- when first and last exposed, and the official's decision on it.
CREATE TABLE tracing_links (
	case_id        BIGINT NOT NULL REFERENCES tracing_cases (id),
	person_id      TEXT NOT NULL,
	degree         INTEGER NOT NULL,
	via_person     TEXT NOT NULL,
	area           TEXT NOT NULL DEFAULT '',
	first_exposure BIGINT NOT NULL,
	last_exposure  BIGINT NOT NULL,
	status         TEXT NOT NULL,
	decided_by     TEXT NOT NULL DEFAULT '',
	decided_at     BIGINT NOT NULL DEFAULT 0,
	found_at       BIGINT NOT NULL,
	notified_at    BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (case_id, person_id)
);
CREATE INDEX tracing_links_person ON tracing_links (person_id, case_id);
CREATE INDEX tracing_links_area ON tracing_links (area, case_id);

-- The evidence of each link: which rule, where, the two people's times and
-- how long they overlapped. The key is derived from the records it rests
-- on (two check-ins, two declarations, a log line), so a run made again
-- writes the same rows.
CREATE TABLE tracing_evidence (
	case_id       BIGINT NOT NULL,
	person_id     TEXT NOT NULL,
	source_person TEXT NOT NULL,
	rule          TEXT NOT NULL,
	evidence_key  TEXT NOT NULL,
	degree        INTEGER NOT NULL,
	place         TEXT NOT NULL DEFAULT '',
	place_ref     TEXT NOT NULL DEFAULT '',
	source_from   BIGINT NOT NULL,
	source_to     BIGINT NOT NULL,
	contact_from  BIGINT NOT NULL,
	contact_to    BIGINT NOT NULL,
	overlap_ms    BIGINT NOT NULL DEFAULT 0,
	detail        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (case_id, person_id, source_person, rule, evidence_key)
);

-- Each tracing run: started, finished (0 while running or interrupted).
CREATE TABLE tracing_runs (
	id            TEXT PRIMARY KEY,
	case_id       BIGINT NOT NULL REFERENCES tracing_cases (id),
	degree        INTEGER NOT NULL,
	rules_version TEXT NOT NULL,
	started_by    TEXT NOT NULL,
	started_at    BIGINT NOT NULL,
	finished_at   BIGINT NOT NULL DEFAULT 0,
	found         INTEGER NOT NULL DEFAULT 0,
	evidence      INTEGER NOT NULL DEFAULT 0,
	notified      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tracing_runs_case ON tracing_runs (case_id, started_at);

-- Where the jobs that register cases from results left off.
CREATE TABLE tracing_cursors (
	name TEXT PRIMARY KEY,
	at   BIGINT NOT NULL,
	id   TEXT NOT NULL
);

-- The results in the order they were stored, for the job that registers a
-- case from each positive result (taken over, sent by a lab, entered by an
-- official) without reading the whole table each time.
CREATE INDEX test_results_created ON test_results (created_at, id);
