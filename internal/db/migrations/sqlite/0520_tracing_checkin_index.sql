-- tracing: finding a case's contacts reads, for each of the case's
-- check-ins, who else checked in at the venue within an hour — a range of
-- checkins_venue_at. With person_id in the index that range answers the
-- question alone (a covering index), instead of a table look-up per
-- neighbour: the difference between a few index pages and hundreds of
-- random table pages per case, which is what keeps F1 and F2 fast at tens
-- of millions of check-ins. The index replaces the one it extends, so a
-- check-in still costs three B-tree inserts; every query that used
-- (venue_id, at) uses its prefix.
DROP INDEX checkins_venue_at;
CREATE INDEX checkins_venue_at ON checkins (venue_id, at, person_id);
