-- Urgent reports' alert chains: one per report (the level reached and since when, and who
-- acknowledged it), and the alerts each level sent, once per member and level.

CREATE TABLE alert_chains (
    report_id        INTEGER PRIMARY KEY REFERENCES reports (id),
    level            INTEGER NOT NULL,
    level_at         TEXT    NOT NULL,
    started_at       TEXT    NOT NULL,
    acknowledged_at  TEXT,
    acknowledged_by  INTEGER REFERENCES staff (id)
);
CREATE INDEX alert_chains_open ON alert_chains (acknowledged_at, level_at);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    level       INTEGER NOT NULL,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    channel     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (report_id, level, staff_id)
);
CREATE INDEX alerts_staff ON alerts (staff_id, id);
