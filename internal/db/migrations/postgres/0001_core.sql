-- seal: one check value per data key (and row 0 for the index key), so that a
-- wrong or missing key file is detected at start-up.
CREATE TABLE seal_keys (
	id          BIGINT PRIMARY KEY,
	check_value BYTEA NOT NULL,
	created_at  BIGINT NOT NULL
);

-- access: officials log in with a user name and password.
CREATE TABLE officials (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	name_sealed   BYTEA,
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL,
	scope         TEXT NOT NULL,
	organization  TEXT NOT NULL DEFAULT '',
	disabled      BOOLEAN NOT NULL DEFAULT false,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  BIGINT NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL
);

-- access: a citizen account is a phone number that proved itself by OTP.
CREATE TABLE accounts (
	id            TEXT PRIMARY KEY,
	phone_idx     BYTEA NOT NULL UNIQUE,
	phone_sealed  BYTEA NOT NULL,
	person_id     TEXT,
	created_at    BIGINT NOT NULL,
	last_login_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE otp_codes (
	phone_idx  BYTEA PRIMARY KEY,
	code_mac   BYTEA NOT NULL,
	expires_at BIGINT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

CREATE TABLE rate_events (
	bucket TEXT NOT NULL,
	at     BIGINT NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at);

CREATE TABLE sessions (
	token_hash   BYTEA PRIMARY KEY,
	kind         TEXT NOT NULL,
	subject_id   TEXT NOT NULL,
	person_id    TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- access: the audit trail. Append-only (the trigger refuses changes) and
-- hash-chained with a keyed MAC, so `pccovid audit verify` finds any edit.
CREATE TABLE audit_log (
	seq         BIGINT PRIMARY KEY,
	at          BIGINT NOT NULL,
	actor_kind  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_name  TEXT NOT NULL,
	actor_role  TEXT NOT NULL,
	actor_scope TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	purpose_ref TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	subject_id  TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '',
	prev_mac    BYTEA NOT NULL,
	mac         BYTEA NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
