-- quarantine: isolation (F0) and quarantine (F1, arrivals) orders computed
-- from versioned policies, the daily health reports people file, their
-- test appointments, and the alerts officers see (see internal/quarantine).

-- The policies are data, each in force from its date (Vietnam time) until
-- the next one's: the Ministry of Health's guidance changed several times,
-- and an order records the policy and the rule of it that applied. The
-- three below are the guidance the platform started with; an authority
-- adds a version (pccovid quarantine policy add) without a new release.
CREATE TABLE quarantine_policies (
	code           TEXT PRIMARY KEY,
	effective_from TEXT NOT NULL,
	title_vi       TEXT NOT NULL,
	title_en       TEXT NOT NULL,
	rules          TEXT NOT NULL,
	created_at     BIGINT NOT NULL
);
INSERT INTO quarantine_policies (code, effective_from, title_vi, title_en, rules, created_at) VALUES ('5599/BYT-MT', '2021-07-14',
	'Công văn 5599/BYT-MT: cách ly tập trung 14 ngày, theo dõi sức khỏe tại nhà 14 ngày',
	'Letter 5599/BYT-MT: 14 days in a quarantine facility, then 14 days of health monitoring at home',
	'{"vaccination":{"min_days_after_last_dose":14,"recovered_within_days":180},"rules":[
	{"name":"f0_facility","reasons":["f0"],"kind":"isolation","place":"facility","days":14,"monitor_days":14,"tests":[{"day":14,"type":"PCR"}],"release":{"test_day":14,"test_type":"PCR","otherwise_days":21}},
	{"name":"f1_facility","reasons":["f1","entry"],"kind":"quarantine","place":"facility","days":14,"monitor_days":14,"tests":[{"day":1,"type":"PCR"},{"day":7,"type":"PCR"},{"day":14,"type":"PCR"}],"release":{"test_day":14,"test_type":"PCR"}}]}',
	0);
INSERT INTO quarantine_policies (code, effective_from, title_vi, title_en, rules, created_at) VALUES ('10696/BYT-MT', '2021-12-16',
	'Công văn 10696/BYT-MT: F1 đã tiêm đủ liều hoặc mới khỏi bệnh cách ly tại nhà 7 ngày, tự theo dõi 7 ngày',
	'Letter 10696/BYT-MT: a fully vaccinated or recently recovered F1 quarantines at home 7 days, then monitors 7 days',
	'{"vaccination":{"min_days_after_last_dose":14,"recovered_within_days":180},"rules":[
	{"name":"f0_home","reasons":["f0"],"kind":"isolation","place":"home","days":10,"monitor_days":7,"tests":[{"day":10,"type":"RAT"}],"release":{"test_day":10,"test_type":"RAT","otherwise_days":14}},
	{"name":"f1_vaccinated","reasons":["f1"],"vaccinated":true,"kind":"quarantine","place":"home","days":7,"monitor_days":7,"tests":[{"day":1,"type":"PCR"},{"day":7,"type":"PCR"}],"release":{"test_day":7,"test_type":"PCR"}},
	{"name":"f1_not_vaccinated","reasons":["f1"],"vaccinated":false,"kind":"quarantine","place":"home","days":14,"monitor_days":0,"tests":[{"day":1,"type":"PCR"},{"day":7,"type":"PCR"},{"day":14,"type":"PCR"}],"release":{"test_day":14,"test_type":"PCR"}},
	{"name":"entry_vaccinated","reasons":["entry"],"vaccinated":true,"kind":"quarantine","place":"home","days":3,"monitor_days":11,"tests":[{"day":3,"type":"PCR"}],"release":{"test_day":3,"test_type":"PCR"}},
	{"name":"entry","reasons":["entry"],"kind":"quarantine","place":"home","days":7,"monitor_days":7,"tests":[{"day":1,"type":"PCR"},{"day":7,"type":"PCR"}],"release":{"test_day":7,"test_type":"PCR"}}]}',
	0);
