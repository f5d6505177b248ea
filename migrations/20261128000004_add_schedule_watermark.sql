-- The scheduled sync's watermark: everything modified before it was synced
-- by a successful scheduled run. It only advances past committed work.
ALTER TABLE schedules ADD COLUMN watermark TIMESTAMPTZ;
