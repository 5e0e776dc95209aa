-- Retention. A legal hold keeps a report from any purge. A report being purged takes its own
-- history with it; otherwise events stay append-only.

ALTER TABLE reports ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN purging INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_retention ON reports (status, updated_at);

DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id AND purging = 1)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
