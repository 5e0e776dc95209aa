-- Officers' work on a report: internal notes sealed like messages, a duplicate joined to the
-- report it repeats, and the inbox's filters by legal type and topic.

ALTER TABLE notes ADD COLUMN body_sealed BLOB;
ALTER TABLE reports ADD COLUMN merged_into_id INTEGER REFERENCES reports (id);
CREATE INDEX reports_merged_into ON reports (merged_into_id);
CREATE INDEX reports_legal_type_newest ON reports (legal_type, created_at DESC, id DESC);
CREATE INDEX reports_topic_newest ON reports (topic, created_at DESC, id DESC);
