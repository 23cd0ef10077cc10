-- takeover: the records a run writes per transaction. batches_done counts
-- batches of this size, so a resumed run must use the size it started
-- with; 0 is a run started before this was recorded.
ALTER TABLE takeover_runs ADD COLUMN batch_size INTEGER NOT NULL DEFAULT 0;
