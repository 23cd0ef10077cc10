-- risk: the rules that turn a person's doses, tests and recovery into the
-- colour of their status card (see internal/risk). Rules are data, not
-- code: each row is one version of the rules for one scope — the whole
-- country (VN) or a province (its 2-digit GSO code) — in force from
-- effective_from (midnight, Vietnam time). A province's latest version in
-- force overrides the country's. Rows are never changed or deleted: a
-- change is a new version, so a card can always say which rules applied.
-- Lists are comma-separated codes: EU vaccine product codes, test types.
CREATE TABLE risk_rule_sets (
	id                  TEXT PRIMARY KEY,
	name                TEXT NOT NULL,
	scope               TEXT NOT NULL,
	effective_from      BIGINT NOT NULL,
	days_after_dose     INTEGER NOT NULL,
	doses_needed        INTEGER NOT NULL,
	one_dose_products   TEXT NOT NULL,
	recovery_days       INTEGER NOT NULL,
	negative_test_hours INTEGER NOT NULL,
	test_types          TEXT NOT NULL,
	positive_test_days  INTEGER NOT NULL,
	created_by          TEXT NOT NULL,
	created_at          BIGINT NOT NULL
);
CREATE INDEX risk_rule_sets_scope ON risk_rule_sets (scope, effective_from);

-- PC-Covid's rules, for the whole country, from the first vaccination day
-- (8 March 2021): green 14 days after a full course (2 doses, or 1 of
-- Janssen's one-dose vaccine) or within 180 days of recovery; yellow 14
-- days after one dose or within 72 hours of a negative PCR; red otherwise,
-- and for 14 days after a positive test.
INSERT INTO risk_rule_sets (id, name, scope, effective_from, days_after_dose, doses_needed, one_dose_products,
	recovery_days, negative_test_hours, test_types, positive_test_days, created_by, created_at)
VALUES ('vn-default-2021', 'Quy định mặc định của PC-Covid', 'VN', 1615136400000, 14, 2, 'EU/1/20/1525',
	180, 72, 'PCR', 14, 'migration', 1615136400000);
