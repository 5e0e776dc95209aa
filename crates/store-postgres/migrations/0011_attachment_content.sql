-- Evidence files live in the store, sealed under their report's data key: written in the same
-- transaction as the report, backed up with it, purged with it. File names are ours
-- (`evidence-1.jpg`), never the citizen's.

ALTER TABLE attachments ADD COLUMN content_sealed BYTEA;
ALTER TABLE attachments ADD COLUMN metadata_removed BOOLEAN NOT NULL DEFAULT FALSE;
