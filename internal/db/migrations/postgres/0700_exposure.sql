-- exposure: the GAEN key server and its verification server (Bluezone's
-- successor). See internal/exposure.

-- Signing keys: ECDSA P-256, one series per usage ('verification' signs
-- verification tokens and certificates, 'export' signs export files). The
-- private key is sealed; the public key is public. A key signs until it is
-- retired (rotation) and is still listed for verifiers for a while after.
CREATE TABLE exposure_signing_keys (
	kid            TEXT PRIMARY KEY,
	usage          TEXT NOT NULL,
	version        INTEGER NOT NULL,
	private_sealed BYTEA NOT NULL,
	public_der     BYTEA NOT NULL,
	created_at     BIGINT NOT NULL,
	retired_at     BIGINT NOT NULL DEFAULT 0,
	UNIQUE (usage, version)
);

-- Verification codes, stored only as keyed MACs: the database cannot give
-- a code back. One row holds the short and the long code of one issue; using
-- either uses both.
CREATE TABLE exposure_codes (
	id               TEXT PRIMARY KEY,
	short_mac        BYTEA NOT NULL UNIQUE,
	long_mac         BYTEA NOT NULL UNIQUE,
	test_type        TEXT NOT NULL,
	symptom_date     TEXT NOT NULL DEFAULT '',
	test_date        TEXT NOT NULL DEFAULT '',
	issued_by        TEXT NOT NULL,
	issued_at        BIGINT NOT NULL,
	short_expires_at BIGINT NOT NULL,
	long_expires_at  BIGINT NOT NULL,
	delivery         TEXT NOT NULL,
	used_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX exposure_codes_issuer ON exposure_codes (issued_by, issued_at);
CREATE INDEX exposure_codes_expiry ON exposure_codes (long_expires_at);

-- Verification tokens handed out for a code; id is the token's jti.
CREATE TABLE exposure_tokens (
	id           TEXT PRIMARY KEY,
	code_id      TEXT NOT NULL,
	test_type    TEXT NOT NULL,
	symptom_date TEXT NOT NULL DEFAULT '',
	test_date    TEXT NOT NULL DEFAULT '',
	expires_at   BIGINT NOT NULL,
	used_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX exposure_tokens_expiry ON exposure_tokens (expires_at);

-- Verification certificates that have been used for an upload (SHA-256 of
-- the JWT), kept until they expire so that each is used once.
CREATE TABLE exposure_certificates (
	cert_hash  BYTEA PRIMARY KEY,
	used_at    BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX exposure_certificates_expiry ON exposure_certificates (expires_at);

-- Uploaded Temporary Exposure Keys. key_mac is a keyed MAC of the key (no
-- key twice); the key itself is sealed until it goes out in an export.
-- available_at is when it may be exported: arrival, or the key's expiry when
-- later (today's key is held back until its owner stops broadcasting it).
CREATE TABLE exposure_keys (
	key_mac           BYTEA PRIMARY KEY,
	key_sealed        BYTEA NOT NULL,
	interval_number   INTEGER NOT NULL,
	interval_count    INTEGER NOT NULL,
	transmission_risk INTEGER NOT NULL,
	report_type       INTEGER NOT NULL,
	days_since_onset  INTEGER,
	created_at        BIGINT NOT NULL,
	available_at      BIGINT NOT NULL
);
CREATE INDEX exposure_keys_available ON exposure_keys (available_at);
CREATE INDEX exposure_keys_created ON exposure_keys (created_at);

-- Export batches: contiguous windows (start_at, end_at] of available_at.
-- A server claims a batch with a lease, builds its files, then marks it done;
-- a batch whose lease ran out is taken over by the next run.
CREATE TABLE exposure_batches (
	id           TEXT PRIMARY KEY,
	start_at     BIGINT NOT NULL,
	end_at       BIGINT NOT NULL UNIQUE,
	status       TEXT NOT NULL,
	lease_holder TEXT NOT NULL,
	lease_until  BIGINT NOT NULL,
	key_count    INTEGER NOT NULL,
	file_count   INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL
);

-- Signed export files (zip: export.bin + export.sig), public by design.
CREATE TABLE exposure_export_files (
	name       TEXT PRIMARY KEY,
	batch_id   TEXT NOT NULL,
	start_at   BIGINT NOT NULL,
	end_at     BIGINT NOT NULL,
	batch_num  INTEGER NOT NULL,
	batch_size INTEGER NOT NULL,
	key_count  INTEGER NOT NULL,
	signed_by  TEXT NOT NULL,
	data       BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX exposure_export_files_order ON exposure_export_files (end_at, batch_num);
CREATE INDEX exposure_export_files_created ON exposure_export_files (created_at);
