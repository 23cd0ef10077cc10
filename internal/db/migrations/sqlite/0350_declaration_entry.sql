-- declaration: entry declarations made in PC-Covid name the border gate and
-- the day of arrival in clear, so entry control can list who arrives where
-- and when without opening every sealed declaration.
ALTER TABLE declarations ADD COLUMN border_gate TEXT NOT NULL DEFAULT '';
ALTER TABLE declarations ADD COLUMN arrival_date TEXT NOT NULL DEFAULT '';
CREATE INDEX declarations_arrivals ON declarations (border_gate, arrival_date);
