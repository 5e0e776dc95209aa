-- Every unit ever named as the accused of a report about police conduct: a correction names
-- another, but no report is ever handed back into a unit once named, nor below it (issue 25).

CREATE TABLE accused_walls (
    report_id  BIGINT  NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    unit_code  TEXT    NOT NULL REFERENCES units (code),
    PRIMARY KEY (report_id, unit_code)
);
INSERT INTO accused_walls (report_id, unit_code)
    SELECT id, accused_unit_code FROM reports WHERE accused_unit_code IS NOT NULL;
