-- Why the schedule did not fire when it was due (no valid licence); NULL
-- while it fires. Shown with the schedule and in the overview.
ALTER TABLE schedules ADD COLUMN held_reason TEXT;
