-- The receipt register (sổ tiếp nhận) of each unit: every report it receives, or receives by
-- transfer, numbered per unit and year without gaps, in the intake (or transfer) transaction.

CREATE TABLE register_counters (
    unit_code    TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    last_number  INTEGER NOT NULL,
    PRIMARY KEY (unit_code, year)
);

CREATE TABLE register_entries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code         TEXT    NOT NULL REFERENCES units (code),
    year              INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    report_id         INTEGER NOT NULL REFERENCES reports (id),
    received_at       TEXT    NOT NULL,
    officer_id        INTEGER REFERENCES staff (id),
    channel           TEXT    NOT NULL,
    transferred_from  TEXT,
    UNIQUE (unit_code, year, number)
);
CREATE INDEX register_entries_report ON register_entries (report_id);
