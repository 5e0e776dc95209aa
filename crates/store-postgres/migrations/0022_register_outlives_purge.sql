-- A purged report's line stays in its unit's register, without the report: the book keeps its
-- numbers without gaps.

ALTER TABLE register_entries ALTER COLUMN report_id DROP NOT NULL;
