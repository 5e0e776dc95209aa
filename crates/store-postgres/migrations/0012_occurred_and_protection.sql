-- When it happened, as the reporter says, and whether they asked to be protected (they are
-- under threat): both shape how the report is handled.

ALTER TABLE reports ADD COLUMN occurred_at TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN protection_requested BOOLEAN NOT NULL DEFAULT FALSE;
