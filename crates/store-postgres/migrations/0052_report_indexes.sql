-- Indexes shaped for the queries that read them at a million reports.

-- Only joined duplicates in the index of the report each joins. Every query for open reports
-- asks `merged_into_id IS NULL`; with every report in this index, SQLite (which keeps no
-- statistics) took that term for the most selective and walked the whole table through it,
-- passing over the index of time limits. A lookup by `merged_into_id = …` still uses it.
DROP INDEX reports_merged_into;
CREATE INDEX reports_merged_into ON reports (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- A report's first register line (where it was taken in, for statistics) read in order from
-- the index, rather than by walking the table's key until one matches.
DROP INDEX register_entries_report;
CREATE INDEX register_entries_report ON register_entries (report_id, id);
