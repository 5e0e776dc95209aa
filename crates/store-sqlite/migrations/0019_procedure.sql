-- Where each report stands in its legal procedure, the clock's extensions and suspensions, and
-- the steps taken with what each recorded (decision number, date, signer, sealed grounds).

ALTER TABLE reports ADD COLUMN stage TEXT NOT NULL DEFAULT 'received';
ALTER TABLE reports ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN suspended_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN suspended_since TEXT;
ALTER TABLE reports ADD COLUMN clock_start TEXT;

CREATE TABLE procedure_steps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id      INTEGER NOT NULL REFERENCES reports (id),
    action         TEXT    NOT NULL,
    from_stage     TEXT    NOT NULL,
    to_stage       TEXT    NOT NULL,
    number         TEXT,
    decided_on     TEXT,
    signer         TEXT,
    grounds_sealed BLOB    NOT NULL,
    actor_id       INTEGER NOT NULL REFERENCES staff (id),
    created_at     TEXT    NOT NULL
);
CREATE INDEX procedure_steps_report ON procedure_steps (report_id, id);
