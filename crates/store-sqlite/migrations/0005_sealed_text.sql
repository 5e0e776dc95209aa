-- Message text and report summaries are sealed under the report's data key. The plaintext
-- columns of 0001 stay for rows written before, and are written empty from now on.

ALTER TABLE messages ADD COLUMN body_sealed BLOB;
ALTER TABLE reports ADD COLUMN summary_sealed BLOB;
