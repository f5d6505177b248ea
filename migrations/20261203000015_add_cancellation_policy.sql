-- What happens in FNO when a synced opportunity leaves the pre-condition
-- stages or is deleted: 'leave' (logged, FNO keeps the entitlement) or
-- 'obsolete' (its lines without activations are set OBSOLETE).
ALTER TABLE filters ADD COLUMN cancellation_policy TEXT NOT NULL DEFAULT 'leave'
    CONSTRAINT filters_cancellation_policy_check CHECK (cancellation_policy IN ('leave', 'obsolete'));

-- A cancelled order is handled once: its link notes how ('left' or
-- 'obsoleted'), so the look-back finding it again does nothing.
ALTER TABLE sync_links ADD COLUMN cancelled TEXT NOT NULL DEFAULT '';
