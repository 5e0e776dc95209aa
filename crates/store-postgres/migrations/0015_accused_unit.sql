-- A report about a police officer's conduct names the accused's unit. Nobody in that unit or
-- below it may read the report; the leaders above it and the inspectorate above it may.

ALTER TABLE reports ADD COLUMN accused_unit_code TEXT REFERENCES units (code);
