-- declaration: health declarations, taken over (NCOVI, VHD) or made in
-- PC-Covid. Transport fields stay in clear for tracing co-travellers; what
-- the person declared about their health is sealed.
CREATE TABLE declarations (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL REFERENCES persons (id),
	source         TEXT NOT NULL,
	record_key     TEXT NOT NULL DEFAULT '',
	kind           TEXT NOT NULL,
	declared_at    BIGINT NOT NULL,
	ward_code      TEXT NOT NULL DEFAULT '',
	transport      TEXT NOT NULL DEFAULT '',
	transport_no   TEXT NOT NULL DEFAULT '',
	departure_date TEXT NOT NULL DEFAULT '',
	seat_no        TEXT NOT NULL DEFAULT '',
	details_sealed BLOB,
	created_at     BIGINT NOT NULL
);
CREATE INDEX declarations_person ON declarations (person_id, declared_at);
CREATE INDEX declarations_transport ON declarations (transport_no, departure_date);
CREATE INDEX declarations_declared ON declarations (declared_at);
