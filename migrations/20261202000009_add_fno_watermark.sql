-- The FNO to Salesforce direction's own watermark, on FNO's clock: the
-- newest lastModifiedDateTime of the line items a scheduled run without
-- failures read from FNO. The next scheduled run reads FNO from it (less a
-- short overlap), so lines read before are not read again.
ALTER TABLE schedules ADD COLUMN fno_watermark TIMESTAMPTZ;
