-- Only joined duplicates in the index of the report each joins. Every query for open reports
-- asks `merged_into_id IS NULL`; with every report in this index, SQLite (which keeps no
-- statistics) took that term for the most selective and walked the whole table through it,
-- passing over the index of time limits. A lookup by `merged_into_id = …` still uses it.
DROP INDEX reports_merged_into;
CREATE INDEX reports_merged_into ON reports (merged_into_id) WHERE merged_into_id IS NOT NULL;
