-- A purged report's line stays in its unit's register, without the report: the book keeps its
-- numbers without gaps. SQLite cannot drop NOT NULL in place, so the table is rebuilt.

CREATE TABLE register_entries_kept (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code         TEXT    NOT NULL REFERENCES units (code),
    year              INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    report_id         INTEGER REFERENCES reports (id),
    received_at       TEXT    NOT NULL,
    officer_id        INTEGER REFERENCES staff (id),
    channel           TEXT    NOT NULL,
    transferred_from  TEXT,
    UNIQUE (unit_code, year, number)
);
INSERT INTO register_entries_kept
    (id, unit_code, year, number, report_id, received_at, officer_id, channel, transferred_from)
    SELECT id, unit_code, year, number, report_id, received_at, officer_id, channel, transferred_from
    FROM register_entries;
DROP TABLE register_entries;
ALTER TABLE register_entries_kept RENAME TO register_entries;
CREATE INDEX register_entries_report ON register_entries (report_id);
