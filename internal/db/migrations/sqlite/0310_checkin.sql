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

-- One row per check-in. id is the idempotency key the client chose (or the
-- server, for a form post): a resend finds the row and changes nothing.
-- at is when the person was at the venue (a scan queued offline is sent
-- later with its age); created_at when the server recorded it.
-- Kept for the retention window only (pccovid purge). Three indexes and no
-- more: each costs every check-in a B-tree insert. The purge finds old rows
-- through checkins_venue_at, venue by venue.
CREATE TABLE checkins (
	id          TEXT NOT NULL,
	venue_id    TEXT NOT NULL,
	person_id   TEXT NOT NULL,
	at          BIGINT NOT NULL,
	method      TEXT NOT NULL,
	recorded_by TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX checkins_id ON checkins (id);
CREATE INDEX checkins_venue_at ON checkins (venue_id, at);
CREATE INDEX checkins_person ON checkins (person_id, venue_id, at);

-- A citizen's personal QR: hiding it bumps epoch, which voids every code
-- already shown (a photo of the screen stops working).
CREATE TABLE checkin_personal_qr (
	person_id  TEXT PRIMARY KEY,
	epoch      INTEGER NOT NULL,
	hidden     BOOLEAN NOT NULL,
	updated_at BIGINT NOT NULL
);
