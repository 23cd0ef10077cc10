-- identity: one row per person. Registry persons (verified) carry their
-- registry identifiers in the row; other identifiers, with provenance, are in
-- person_identifiers.
CREATE TABLE persons (
	id               TEXT PRIMARY KEY,
	verified         BOOLEAN NOT NULL,
	cccd_idx         BLOB,
	cccd_sealed      BLOB,
	cmnd_idx         BLOB,
	cmnd_sealed      BLOB,
	full_name_sealed BLOB,
	birth_date_sealed BLOB,
	sex              TEXT NOT NULL DEFAULT '',
	ward_code        TEXT NOT NULL DEFAULT '',
	province_code    TEXT NOT NULL DEFAULT '',
	address_sealed   BLOB,
	phone_idx        BLOB,
	phone_sealed     BLOB,
	household_idx    BLOB,
	nationality      TEXT NOT NULL DEFAULT '',
	source           TEXT NOT NULL,
	source_key       TEXT NOT NULL DEFAULT '',
	run_id           TEXT NOT NULL DEFAULT '',
	row_mac          BLOB,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL
);
-- A registry person's id is a keyed MAC of their CCCD, so the primary key
-- already makes a registry CCCD unique; this index serves look-ups only.
CREATE INDEX persons_cccd ON persons (cccd_idx);
CREATE INDEX persons_cmnd ON persons (cmnd_idx);
CREATE INDEX persons_phone ON persons (phone_idx);
CREATE INDEX persons_household ON persons (household_idx);
CREATE INDEX persons_ward ON persons (ward_code);

CREATE TABLE person_identifiers (
	person_id    TEXT NOT NULL REFERENCES persons (id),
	kind         TEXT NOT NULL,
	value_idx    BLOB NOT NULL,
	value_sealed BLOB NOT NULL,
	source       TEXT NOT NULL,
	record_key   TEXT NOT NULL DEFAULT '',
	run_id       TEXT NOT NULL DEFAULT '',
	seen_at      BIGINT NOT NULL,
	PRIMARY KEY (person_id, kind, value_idx, source)
);
CREATE INDEX person_identifiers_value ON person_identifiers (kind, value_idx);

-- Profiles one person manages for another (a parent for a child), from the
-- health book's managedBy or added by the account holder.
CREATE TABLE person_managers (
	person_id  TEXT NOT NULL REFERENCES persons (id),
	manager_id TEXT NOT NULL REFERENCES persons (id),
	source     TEXT NOT NULL,
	record_key TEXT NOT NULL DEFAULT '',
	run_id     TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (person_id, manager_id)
);
CREATE INDEX person_managers_manager ON person_managers (manager_id);

-- Health insurance cards from the social-insurance extract or service.
CREATE TABLE insurance_cards (
	person_id   TEXT NOT NULL REFERENCES persons (id),
	card_idx    BLOB NOT NULL,
	card_sealed BLOB NOT NULL,
	bhxh_idx    BLOB NOT NULL,
	bhxh_sealed BLOB NOT NULL,
	valid_to    TEXT NOT NULL,
	source      TEXT NOT NULL,
	row_mac     BLOB,
	updated_at  BIGINT NOT NULL,
	PRIMARY KEY (person_id, card_idx)
);
CREATE INDEX insurance_cards_card ON insurance_cards (card_idx);
CREATE INDEX insurance_cards_bhxh ON insurance_cards (bhxh_idx);
