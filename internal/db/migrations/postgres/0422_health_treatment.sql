-- health: COVID-19 treatment of a confirmed case: at home (reporting daily,
-- watched by the commune health station of ward_code) or in hospital
-- (admission, discharge, outcome). recovered_at is the recovery an
-- official confirmed: the status card shows "recovered" for 180 days after
-- the first positive test. Medical details (hospital, outcome, notes) are
-- sealed; setting, status and dates stay in clear for the station's lists.
CREATE TABLE treatments (
	id                TEXT PRIMARY KEY,
	person_id         TEXT NOT NULL REFERENCES persons (id),
	ward_code         TEXT NOT NULL DEFAULT '',
	setting           TEXT NOT NULL,
	status            TEXT NOT NULL,
	test_id           TEXT NOT NULL DEFAULT '',
	first_positive_at BIGINT NOT NULL DEFAULT 0,
	started_at        BIGINT NOT NULL,
	admitted_at       BIGINT NOT NULL DEFAULT 0,
	discharged_at     BIGINT NOT NULL DEFAULT 0,
	recovered_at      BIGINT NOT NULL DEFAULT 0,
	confirmed_by      TEXT NOT NULL DEFAULT '',
	details_sealed    BYTEA,
	created_at        BIGINT NOT NULL,
	updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX treatments_active ON treatments (person_id) WHERE status = 'active';
CREATE INDEX treatments_person ON treatments (person_id, started_at);
CREATE INDEX treatments_ward ON treatments (ward_code, status);

-- One daily report: temperature, SpO2, symptoms (sealed). id is the
-- idempotency key the client chose, so a resend changes nothing.
CREATE TABLE treatment_reports (
	id             TEXT PRIMARY KEY,
	treatment_id   TEXT NOT NULL REFERENCES treatments (id),
	reported_at    BIGINT NOT NULL,
	reported_by    TEXT NOT NULL,
	warning        BOOLEAN NOT NULL,
	details_sealed BYTEA NOT NULL,
	created_at     BIGINT NOT NULL
);
CREATE INDEX treatment_reports_treatment ON treatment_reports (treatment_id, reported_at);

-- A report with warning signs alerts the health station of the ward until
-- an official acknowledges it. The signs are sealed.
CREATE TABLE treatment_alerts (
	id              TEXT PRIMARY KEY,
	treatment_id    TEXT NOT NULL REFERENCES treatments (id),
	report_id       TEXT NOT NULL UNIQUE REFERENCES treatment_reports (id),
	person_id       TEXT NOT NULL REFERENCES persons (id),
	ward_code       TEXT NOT NULL,
	signs_sealed    BYTEA NOT NULL,
	created_at      BIGINT NOT NULL,
	acknowledged_by TEXT NOT NULL DEFAULT '',
	acknowledged_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX treatment_alerts_open ON treatment_alerts (acknowledged_at, ward_code);
