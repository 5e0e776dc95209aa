-- Warnings about time limits: one per report, kind ('approaching', 'passed'), the limit's due
-- time (a new limit warns again) and member.

CREATE TABLE deadline_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    kind        TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    created_at  TEXT    NOT NULL,
    UNIQUE (report_id, kind, due_at, staff_id)
);
CREATE INDEX deadline_alerts_staff ON deadline_alerts (staff_id, id);
