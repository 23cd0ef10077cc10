-- checkin: venues, their signed QR posters, and check-ins (see
-- internal/checkin). A venue is a business or public place: its name and
-- address are printed on its poster, so they are not sealed. A check-in
-- holds internal ids only (person, venue, who recorded it) and times.
CREATE TABLE venues (
	id         TEXT PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	ward_code  TEXT NOT NULL,
	address    TEXT NOT NULL,
	capacity   INTEGER NOT NULL,
	owner_kind TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX venues_owner ON venues (owner_kind, owner_id);
CREATE INDEX venues_ward ON venues (ward_code);

-- One row per check-in, range-partitioned by day on at (Unix ms UTC). The
-- daily partitions are created ahead by the check-in service (and on
-- demand by its writer) in the schema checkin_partitions, and dropped whole
-- by the retention purge: deleting a day is a DROP TABLE, not millions of
-- dead tuples. Every index below is partitioned, so a query bounded in at
-- ("who was at venue V within an hour of T") touches one or two small
-- partitions' indexes whatever the table's size.
--
-- A unique index of a partitioned table must contain the partition key, so
-- (id, at) is unique here; the writer also looks ids up before inserting,
-- which is what makes a resend change nothing (see internal/checkin).
CREATE TABLE checkins (
	id          TEXT NOT NULL,
	venue_id    TEXT NOT NULL,
	person_id   TEXT NOT NULL,
	at          BIGINT NOT NULL,
	method      TEXT NOT NULL,
	recorded_by TEXT NOT NULL,
	created_at  BIGINT NOT NULL
) PARTITION BY RANGE (at);
CREATE UNIQUE INDEX checkins_id ON checkins (id, at);
CREATE INDEX checkins_venue_at ON checkins (venue_id, at);
CREATE INDEX checkins_person ON checkins (person_id, venue_id, at);
CREATE SCHEMA checkin_partitions;

-- A citizen's personal QR: hiding it bumps epoch, which voids every code
-- already shown (a photo of the screen stops working).
CREATE TABLE checkin_personal_qr (
	person_id  TEXT PRIMARY KEY,
	epoch      INTEGER NOT NULL,
	hidden     BOOLEAN NOT NULL,
	updated_at BIGINT NOT NULL
);
