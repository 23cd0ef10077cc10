-- certificate: Vietnam's DCC signing keys — the country signing CA (CSCA)
-- and the document signers (DSC) it certifies — with their private keys
-- sealed. A retired DSC signs no more but stays published until it expires,
-- so the certificates it signed still verify.
CREATE TABLE dcc_keys (
	kid            TEXT PRIMARY KEY,
	role           TEXT NOT NULL,
	cert_der       BLOB NOT NULL,
	private_sealed BLOB NOT NULL,
	parent_kid     TEXT NOT NULL DEFAULT '',
	not_before     BIGINT NOT NULL,
	not_after      BIGINT NOT NULL,
	created_at     BIGINT NOT NULL,
	retired_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX dcc_keys_role ON dcc_keys (role, retired_at);

-- Certificates issued: one per person, type and record certified (a dose,
-- a test, a recovery). The QR text holds the name and health data, so it
-- is sealed; the UVCI is an opaque random identifier.
CREATE TABLE dcc_certificates (
	id         TEXT PRIMARY KEY,
	person_id  TEXT NOT NULL REFERENCES persons (id),
	kind       TEXT NOT NULL,
	record_id  TEXT NOT NULL,
	uvci       TEXT NOT NULL UNIQUE,
	kid        TEXT NOT NULL,
	issued_at  BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	qr_sealed  BLOB NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0,
	UNIQUE (person_id, kind, record_id)
);
CREATE INDEX dcc_certificates_person ON dcc_certificates (person_id, issued_at);
