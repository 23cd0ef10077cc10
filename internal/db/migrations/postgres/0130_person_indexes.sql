-- identity: every registry load builds each persons index, so keep only
-- those a query uses, and only over the rows a look-up can find.
--
-- No query selects persons by ward (an official's scope is checked per
-- person read), so persons_ward goes.
DROP INDEX IF EXISTS persons_ward;
DELETE FROM deferred_indexes WHERE name = 'persons_ward';

-- A look-up by CMND, phone or household never asks for NULL, and half the
-- registry has no CMND, a third no phone, unverified persons no household:
-- those rows stay out of the indexes.
DROP INDEX IF EXISTS persons_cmnd;
DROP INDEX IF EXISTS persons_phone;
DROP INDEX IF EXISTS persons_household;
DELETE FROM deferred_indexes WHERE name IN ('persons_cmnd', 'persons_phone', 'persons_household');
CREATE INDEX persons_cmnd ON persons (cmnd_idx) WHERE cmnd_idx IS NOT NULL;
CREATE INDEX persons_phone ON persons (phone_idx) WHERE phone_idx IS NOT NULL;
CREATE INDEX persons_household ON persons (household_idx) WHERE household_idx IS NOT NULL;
