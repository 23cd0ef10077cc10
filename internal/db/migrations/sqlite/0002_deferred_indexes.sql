-- db: secondary indexes dropped for a bulk load into empty tables, kept here
-- until they are built again, so that a load killed mid-way gets its
-- indexes back at the next start.
CREATE TABLE deferred_indexes (
	name       TEXT PRIMARY KEY,
	table_name TEXT NOT NULL,
	definition TEXT NOT NULL
);
