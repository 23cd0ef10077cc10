-- identity: blind indexes of two name keys (family + given name + birth
-- year; the full name), so that a lab's result without an identity number
-- finds the persons it may be without reading every name.
ALTER TABLE persons ADD COLUMN name_year_idx BLOB;
ALTER TABLE persons ADD COLUMN full_name_idx BLOB;
CREATE INDEX persons_name_year ON persons (name_year_idx);
CREATE INDEX persons_full_name ON persons (full_name_idx);