INSERT INTO quarantine_policies (code, effective_from, title_vi, title_en, rules, created_at) VALUES ('762/BYT-DP', '2022-02-21',
	'Công văn 762/BYT-DP: F1 cách ly 5 hoặc 7 ngày tùy tiêm chủng; F0 tại nhà kết thúc cách ly sau 7 ngày nếu test nhanh âm tính',
	'Letter 762/BYT-DP: F1 quarantine 5 or 7 days by vaccination; a home F0 is released after 7 days with a negative rapid test',
	'{"vaccination":{"min_days_after_last_dose":14,"recovered_within_days":180},"rules":[
	{"name":"f0_home","reasons":["f0"],"kind":"isolation","place":"home","days":7,"monitor_days":3,"tests":[{"day":7,"type":"RAT"}],"release":{"test_day":7,"test_type":"RAT","otherwise_days":10}},
	{"name":"f1_vaccinated","reasons":["f1"],"vaccinated":true,"kind":"quarantine","place":"home","days":5,"monitor_days":5,"tests":[{"day":5,"type":"RAT"}],"release":{"test_day":5,"test_type":"RAT"}},
	{"name":"f1_not_vaccinated","reasons":["f1"],"vaccinated":false,"kind":"quarantine","place":"home","days":7,"monitor_days":3,"tests":[{"day":7,"type":"RAT"}],"release":{"test_day":7,"test_type":"RAT"}},
	{"name":"entry","reasons":["entry"],"kind":"quarantine","place":"home","days":3,"monitor_days":7,"tests":[{"day":3,"type":"RAT"}],"release":{"test_day":3,"test_type":"RAT"}}]}',
	0);

-- Decision numbers, in order, printed on the PDF.
CREATE TABLE quarantine_counters (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO quarantine_counters (name, value) VALUES ('order', 0);

-- One order per reason per person: dedup_key ("f1/case 12/<person>",
-- "entry/<declaration>", "f0/case 12") makes issuing it again change
-- nothing. ward_code is where the person stays: the ward whose commune
-- officers follow the order.
CREATE TABLE quarantine_orders (
	id            TEXT PRIMARY KEY,
	number        BIGINT NOT NULL UNIQUE,
	dedup_key     TEXT NOT NULL UNIQUE,
	person_id     TEXT NOT NULL REFERENCES persons (id),
	kind          TEXT NOT NULL,
	reason        TEXT NOT NULL,
	ref           TEXT NOT NULL,
	case_id       BIGINT NOT NULL DEFAULT 0,
	place         TEXT NOT NULL,
	ward_code     TEXT NOT NULL,
	policy_code   TEXT NOT NULL,
	policy_rule   TEXT NOT NULL,
	vaccinated    BOOLEAN NOT NULL,
	start_date    TEXT NOT NULL,
	planned_end   TEXT NOT NULL,
	monitor_until TEXT NOT NULL,
	status        TEXT NOT NULL,
	status_note   TEXT NOT NULL DEFAULT '',
	issued_by     TEXT NOT NULL,
	issued_at     BIGINT NOT NULL,
	closed_by     TEXT NOT NULL DEFAULT '',
	closed_at     BIGINT NOT NULL DEFAULT 0,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX quarantine_orders_ward ON quarantine_orders (ward_code, status, planned_end);
CREATE INDEX quarantine_orders_person ON quarantine_orders (person_id, start_date);
CREATE INDEX quarantine_orders_status ON quarantine_orders (status, planned_end);

-- Test appointments of an order. Whether a test was taken is in clear (the
-- board shows what is due); its result is sealed.
CREATE TABLE quarantine_tests (
	order_id      TEXT NOT NULL REFERENCES quarantine_orders (id),
	day           INTEGER NOT NULL,
	due_date      TEXT NOT NULL,
	test_type     TEXT NOT NULL,
	done          BOOLEAN NOT NULL DEFAULT FALSE,
	result_sealed BYTEA,
	sampled_at    BIGINT NOT NULL DEFAULT 0,
	test_id       TEXT NOT NULL DEFAULT '',
	recorded_by   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (order_id, day)
);

-- Daily health reports, one per order per day (filing again replaces it).
-- What the person reported is sealed; flagged says a fever or a symptom
-- was reported, which alerts the officer.
CREATE TABLE quarantine_reports (
	order_id      TEXT NOT NULL REFERENCES quarantine_orders (id),
	day           TEXT NOT NULL,
	filed_at      BIGINT NOT NULL,
	report_sealed BYTEA NOT NULL,
	flagged       BOOLEAN NOT NULL,
	PRIMARY KEY (order_id, day)
);

-- Alerts for the commune officers of the ward: a missed report, an
-- overdue test, symptoms reported. One per order, kind and day.
CREATE TABLE quarantine_alerts (
	order_id    TEXT NOT NULL REFERENCES quarantine_orders (id),
	kind        TEXT NOT NULL,
	day         TEXT NOT NULL,
	ward_code   TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	resolved_at BIGINT NOT NULL DEFAULT 0,
	resolved_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (order_id, kind, day)
);
CREATE INDEX quarantine_alerts_ward ON quarantine_alerts (ward_code, resolved_at);

-- Where the job that gives arrivals their orders left off.
CREATE TABLE quarantine_cursors (
	name TEXT PRIMARY KEY,
	at   BIGINT NOT NULL,
	id   TEXT NOT NULL
);
