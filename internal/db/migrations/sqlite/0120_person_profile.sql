-- identity: a person's personal fields (CCCD, CMND, name, birth date,
-- address, phone) are read together, so they are sealed together: one
-- value with one nonce and tag instead of six, 165 bytes less a row. The
-- six old columns stay for rows written before; identity.UpgradeProfiles
-- moves those into profile_sealed at the next start.
ALTER TABLE persons ADD COLUMN profile_sealed BLOB;

-- A registry person's id is a keyed MAC of their CCCD: a look-up by CCCD
-- computes the id and uses the primary key, so this index is not needed.
DROP INDEX IF EXISTS persons_cccd;
DELETE FROM deferred_indexes WHERE name = 'persons_cccd';

-- Data upgrades that need Go (decrypting, sealing again) and are still to
-- run: recorded here so that a start finds them without scanning tables.
CREATE TABLE data_upgrades (name TEXT PRIMARY KEY);
INSERT INTO data_upgrades (name) SELECT 'person_profiles' WHERE EXISTS (SELECT 1 FROM persons);
