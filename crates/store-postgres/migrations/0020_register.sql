-- The receipt register (sổ tiếp nhận) of each unit: every report it receives, or receives by
-- transfer, numbered per unit and year without gaps, in the intake (or transfer) transaction.

CREATE TABLE register_counters (
    unit_code    TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    last_number  BIGINT  NOT NULL,
    PRIMARY KEY (unit_code, year)
);

CREATE TABLE register_entries (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_code         TEXT    NOT NULL REFERENCES units (code),
    year              INTEGER NOT NULL,
    number            BIGINT  NOT NULL,
    report_id         BIGINT  NOT NULL REFERENCES reports (id),
    received_at       TIMESTAMPTZ NOT NULL,
    officer_id        BIGINT  REFERENCES staff (id),
    channel           TEXT    NOT NULL,
    transferred_from  TEXT,
    UNIQUE (unit_code, year, number)
);
CREATE INDEX register_entries_report ON register_entries (report_id);
