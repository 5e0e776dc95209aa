-- Each report's running time limit: which rule of the law, and when it runs out. The inbox
-- sorts by it and lists what is overdue.

ALTER TABLE reports ADD COLUMN deadline_rule TEXT;
ALTER TABLE reports ADD COLUMN due_at TEXT;
CREATE INDEX reports_due ON reports (due_at, id);
