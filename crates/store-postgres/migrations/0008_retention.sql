-- Retention. A legal hold keeps a report from any purge. A report being purged takes its own
-- history with it; otherwise events stay append-only.

ALTER TABLE reports ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN purging BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX reports_retention ON reports (status, updated_at);

CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id AND purging) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'events are append-only';
END;
$$;
