-- What a notification names besides a report: the channel account it is about.

ALTER TABLE notifications ADD COLUMN detail TEXT;
